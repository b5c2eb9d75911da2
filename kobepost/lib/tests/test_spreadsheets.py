"""The cell writer every export shares: no cell is ever a live formula, text stays as typed.

The files are written by the module and read back as a user's program would (csv, openpyxl);
tests/test_export_formulas.py drives every export view the same way.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kobepost.lib.spreadsheets import (
    Bold,
    Sheet,
    csv_chunks,
    defuse,
    to_cp932,
    undefuse,
    xlsx_file,
)
from tests.formulas import (
    ENCODINGS,
    any_character,
    assert_csv_safe_and_as_typed,
    assert_xlsx_safe_and_as_typed,
    csv_cells,
    is_live_formula,
    lookalike_starts,
    typed_text,
    xlsx_cells,
)


def csv_bytes(rows, encoding: str) -> bytes:
    return b"".join(csv_chunks(rows, encoding=encoding))


def xlsx_bytes(rows) -> bytes:
    with xlsx_file([Sheet("sheet", rows)]) as output:
        return output.read()


# The examples of the privacy council's report, and their cousins.
REPORTED = [
    '﹦HYPERLINK("http://evil.example")',
    "⁺1+1",
    "﹫SUM(1)",
    "＝1+1",
    "−1+1",  # MINUS SIGN: Shift_JIS writes it as the full-width hyphen-minus
    "\t=1+1",
    "\r=1+1",
    "\u3000=1+1",
]


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("typed", REPORTED)
def test_reported_look_alikes_never_come_out_as_formulas(typed, encoding):
    [[cell]] = csv_cells(csv_bytes([[typed]], encoding), encoding)
    assert cell.startswith("'") and not is_live_formula(cell)
    [xlsx] = xlsx_cells(xlsx_bytes([[typed]]))
    assert (xlsx.value, xlsx.data_type) == (typed.replace("\r", "_x000D_"), "s")


def test_shift_jis_defuses_what_transliteration_turns_into_a_formula():
    [[cell]] = csv_cells(csv_bytes([["﹦HYPERLINK(1)"]], "cp932"), "cp932")
    assert cell == "'=HYPERLINK(1)"


def test_every_look_alike_start_is_found():
    assert {"=", "+", "-", "@", "＝", "＋", "－", "＠", "﹦", "⁺", "﹫", "−"} <= set(
        lookalike_starts()
    )


@settings(max_examples=300, deadline=None, database=None)
@given(typed=st.lists(typed_text, min_size=1, max_size=4))
def test_no_csv_cell_is_a_live_formula_and_text_stays_as_typed(typed):
    for encoding in ENCODINGS:
        assert_csv_safe_and_as_typed(csv_bytes([typed], encoding), encoding, typed)


@settings(max_examples=100, deadline=None, database=None)
@given(typed=st.lists(typed_text, min_size=1, max_size=4))
def test_xlsx_cells_are_text_showing_exactly_what_was_typed(typed):
    assert_xlsx_safe_and_as_typed(xlsx_bytes([typed, Bold(typed)]), typed)


@settings(max_examples=300, deadline=None, database=None)
@given(typed=st.one_of(typed_text, st.text(any_character)))
def test_reading_a_csv_cell_back_gives_the_typed_text(typed):
    assert undefuse(defuse(typed)) == typed
    [[cell]] = csv_cells(csv_bytes([[typed]], "utf-8"), "utf-8")
    assert undefuse(cell) == typed


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+81", "'+81"),
        ("-3", "'-3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'=1", "''=1"),
        ("'普通", "'普通"),
        ("普通の文", "普通の文"),
        ("", ""),
    ],
)
def test_defuse(value, expected):
    assert defuse(value) == expected


def test_numbers_stay_numbers():
    [[count, hours, empty]] = csv_cells(csv_bytes([[-3, 1.5, None]], "utf-8"), "utf-8")
    assert (count, hours, empty) == ("-3", "1.5", "")
    cells = xlsx_cells(xlsx_bytes([[7, 2.5, "7"]]))
    assert [(cell.value, cell.data_type) for cell in cells] == [(7, "n"), (2.5, "n"), ("7", "s")]


def test_xlsx_keeps_returns_control_characters_and_typed_escapes():
    typed = ["a\r\nb", "ベル\x07", "_x000D_", "#N/A"]
    assert_xlsx_safe_and_as_typed(xlsx_bytes([typed]), typed)


def test_cp932_fallback_marks_the_unprintable():
    assert to_cp932("犬🐕") == "犬〓".encode("cp932")
    assert to_cp932("①−") == "①－".encode("cp932")
