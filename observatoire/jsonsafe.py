"""Reading JSON that someone else wrote: import files, seed files, web APIs.

`json.loads` ends in a bare RecursionError on deeply nested input and in a
ValueError on an integer longer than Python's 4,300-digit conversion limit.
Both are refused here with a French message that says where: nesting before
parsing (the position of the first bracket too deep), and long integers kept
as `LongNumber` so the caller can name the record that holds one.
"""

import json
import re

MAX_DEPTH = 64
# Far more than any identifier or coordinate; far below Python's limit.
MAX_DIGITS = 100

# A string (with its escapes) or a bracket: brackets inside strings do not nest.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


class JsonError(ValueError):
    """The text cannot be read as JSON; the message says where and why."""


class LongNumber(str):
    """An integer too long to be a number here; its digits, as text."""


def _integer(digits: str) -> int | LongNumber:
    stripped = digits.lstrip("-")
    return int(digits) if len(stripped) <= MAX_DIGITS else LongNumber(digits)


def _position(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    column = offset - text.rfind("\n", 0, offset)
    return f"ligne {line}, colonne {column}"


def check_depth(text: str, *, max_depth: int = MAX_DEPTH) -> None:
    depth = 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > max_depth:
                raise JsonError(
                    f"{_position(text, match.start())} : plus de {max_depth} "
                    "niveaux d'imbrication (listes ou objets les uns dans les "
                    "autres) ; ce n'est pas un fichier de données attendu."
                )
        elif token in "]}":
            depth -= 1


def loads(text: str | bytes, *, max_depth: int = MAX_DEPTH):
    """Parse `text`; raise JsonError (French, with the position) when it is not
    JSON or is nested deeper than `max_depth`. Integers of more than
    MAX_DIGITS digits come back as LongNumber."""
    if isinstance(text, bytes | bytearray):
        text = bytes(text).decode("utf-8-sig")
    check_depth(text, max_depth=max_depth)
    try:
        return json.loads(text, parse_int=_integer)
    except json.JSONDecodeError as error:
        raise JsonError(
            f"JSON invalide ligne {error.lineno}, colonne {error.colno} ({error.msg})."
        ) from None
    except RecursionError:  # pragma: no cover - check_depth stops it first
        raise JsonError("structure trop profondément imbriquée.") from None


def long_numbers(value, path: str = "") -> list[str]:
    """Where `value` (parsed by `loads`) holds a LongNumber: "geo.latitude"."""
    if isinstance(value, LongNumber):
        return [path or "valeur"]
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            found += long_numbers(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += long_numbers(item, f"{path}[{index}]")
    return found
