import pytest

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
