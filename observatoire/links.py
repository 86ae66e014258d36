"""Links to the pages of records named by their slug, reversed once.

A portrait of France links some 240 territories, a list page 20 initiatives
and their communes: `reverse()` walks the URL patterns each time (about
60 µs here). The URL of a slug page differs from one record to the next only
by the slug, so it is reversed once per process and script prefix with a
placeholder, which each record's slug replaces. Static: derived from the URL
configuration alone, the same on every server.
"""

import re

from django.urls import get_script_prefix, reverse

PLACEHOLDER = "slug-placeholder"
# What the <slug:…> converter accepts: nothing in it needs quoting.
SLUG = re.compile(r"[-a-zA-Z0-9_]+")
_templates: dict[tuple[str, str], str] = {}


def slug_url_template(name: str) -> str:
    """The URL of `name` with PLACEHOLDER where the slug goes."""
    key = (name, get_script_prefix())
    template = _templates.get(key)
    if template is None:
        template = _templates[key] = reverse(name, args=[PLACEHOLDER])
    return template


def slug_url(name: str, slug: str) -> str:
    """`reverse(name, args=[slug])`, for a URL pattern taking one slug."""
    if not SLUG.fullmatch(slug):
        return reverse(name, args=[slug])  # raises NoReverseMatch as it would
    return slug_url_template(name).replace(PLACEHOLDER, slug)
