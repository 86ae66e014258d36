from django import template
from django.template.loader import render_to_string
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

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


@register.simple_tag
def item_tree(items, link_base=""):
    """The `<li>` of `items` and their sub-items, escaped. Built here rather
    than by a recursive {% include %}: a workshop at MAX_ITEMS renders in a
    fraction of the time. Tags still go through includes/tags.html."""
    return mark_safe("".join(_item_html(item, link_base) for item in items))


def _item_html(item, link_base: str) -> str:
    if link_base:
        body = format_html('<a href="{}#item-{}">{}</a>', link_base, item.pk, item.text)
        attrs = ""
    else:
        body = escape(item.text)
        attrs = format_html(' id="item-{}"', item.pk)
    tags = list(item.tags.all())
    tags_html = (
        " " + render_to_string("includes/tags.html", {"tags": tags}) if tags else ""
    )
    children = getattr(item, "child_list", [])
    children_html = (
        "<ul>" + "".join(_item_html(c, link_base) for c in children) + "</ul>"
        if children
        else ""
    )
    return f"<li{attrs}>{body}{tags_html}{children_html}</li>"
