"""Cells of every file the tool hands to a spreadsheet: CSV (UTF-8 with BOM or Shift_JIS) and xlsx.

A spreadsheet runs a cell that starts with = + - @ as a formula (CSV injection): a caller's
title 「=HYPERLINK("http://…")」 becomes a link that sends the reader's data away, and a
citizen can plant one through a post a supervisor forwards. The check must see the text as
it is in the file, after every transformation it goes through: the Shift_JIS file spells
what cp932 lacks by its NFKC form, so 「﹦HYPERLINK(…)」, 「⁺1+1」 and 「﹫SUM(1)」 become
= + @ after a check on the typed text let them pass. So the rule is applied here, last,
to the text exactly as it is written, and it also looks at the NFKC form and the Shift_JIS
spelling of that text: Japanese Excel takes a full-width 「＝」 typed into a cell for "=",
other programs fold compatibility forms, and a UTF-8 file re-saved as Shift_JIS on Windows
folds look-alikes to ASCII the same way.

- CSV: such a cell gets one leading apostrophe, the only defusing a CSV has (Excel shows it);
  every other cell is written as typed (in Shift_JIS: as cp932 can spell it).
- xlsx: every text cell is of type string, never formula, error or a guessed number or
  date, and holds the text unchanged, without an apostrophe. Cells that look like a formula
  are also marked "quote prefix", so that editing the cell in Excel keeps it text.

Every export (cases, calls, monthly report, disclosure, FAQ, the audit trail) writes its
files through this module; none has its own cell rules.
"""

import codecs
import csv
import functools
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, cast

from django.http import FileResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

type Value = str | int | float | None
type Row = Sequence[Value]

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UTF8 = "utf-8"
CP932 = "cp932"
CHARSETS = {UTF8: "utf-8", CP932: "shift_jis"}

# --- formulas ----------------------------------------------------------------------------
FORMULA_TRIGGERS = ("=", "+", "-", "@")
# Some importers drop a leading tab or carriage return and read what follows (OWASP).
CONTROL_TRIGGERS = ("\t", "\r")
# Invisible characters a spreadsheet may skip before it looks for "=".
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})


def _visible_start(text: str) -> str:
    start = 0
    while start < len(text) and (
        text[start].isspace() or unicodedata.category(text[start]) in _INVISIBLE_CATEGORIES
    ):
        start += 1
    return text[start:]


@functools.cache
def _plain_start(char: str) -> bool:
    """Can no text starting with ``char`` start a formula in any reading?

    True for a visible character with no decomposition that cp932 spells as itself: every
    reading then starts with it, or with a letter composed from it and the marks after it.
    Most cells start so (kana, kanji, letters, digits), and skip the slower full check.
    """
    return (
        _visible_start(char) == char
        and char not in FORMULA_TRIGGERS
        and not unicodedata.decomposition(char)
        and not unicodedata.combining(char)
        and cp932_text(char) == char
    )


def starts_formula(text: str) -> bool:
    """Would a spreadsheet, reading ``text`` or its NFKC or Shift_JIS form, start a formula?"""
    if not text or _plain_start(text[0]):
        return False
    if text.startswith(CONTROL_TRIGGERS):
        return True
    readings = (
        text,
        unicodedata.normalize("NFKC", text),
        unicodedata.normalize("NFKC", cp932_text(text)),
    )
    return any(_visible_start(reading).startswith(FORMULA_TRIGGERS) for reading in readings)


def needs_quote(text: str) -> bool:
    """Does the CSV cell need the defusing apostrophe?

    Apostrophes the user typed in front of a formula count too, so that reading a CSV back
    (``undefuse``) takes off exactly the one added here: 「'=1」 is written 「''=1」.
    """
    return starts_formula(text.lstrip("'"))


def defuse(text: str) -> str:
    """The CSV cell for ``text`` as it is written to the file (already in the file's encoding)."""
    return "'" + text if needs_quote(text) else text


def undefuse(text: str) -> str:
    """The typed text of a cell read back from one of our files (the FAQ import)."""
    return text[1:] if text.startswith("'") and needs_quote(text[1:]) else text


# --- Shift_JIS ---------------------------------------------------------------------------
# Characters Excel users type that Windows' Shift_JIS (cp932) spells with another code
# point, and common variant kanji outside cp932 with their everyday form.
CP932_SUBSTITUTES = {
    "\u301c": "\uff5e",  # 〜 WAVE DASH → ～
    "\u2212": "\uff0d",  # − MINUS SIGN → －
    "\u2016": "\u2225",  # ‖ → ∥
    "\u2014": "\u2015",  # — EM DASH → ―
    "\u00a2": "\uffe0",  # ¢ → ￠
    "\u00a3": "\uffe1",  # £ → ￡
    "\u00ac": "\uffe2",  # ¬ → ￢
    "\U00020bb7": "吉",  # 𠮷 (つちよし)
    "\u9dd7": "鴎",  # 鷗
    "\u5265": "剥",  # 剝
    "\u53f1": "叱",  # 叱 (variant)
    "\u586b": "填",  # 塡
    "\u9830": "頬",  # 頰
}
# 〓 (geta) is the customary Japanese mark for a character that could not be printed.
CP932_UNKNOWN = "〓"


def _cp932_fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    replaced = []
    for char in error.object[error.start : error.end]:
        candidate = CP932_SUBSTITUTES.get(char) or unicodedata.normalize("NFKC", char)
        try:
            candidate.encode(CP932)
        except UnicodeEncodeError:
            candidate = CP932_UNKNOWN
        replaced.append(candidate)
    return "".join(replaced), error.end


codecs.register_error("kobepost_cp932", _cp932_fallback)


def to_cp932(text: str) -> bytes:
    return text.encode(CP932, errors="kobepost_cp932")


def cp932_replacements(texts: Iterable[str]) -> dict[str, str]:
    """Each character of ``texts`` that Shift_JIS cannot hold, with what the file writes
    instead (𠮷 → 吉, an emoji → 〓): said to the reader, so a changed name is no surprise."""
    replaced: dict[str, str] = {}
    for text in texts:
        try:
            text.encode(CP932)
        except UnicodeEncodeError:
            for char in text:
                if char not in replaced:
                    try:
                        char.encode(CP932)
                    except UnicodeEncodeError:
                        replaced[char] = to_cp932(char).decode(CP932)
    return replaced


def cp932_text(text: str) -> str:
    """``text`` as the Shift_JIS file spells it (what a reader of the file sees).

    Not always ``text`` even when cp932 can encode it: Python's cp932 writes U+2212 MINUS
    SIGN as the bytes of 「－」 FULLWIDTH HYPHEN-MINUS, which reads back as a minus.
    """
    return to_cp932(text).decode(CP932)


# --- CSV ---------------------------------------------------------------------------------
def _is_number(value: Value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _text(value: Value) -> str:
    return "" if value is None else str(value)


def csv_cell(value: Value, *, encoding: str) -> str:
    """The cell as it is in the file: in the file's spelling first, defused last.

    Numbers are the tool's own figures (counts, hours), written as numbers.
    """
    if value is None:
        return ""
    if _is_number(value):
        return str(value)
    text = str(value)
    typed = text.lstrip("'")
    if not typed or _plain_start(typed[0]):
        # The usual cell: no reading of it starts a formula, and cp932 spells its first
        # character as itself, so encoding the line transliterates the rest the same way.
        return text
    return defuse(cp932_text(text) if encoding == CP932 else text)


class _Line:
    """File-like object for csv.writer that hands back each written line."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(rows: Iterable[Row], *, encoding: str) -> Iterator[bytes]:
    """The file, one line at a time (a list of 50,000 cases never sits in memory whole)."""
    writer = csv.writer(_Line(), lineterminator="\r\n")
    if encoding == UTF8:
        yield codecs.BOM_UTF8  # Excel reads the file as UTF-8 only with the BOM
    for row in rows:
        line = writer.writerow([csv_cell(value, encoding=encoding) for value in row])
        yield to_cp932(line) if encoding == CP932 else line.encode(UTF8)


def requested_encoding(query: Mapping[str, str]) -> str:
    """The CSV encoding asked for by ``?encoding=cp932`` (UTF-8 otherwise)."""
    return CP932 if query.get("encoding") == CP932 else UTF8


def csv_response(rows: Iterable[Row], *, encoding: str, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_chunks(rows, encoding=encoding),
        content_type=f"text/csv; charset={CHARSETS[encoding]}",
    )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


# --- xlsx --------------------------------------------------------------------------------
BOLD = Font(bold=True)


class Bold(list):
    """A row shown in bold in the workbook (titles, headers, totals); plain in a CSV."""


@dataclass
class Sheet:
    title: str
    rows: Iterable[Row]
    first_column_width: float | None = None
    # For printing (reports handed to the council): the cell the panes freeze at ("B4":
    # the first three rows and the first column stay), the rows repeated on every printed
    # page ("1:3"), landscape A4 fitted to the page width, and page numbers in the footer.
    freeze: str | None = None
    title_rows: str | None = None
    landscape: bool = False


# XML cannot hold these; an xlsx file spells them (and a typed "_x" escape) as _xHHHH_.
_XML_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")


def xlsx_text(text: str) -> str:
    """``text`` in the escaping of the xlsx format, so Excel shows it unchanged.

    A carriage return would come back as a line feed (XML folds it), a control character
    would make the file unreadable, and a literal 「_x000D_」 would turn into a return.
    """
    return _XML_UNSAFE.sub(lambda match: f"_x{ord(match.group()):04X}_", text)


_XLSX_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def xlsx_unescape(text: str) -> str:
    """The text Excel shows for a string read from an xlsx file (reverses ``xlsx_text``)."""
    return _XLSX_ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), text)


def xlsx_cell(sheet: "WriteOnlyWorksheet", value: Value, *, bold: bool = False) -> Cell:
    if _is_number(value) or value is None or value == "":
        # Numbers (0 included: a council table prints its zeros), or an empty cell.
        cell = WriteOnlyCell(sheet, value=None if value == "" else value)
    else:
        text = _text(value)
        cell = WriteOnlyCell(sheet, value=xlsx_text(text))
        cell.data_type = "s"  # text, never a formula, an error code or a guessed number/date
        if starts_formula(text):
            cell.quotePrefix = True
    if bold:
        cell.font = BOLD
    return cell


def _print_setup(sheet: "WriteOnlyWorksheet", spec: Sheet) -> None:
    if spec.freeze:
        sheet.freeze_panes = spec.freeze
    if spec.title_rows:
        sheet.print_title_rows = spec.title_rows
    if spec.landscape:
        # A write-only sheet has a worksheet's print settings (Worksheet._setup); the stubs
        # leave them out.
        printed = cast(Worksheet, sheet)
        printed.page_setup.orientation = "landscape"
        printed.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        printed.page_setup.fitToWidth = 1
        printed.page_setup.fitToHeight = 0  # as many pages down as the rows need
        printed.sheet_properties.pageSetUpPr.fitToPage = True  # type: ignore[union-attr]  # set up
        printed.oddFooter.center.text = "&P / &N"  # type: ignore[union-attr]  # set up


def xlsx_file(sheets: Iterable[Sheet]) -> IO[bytes]:
    """A temporary file holding the workbook (write-only mode keeps memory flat)."""
    workbook = Workbook(write_only=True)
    for spec in sheets:
        sheet = workbook.create_sheet(spec.title)
        if spec.first_column_width:
            sheet.column_dimensions["A"].width = spec.first_column_width
        _print_setup(sheet, spec)  # before the first row: write-only sheets stream their XML
        for row in spec.rows:
            bold = isinstance(row, Bold)
            sheet.append([xlsx_cell(sheet, value, bold=bold) for value in row])
    output = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    workbook.save(output)
    output.seek(0)
    return output


def xlsx_response(sheets: Iterable[Sheet], *, filename: str) -> FileResponse:
    return FileResponse(
        xlsx_file(sheets), as_attachment=True, filename=filename, content_type=XLSX_TYPE
    )
