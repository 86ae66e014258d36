"""Text helpers shared by every app."""

import re
import threading
import unicodedata
from collections.abc import Collection
from decimal import ROUND_HALF_UP, Decimal
from html import unescape

import markdown
from django.db.models import QuerySet
from django.utils.formats import number_format
from django.utils.html import strip_tags
from django.utils.text import slugify


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced form used for lookups.

    "Saint-Étienne" and "saint etienne" fold to the same key, so users can type
    names the way they would on a phone keyboard.
    """
    decomposed = unicodedata.normalize("NFKD", (text or "").lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    # Ligatures have no decomposition: spelled out, once lower-cased.
    stripped = stripped.replace("œ", "oe").replace("æ", "ae")
    words = re.split(r"[^0-9a-z]+", stripped)
    return " ".join(word for word in words if word)


def unique_slug(
    queryset: QuerySet, text: str, *, fallback: str, reserved: Collection[str] = ()
) -> str:
    """A slug made from `text` that no row of `queryset` has yet: "jardin", then
    "jardin-2", "jardin-3"… `fallback` stands in for a text without Latin letters
    and prefixes a slug that is `reserved` (a fixed URL it would shadow)."""
    # Room for the "-N" suffix within the field's length.
    max_length = queryset.model._meta.get_field("slug").max_length - 8
    base = slugify(text)[:max_length].strip("-") or fallback
    if base in reserved:
        base = f"{fallback}-{base}"
    taken = set(queryset.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


def decimal(value: float, places: int = 1) -> str:
    """A number rounded half up and written the French way (« 2,4 »).

    The one formatter for every figure shown in two places (a chart and its
    table): Django's `number_format` truncates floats and `floatformat`
    rounds, so 2.36 came out as both 2,3 and 2,4."""
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    return number_format(rounded, places, use_l10n=True)


def share(fraction: float) -> str:
    """A fraction as a French percentage without the sign: 0.256 → « 25,6 »."""
    return decimal(fraction * 100, 1)


_converters = threading.local()


def markdown_html(text: str) -> str:
    """Markdown as HTML, with the site's extensions (not yet cleaned: see
    `markdown_safe`). Building a converter (parser, patterns, extensions) was
    half of every conversion, so each thread keeps one and resets it between
    texts: the spreadsheet export takes a sixth less time."""
    converter = getattr(_converters, "markdown", None)
    if converter is None:
        converter = _converters.markdown = markdown.Markdown(extensions=["sane_lists"])
    return converter.reset().convert(text or "")


def plain_text(markdown_text: str) -> str:
    """Markdown as the plain text a reader sees: no `**`, no `#`, no markup;
    paragraphs kept on their own lines."""
    html = markdown_html(markdown_text)
    html = re.sub(r"</(p|li|h\d|blockquote|pre)>", "\n", html)
    text = unescape(strip_tags(html))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())
