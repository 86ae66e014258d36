import nh3
from django import template
from django.utils.safestring import mark_safe

from observatoire.text import markdown_html

register = template.Library()

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "a",
    "blockquote",
    "code",
    "pre",
    "h3",
    "h4",
    "hr",
}
# Headings from users start at h3: the page already has its h1 and h2s.
HEADING_SHIFT = {"<h1": "<h3", "</h1>": "</h3>", "<h2": "<h3", "</h2>": "</h3>"}


@register.filter
def markdown_safe(text: str) -> str:
    """Markdown rendered, then cleaned by nh3: no script, style or raw HTML
    attribute survives, links get rel="nofollow noopener"."""
    html = markdown_html(text)
    for old, new in HEADING_SHIFT.items():
        html = html.replace(old, new)
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener",
    )
    return mark_safe(cleaned)
