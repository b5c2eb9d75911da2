"""Every export, in every encoding, with text that starts a formula only once it is folded.

Cases, the call log, the monthly report, the disclosure file, the FAQ and the audit trail
are downloaded as UTF-8 CSV (BOM), Shift_JIS CSV and xlsx, and read back as a user's
program would: no cell is a live formula, and the typed text is there unchanged (xlsx) or
defused only where needed (CSV). The text is generated (tests/formulas.py), starting with
any character whose NFKC form or Shift_JIS spelling is = + - @, as callers, citizens and
staff can type it (a citizen's post forwarded to a case lands in the case's fields).
"""

import itertools

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from departments.models import Department
from faq.models import FaqEntry, SimpleCall
from kobepost.audit.models import AuditAction, AuditEvent
from kobepost.privacy.models import DataRequest
from tests.formulas import (
    ENCODINGS,
    assert_csv_safe_and_as_typed,
    assert_xlsx_safe_and_as_typed,
    typed_text,
)
from tickets.models import Case, Dial
from tickets.outbound import scrub
from tickets.tests.factories import make_case

# Each example downloads three files; the cell writer's own tests run hundreds of examples.
every_export = settings(
    max_examples=8,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def typed(count: int):
    return st.lists(typed_text, min_size=count, max_size=count)


def assert_files_safe(client, url: str, query: dict, texts: list[str], *, xlsx_url: str = ""):
    """The CSV in both encodings and the xlsx file of one export."""
    for encoding in ENCODINGS:
        response = client.get(url, {**query, "format": "csv", "encoding": encoding})
        assert response.status_code == 200
        assert_csv_safe_and_as_typed(response.getvalue(), encoding, texts)
    response = client.get(xlsx_url or url, {**query, "format": "xlsx"})
    assert response.status_code == 200
    assert_xlsx_safe_and_as_typed(response.getvalue(), texts)


@pytest.fixture
def case(operator):
    return make_case(operator, caller_name="港 太郎", caller_phone="078-331-8181")


@every_export
@given(texts=typed(4))
def test_case_export(login_client, supervisor, case, texts):
    title, name, address, details = texts
    Case.objects.filter(pk=case.pk).update(
        title=title, caller_name=name, address=address, details=details
    )
    client = login_client(supervisor)
    assert_files_safe(client, "/callcenter/cases/export/", {"personal": "1"}, texts)


@every_export
@given(texts=typed(2))
def test_call_log_export(login_client, supervisor, operator, texts):
    call = SimpleCall.objects.get_or_create(dial=Dial.objects.get(code="roads"), operator=operator)[
        0
    ]
    SimpleCall.objects.filter(pk=call.pk).update(topic=texts[0], note=texts[1])
    # The call log leaves the screens under the outbound policy: what a user sees in the file
    # is the scrubbed text (a phone-shaped run removed), defused only where needed.
    shown = [scrub(text) for text in texts]
    assert_files_safe(login_client(supervisor), "/callcenter/calls/export/", {}, shown)


@every_export
@given(texts=typed(2))
def test_monthly_report_export(login_client, supervisor, case, texts):
    Dial.objects.filter(pk=case.dial_id).update(name=texts[0])
    Department.objects.filter(pk=case.department_id).update(name=texts[1])
    cache.clear()  # the report and the routing table hold the names
    assert_files_safe(
        login_client(supervisor),
        "/stats/monthly.csv",
        {},
        texts,
        xlsx_url="/stats/monthly.xlsx",
    )


@pytest.fixture
def disclosure(login_client, admin_user, case):
    client = login_client(admin_user)
    data = {"kind": "disclosure", "received_on": "2026-11-20", "requester_phone": "078-331-8181"}
    assert client.post("/privacy/", data).status_code == 302
    return client, DataRequest.objects.latest("pk")


@every_export
@given(texts=typed(3))
def test_disclosure_export(disclosure, case, texts):
    client, data_request = disclosure
    name, kana, address = texts
    Case.objects.filter(pk=case.pk).update(caller_name=name, caller_kana=kana, address=address)
    assert_files_safe(client, f"/privacy/{data_request.pk}/export/", {}, texts)


@pytest.fixture
def entry(kobe):
    return FaqEntry.objects.create(
        question="質問",
        answer="回答",
        dial=Dial.objects.get(code="roads"),
        department=Department.objects.get(code="kensetsu-tobu"),
    )


@every_export
@given(texts=typed(3))
def test_faq_export(login_client, supervisor, entry, texts):
    FaqEntry.objects.filter(pk=entry.pk).update(
        question=texts[0], answer=texts[1], keywords=texts[2]
    )
    assert_files_safe(
        login_client(supervisor), "/faq/export.csv", {}, texts, xlsx_url="/faq/export.xlsx"
    )


_record_ids = itertools.count(1)


@every_export
@given(texts=typed(2))
def test_audit_trail_export(login_client, admin_user, texts):
    record_id = f"formula-{next(_record_ids)}"
    AuditEvent.objects.create(
        action=AuditAction.RECORD_VIEW,
        record_type="tickets.case",
        record_id=record_id,
        path=texts[0],
        detail=texts[1],
    )
    response = login_client(admin_user).get(
        "/admin/audit/auditevent/export/",
        {"record_type": "tickets.case", "record_id": record_id},
    )
    assert response.status_code == 200
    assert_csv_safe_and_as_typed(response.getvalue(), "utf-8", texts)  # UTF-8 only
