"""Bulk creation of staff accounts from the city's spreadsheet (CSV)."""

import csv
import io
import secrets
from dataclasses import dataclass
from typing import Any, cast

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from departments.models import Department
from kobepost.accounts.models import User

# Header labels accepted for each column: the Japanese spreadsheet headings and English.
COLUMNS = {
    "username": ("ID", "id", "username", "ユーザーID", "ログインID"),
    "display_name": ("氏名", "name", "display_name"),
    "email": ("メールアドレス", "email", "mail"),
    "role": ("役割", "role"),
    "department": ("課コード", "department", "department_code", "所属課コード"),
}
# Lazy labels as keys: looked up by the words of the file, in either language.
ROLE_WORDS: dict[Any, str] = {
    **{label: value for value, label in User.Role.choices},
    **{value: value for value, _label in User.Role.choices},
}


@dataclass
class ImportedStaff:
    username: str
    display_name: str
    initial_password: str


class StaffImportError(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM) as written by most tools, else Excel's Shift_JIS."""
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise StaffImportError(
        [_("文字コードを判別できません。UTF-8 か Shift_JIS で保存してください。")]
    )


def _column_map(header: list[str]) -> dict[str, int]:
    positions = {}
    for index, heading in enumerate(header):
        for key, labels in COLUMNS.items():
            if heading.strip() in labels:
                positions[key] = index
    missing = [COLUMNS[key][0] for key in COLUMNS if key not in positions]
    if missing:
        raise StaffImportError(
            [_("見出し行に次の列がありません: %(columns)s") % {"columns": "、".join(missing)}]
        )
    return positions


def import_staff(*, data: bytes) -> list[ImportedStaff]:
    """Create every account in the file, or none: a file with any bad row changes nothing."""
    rows = list(csv.reader(io.StringIO(decode_csv(data))))
    if not rows:
        raise StaffImportError([_("ファイルが空です。")])
    positions = _column_map(rows[0])
    departments = {d.code: d for d in Department.objects.all()}
    existing = set(User.objects.values_list("username", flat=True))
    problems: list[str] = []
    pending: list[User] = []
    seen: set[str] = set()
    for line_number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(key: str, row=row) -> str:
            index = positions[key]
            return row[index].strip() if index < len(row) else ""

        username, email = cell("username"), cell("email")
        role = ROLE_WORDS.get(cell("role"))
        department = departments.get(cell("department")) if cell("department") else None
        row_problems = []
        if not username:
            row_problems.append(_("ID が空です"))
        elif username in existing or username in seen:
            row_problems.append(_("ID「%(id)s」は既に使われています") % {"id": username})
        if email:
            try:
                validate_email(email)
            except ValidationError:
                row_problems.append(_("メールアドレスの形式が正しくありません"))
        if role is None:
            row_problems.append(_("役割「%(role)s」は使えません") % {"role": cell("role")})
        if cell("department") and department is None:
            row_problems.append(
                _("課コード「%(code)s」は登録されていません") % {"code": cell("department")}
            )
        if role == User.Role.DEPARTMENT_STAFF and department is None:
            row_problems.append(_("所管課職員には課コードが必要です"))
        if row_problems:
            problems.append(
                _("%(line)s 行目: %(reasons)s")
                % {"line": line_number, "reasons": "、".join(row_problems)}
            )
            continue
        seen.add(username)
        pending.append(
            User(
                username=username,
                display_name=cell("display_name"),
                email=email,
                role=cast(str, role),  # a row without a known role has a problem above
                department=department,
                is_staff=role == User.Role.ADMIN,
            )
        )
    if problems:
        raise StaffImportError(problems)
    if not pending:
        raise StaffImportError([_("取り込む行がありません。")])
    created = []
    with transaction.atomic():
        for user in pending:
            password = secrets.token_urlsafe(12)
            validate_password(password, user)
            user.set_password(password)
            user.save()
            created.append(ImportedStaff(user.username, user.display_name, password))
    return created
