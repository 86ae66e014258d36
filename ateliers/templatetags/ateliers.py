from django import template

from ateliers.models import Section

register = template.Library()


@register.filter
def kind_label(kind: str) -> str:
    """French label of a section kind code ("a_enqueter" -> "Éléments à enquêter")."""
    try:
        return Section.Kind(kind).label
    except ValueError:
        return kind
