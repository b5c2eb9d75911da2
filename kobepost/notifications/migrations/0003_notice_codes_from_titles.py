"""Existing notices get the code and params their stored title was made from.

Until 0002 a notice stored only its finished sentence, in the language of whoever caused
it (nearly always Japanese; English when the staff member worked in English). The titles
were made from a fixed set of sentences, so each known one is read back into a code and
params and from then on renders in the reader's language. A title that matches none (a
free text, a sentence of an older version) keeps ``code`` empty and is shown as stored.

The sentences and labels are written out here, not imported: a migration must read the
rows of its time even after the application's wording has changed.
"""

import re

from django.db import migrations

BATCH = 2000

# The case part of every sentence: the reference (one word) and the category name (may be
# empty, may contain spaces).
_CASE = r"(?P<reference>\S+)(?: (?P<category>.*?))?"

# (code, pattern, name of the trailing value) in Japanese and in English (the catalogue).
SENTENCES = [
    ("case_urgent", rf"緊急案件 {_CASE}", None),
    ("case_new", rf"新しい案件 {_CASE}", None),
    ("case_status", rf"状況変更 {_CASE}: (?P<value>[^:]+)", "status"),
    ("case_transferred", rf"移管された案件 {_CASE}", None),
    ("case_replied", rf"所管課から回答 {_CASE}", None),
    ("case_answered_directly", rf"所管課が市民へ直接回答 {_CASE}", None),
    ("case_work_status", rf"対応状況 {_CASE}: (?P<value>[^:]+)", "work_status"),
    ("case_corrected", rf"訂正 {_CASE}: (?P<value>[^:]+)", "fields"),
    ("department_overdue", r"対応期限を過ぎた案件が (?P<count>\d+) 件あります", None),
    ("case_urgent", rf"Urgent case {_CASE}", None),
    ("case_new", rf"New case {_CASE}", None),
    ("case_status", rf"Status changed {_CASE}: (?P<value>[^:]+)", "status"),
    ("case_transferred", rf"Case transferred {_CASE}", None),
    ("case_replied", rf"Department replied {_CASE}", None),
    ("case_answered_directly", rf"Department answered the citizen directly {_CASE}", None),
    ("case_work_status", rf"Work status {_CASE}: (?P<value>[^:]+)", "work_status"),
    ("case_corrected", rf"Correction {_CASE}: (?P<value>[^:]+)", "fields"),
    ("department_overdue", r"(?P<count>\d+) case\(s\) are past their due date", None),
]
PATTERNS = [(code, re.compile(pattern), value) for code, pattern, value in SENTENCES]

STATUSES = {
    "受付": "received",
    "所管課対応中": "in_progress",
    "回答済": "answered",
    "市民回答済": "citizen_answered",
    "完了": "closed",
    "Received": "received",
    "In progress at department": "in_progress",
    "Replied": "answered",
    "Replied to citizen": "citizen_answered",
    "Completed": "closed",
}
WORK_STATUSES = {
    "未着手": "not_started",
    "対応中": "working",
    "対応済": "done",
    "Not started": "not_started",
    "In progress": "working",
    "Done": "done",
}
FIELDS = {
    "氏名": "caller_name",
    "氏名カナ": "caller_kana",
    "電話番号": "caller_phone",
    "種別": "category",
    "タイトル": "title",
    "内容詳細": "details",
    "地点（緯度・経度）": "location",
    "住所・目印": "address",
    "区": "ward",
    "Name": "caller_name",
    "Name (kana)": "caller_kana",
    "Phone number": "caller_phone",
    "Category": "category",
    "Title": "title",
    "Details": "details",
    "Point (latitude, longitude)": "location",
    "Address/landmark": "address",
    "Ward": "ward",
}


def parse_title(title: str) -> tuple[str, dict] | None:
    """(code, params) for a title made from a known sentence, else None."""
    for code, pattern, value_name in PATTERNS:
        match = pattern.fullmatch(title)
        if match is None:
            continue
        found = match.groupdict()
        if code == "department_overdue":
            return code, {"count": int(found["count"])}
        params = {"reference": found["reference"], "category": found["category"] or ""}
        value = found.get("value")
        if value_name == "status":
            if value not in STATUSES:
                continue
            params["status"] = STATUSES[value]
        elif value_name == "work_status":
            if value not in WORK_STATUSES:
                continue
            params["work_status"] = WORK_STATUSES[value]
        elif value_name == "fields":
            labels = value.split("、")
            if not all(label in FIELDS for label in labels):
                continue
            params["fields"] = [FIELDS[label] for label in labels]
        return code, params
    return None


def codes_from_titles(apps, schema_editor):
    Notice = apps.get_model("notifications", "Notice")
    last = 0
    while True:
        batch = list(Notice.objects.filter(code="", pk__gt=last).order_by("pk")[:BATCH])
        if not batch:
            return
        known = []
        for notice in batch:
            parsed = parse_title(notice.title)
            if parsed is not None:
                notice.code, notice.params = parsed
                known.append(notice)
        Notice.objects.bulk_update(known, ["code", "params"])
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_notice_code_and_params"),
    ]

    operations = [
        # Backwards nothing to undo: the titles were never changed.
        migrations.RunPython(codes_from_titles, migrations.RunPython.noop, elidable=True),
    ]
