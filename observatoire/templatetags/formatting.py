"""Number filters for templates, so a figure reads the same everywhere."""

from django import template

from observatoire import text

register = template.Library()


@register.filter
def decimal(value, places=1):
    """`{{ mean|decimal }}` → « 2,4 »; empty for a missing value."""
    if value is None or value == "":
        return ""
    return text.decimal(float(value), int(places))


@register.filter
def share(fraction):
    """`{{ 0.256|share }}` → « 25,6 » (the template writes the « % »)."""
    if fraction is None or fraction == "":
        return ""
    return text.share(float(fraction))
