"""Files the site produces for download, built as they stream.

Every CSV goes through `csv_lines`, so all of them open the same way:
- UTF-8 with a byte-order mark, because Excel (the tool most local authorities
  open them with) otherwise garbles accents; `;` separator, as French
  spreadsheets expect; CRLF line ends.
- A text cell starting with = + - @, a tab or a carriage return gets a leading
  apostrophe, so spreadsheets show it instead of running it as a formula;
  `unguard()` removes it when such a file is imported back. Numbers are
  written as they are ("-4.49").
"""

import csv
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.http import StreamingHttpResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


_FORMULA_STARTS = frozenset(FORMULA_PREFIXES)
# A written line, read with a `;` before it, in which some cell *might* start
# like a formula: every cell follows a `;` then, quoted or not. A quoted cell
# is never a number, so a quoted "-" is always suspect; an unquoted one is not
# when the cell is a number (NUMBER). A cell starting with a carriage return
# is always quoted: unquoted, it is the line's end after an empty cell. It may
# match more than the cells safe_cell changes (a `;` inside a quoted text),
# never fewer. Starting with a literal `;` lets the search skip through a long
# line at C speed.
_MAYBE_FORMULA = re.compile(r';(?:"[=+\-@\t\r]|[=+@\t]|-(?!\d+(?:[.,]\d+)?(?:;|\r\n)))')


def safe_cell(value) -> str:
    # Text first, tested by its first character: called for every cell of
    # a 100,000-row export.
    if value.__class__ is str and value[:1] not in _FORMULA_STARTS:
        return value
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal):
        return str(value)
    text = str(value)
    if NUMBER.fullmatch(text):
        return text  # "-4,49": a number written the French way, not a formula
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def unguard(text: str) -> str:
    """A cell as it was before `safe_cell` protected it."""
    if text.startswith("'") and text[1:2] in FORMULA_PREFIXES:
        return text[1:]
    return text


class _Echo:
    """A file-like object whose write returns the line, for streaming csv."""

    def write(self, value):
        return value


def csv_lines(rows: Iterable[Iterable]) -> Iterator[str]:
    """The CSV text of `rows` (the header first), a few hundred rows a piece.

    The header goes out alone, at once: a large download starts before the
    first query of its rows."""
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    rows = iter(rows)
    header = next(rows, None)
    yield "\ufeff" + (writer.writerow(map(safe_cell, header)) if header else "")
    yield from batched(_guarded_line(writer, row) for row in rows)


def _guarded_line(writer, row) -> str:
    """The row written with every cell through safe_cell. Most lines have no
    cell to guard: one search of the written line then replaces a call per
    cell (three million of them in a national export)."""
    line = writer.writerow(row)
    if _MAYBE_FORMULA.search(";" + line):
        line = writer.writerow([safe_cell(value) for value in row])
    return line


def csv_response(rows: Iterable[Iterable], *, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_lines(rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def batched(pieces: Iterable[str], size: int = 500) -> Iterator[str]:
    """Pieces joined in groups: one write per few hundred rows, not per row."""
    buffer = []
    for piece in pieces:
        buffer.append(piece)
        if len(buffer) >= size:
            yield "".join(buffer)
            buffer = []
    if buffer:
        yield "".join(buffer)
