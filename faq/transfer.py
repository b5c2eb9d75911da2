"""The whole FAQ as CSV (Excel-compatible) or xlsx, and back again, all-or-nothing."""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import cast

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from departments.models import Department
from faq.models import FaqEntry
from faq.services import entry_save
from kobepost.accounts.models import User
from kobepost.lib.request_input import parse_id
from kobepost.lib.spreadsheets import undefuse, xlsx_unescape
from tickets.models import Category, Dial

COLUMNS = [
    ("id", "ID"),
    ("dial", "ダイヤル"),
    ("category", "分類"),
    ("department", "所管課"),
    ("status", "状態"),
    ("question", "質問"),
    ("answer", "回答"),
    ("keywords", "キーワード"),
    ("last_reviewed_on", "最終確認日"),
]
HEADER = [label for _key, label in COLUMNS]


def export_rows() -> Iterator[list[str]]:
    """The header and every entry, as typed (the file writer defuses formulas)."""
    yield HEADER
    entries = FaqEntry.objects.select_related("dial", "category", "department").order_by("pk")
    for entry in entries.iterator():
        yield [
            str(entry.pk),
            entry.dial.code,
            entry.category.code if entry.category else "",
            entry.department.code,
            entry.status,
            entry.question,
            entry.answer,
            entry.keywords,
            entry.last_reviewed_on.isoformat() if entry.last_reviewed_on else "",
        ]


class ImportFileError(ValueError):
    """The file as a whole cannot be read (not a row problem)."""


def read_csv(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(_("文字コードを判別できません（UTF-8 または Shift_JIS）。"))
    return [row for row in csv.reader(io.StringIO(text, newline=""))]


def read_xlsx(data: bytes) -> list[list[str]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not xlsx
        raise ImportFileError(_("xlsx ファイルとして読み込めません。")) from error
    sheet = workbook.worksheets[0]
    rows = []
    for row in sheet.iter_rows(values_only=True):
        cells = []
        for value in row:
            if value is None:
                cells.append("")
            elif isinstance(value, datetime):
                cells.append(value.date().isoformat())
            elif isinstance(value, date):
                cells.append(value.isoformat())
            elif isinstance(value, float) and value.is_integer():
                cells.append(str(int(value)))
            else:
                cells.append(xlsx_unescape(str(value)))
        rows.append(cells)
    workbook.close()
    return rows


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def _parse_date(text: str) -> date | None:
    if not text:
        return None
    for separator in ("-", "/"):
        parts = text.split(separator)
        if len(parts) == 3 and all(part.isdigit() for part in parts):
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
    raise ValueError(text)


def faq_import(*, rows: list[list[str]], user: User) -> ImportResult:
    """Create or update entries from ``rows`` (header first). Any bad row: nothing saved."""
    result = ImportResult()
    if not rows or [cell.strip() for cell in rows[0][: len(HEADER)]] != HEADER:
        result.errors.append(
            (1, _("1行目は見出し行（%(header)s）にしてください。") % {"header": ", ".join(HEADER)})
        )
        return result
    dials = {dial.code: dial for dial in Dial.objects.all()}
    categories = {category.code: category for category in Category.objects.all()}
    departments = {department.code: department for department in Department.objects.all()}
    existing = FaqEntry.objects.in_bulk()
    statuses = set(FaqEntry.Status.values)
    prepared: list[tuple[FaqEntry, bool]] = []
    for number, raw in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in raw):
            continue
        cells = [undefuse(cell.strip()) for cell in raw] + [""] * len(HEADER)
        values = dict(zip([key for key, _label in COLUMNS], cells, strict=False))
        problems = []
        entry: FaqEntry | None = None
        if values["id"]:
            entry = existing.get(parse_id(values["id"]))
            if entry is None:
                problems.append(_("ID %(id)s の FAQ はありません") % {"id": values["id"]})
        dial = dials.get(values["dial"])
        if dial is None:
            problems.append(_("ダイヤル「%(code)s」はありません") % {"code": values["dial"]})
        category = None
        if values["category"]:
            category = categories.get(values["category"])
            if category is None:
                problems.append(_("分類「%(code)s」はありません") % {"code": values["category"]})
            elif dial is not None and category.dial_id != dial.pk:
                problems.append(
                    _("分類「%(code)s」はこのダイヤルの分類ではありません")
                    % {"code": values["category"]}
                )
        department = departments.get(values["department"])
        if department is None:
            problems.append(_("所管課「%(code)s」はありません") % {"code": values["department"]})
        status = values["status"] or FaqEntry.Status.DRAFT
        if status not in statuses:
            problems.append(
                _("状態「%(status)s」は draft / published / archived のいずれかにしてください")
                % {"status": status}
            )
        if not values["question"]:
            problems.append(_("質問が空です"))
        elif len(values["question"]) > 200:
            problems.append(_("質問は200文字以内にしてください"))
        if not values["answer"]:
            problems.append(_("回答が空です"))
        if len(values["keywords"]) > 300:
            problems.append(_("キーワードは300文字以内にしてください"))
        try:
            reviewed = _parse_date(values["last_reviewed_on"])
        except ValueError:
            problems.append(
                _("最終確認日「%(value)s」は 2026-04-01 の形式にしてください")
                % {"value": values["last_reviewed_on"]}
            )
            reviewed = None
        if problems:
            result.errors.append((number, "、".join(problems)))
            continue
        is_new = entry is None
        entry = entry or FaqEntry()
        # Without a dial or a department the row has a problem above and is skipped.
        entry.dial, entry.category, entry.department = (
            cast(Dial, dial),
            category,
            cast(Department, department),
        )
        entry.status = status
        entry.question, entry.answer, entry.keywords = (
            values["question"],
            values["answer"],
            values["keywords"],
        )
        entry.last_reviewed_on = reviewed
        prepared.append((entry, is_new))
    if result.errors:
        return result
    with transaction.atomic():
        for entry, is_new in prepared:
            entry_save(entry=entry, user=user, note=_("一括取り込み"))
            if is_new:
                result.created += 1
            else:
                result.updated += 1
    return result
