"""Text helpers shared by every app."""

import re
import unicodedata


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced form used for lookups.

    "Saint-Étienne" and "saint etienne" fold to the same key, so users can type
    names the way they would on a phone keyboard.
    """
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae")
    words = re.split(r"[^0-9a-z]+", stripped.lower())
    return " ".join(word for word in words if word)
