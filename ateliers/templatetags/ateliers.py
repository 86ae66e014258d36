from django import template

from ateliers import parsing
from ateliers.models import Section

register = template.Library()


@register.filter
def kind_label(kind: str) -> str:
    """French label of a section kind code ("a_enqueter" -> "Éléments à enquêter")."""
    try:
        return Section.Kind(kind).label
    except ValueError:
        return kind


@register.filter
def lists_people(section) -> bool:
    """A parsed section (contract dict) or a Section listing people."""
    kind = section["kind"] if isinstance(section, dict) else section.kind
    return kind in parsing.PEOPLE_KINDS


@register.filter
def heading_is_label(section) -> bool:
    """Whether the heading only repeats the kind's label (« Opportunités »)."""
    kind = section["kind"] if isinstance(section, dict) else section.kind
    heading = section["heading"] if isinstance(section, dict) else section.heading
    if not heading:
        return True
    try:
        label = str(Section.Kind(kind).label)
    except ValueError:
        return False
    return parsing.heading_key(heading) == parsing.heading_key(label)
