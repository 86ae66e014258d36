from django import template

from observatoire import tags

register = template.Library()


@register.filter
def tag_url(tag) -> str:
    """The tag page's address, "" for a tag whose slug cannot be one."""
    return tags.tag_url(tag)
