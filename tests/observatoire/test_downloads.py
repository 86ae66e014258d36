import csv
import random

import pytest

from observatoire import downloads
from observatoire.downloads import csv_lines, safe_cell, unguard


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_text_that_a_spreadsheet_would_run_is_neutralised_and_restored(prefix):
    cell = safe_cell(f"{prefix}1+1")
    assert cell == f"'{prefix}1+1"
    assert unguard(cell) == f"{prefix}1+1"


def test_numbers_and_plain_text_are_written_as_they_are():
    assert [safe_cell(v) for v in (-4.49, -3, None, "Brest", "'quoted")] == [
        "-4.49",
        "-3",
        "",
        "Brest",
        "'quoted",
    ]
    assert unguard("'quoted") == "'quoted"


def test_csv_lines_start_with_a_bom_and_use_semicolons_and_crlf():
    text = "".join(csv_lines([["a", "b;c"], [1, "=x"]]))
    assert text == '\ufeffa;"b;c"\r\n1;\'=x\r\n'


# Cells around every edge of the line-level check in csv_lines: prefixes at
# the start of the line, after a `;`, inside quotes, numbers written the
# English or French way, and texts that only look like numbers.
TRICKY_CELLS = [
    "=1+1",
    "+33 1 23",
    "-",
    "-4",
    "-4.49",
    "-4,49",
    "-4.49x",
    "-4;abc",
    "-4\n5",
    "@SUM(A1)",
    "\tx",
    "\rx",
    "a;=b",
    'a";=b',
    '"=x"',
    "Brest",
    "",
    None,
    -4.49,
    -3,
    0,
    12.5,
    -1e-05,
    "'quoted",
    "x\r\n=y",
    "\n-4",
    "-٣",
    "a",
    "=",
]


def _per_cell(rows):
    # What csv_lines wrote before its line-level check: every cell guarded.
    class Echo:
        def write(self, value):
            return value

    writer = csv.writer(Echo(), delimiter=";", lineterminator="\r\n")
    return "".join(writer.writerow([safe_cell(v) for v in row]) for row in rows)


def test_csv_lines_guard_every_cell_exactly_as_safe_cell_does():
    rng = random.Random(7)
    rows = [[cell] for cell in TRICKY_CELLS]
    rows += [
        [rng.choice(TRICKY_CELLS) for _ in range(rng.randint(1, 6))]
        for _ in range(3000)
    ]
    text = "".join(csv_lines([["en-tête"], *rows]))
    assert text == "\ufeffen-tête\r\n" + _per_cell(rows)
    # The check does find cells to guard: this is not comparing two no-ops.
    assert "'=1+1" in text and "'-4.49x" in text and ";-4.49;" in text


@pytest.mark.parametrize("cell", ["=1+1", "-4;abc", "\tx", "@SUM(A1)", "-"])
@pytest.mark.parametrize("where", [(0, 0), (1, 0), (499, 2), (700, 0), (1199, 3)])
def test_one_cell_to_guard_among_clean_rows_is_guarded(cell, where, monkeypatch):
    """Each written line is searched once: a single cell to guard, first or
    inside its line, must still be found, and only its line is written again
    cell by cell (an empty last cell is not mistaken for one)."""
    guarded = []

    def counted(value):
        guarded.append(value)
        return safe_cell(value)

    monkeypatch.setattr(downloads, "safe_cell", counted)

    rng = random.Random(3)
    clean = ["Brest", "-4.49", 48.39, None, 12, "a;b", "ligne\nsuivante", "« x »"]
    rows = [[rng.choice(clean) for _ in range(4)] for _ in range(1200)]
    line, column = where
    rows[line][column] = cell
    text = "".join(csv_lines([["en-tête"], *rows]))
    assert text == "\ufeffen-tête\r\n" + _per_cell(rows)
    assert "'" + cell in text
    # The header, then the one suspect line's four cells.
    assert len(guarded) == 1 + 4
