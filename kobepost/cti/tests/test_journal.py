"""The call journal page: every call, numbers masked for those who may not see them."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from faq.services import call_log
from kobepost.audit.models import AuditEvent
from kobepost.cti.access import is_awaiting_callback
from kobepost.cti.demo import ring_call
from kobepost.cti.models import Call
from tickets.models import Dial
from tickets.tests.factories import make_case

JOURNAL = reverse("cti:journal")


@pytest.fixture(autouse=True)
def at_noon():
    """The journal shows a day: its calls are made at noon, whatever time the tests run."""
    noon = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate(), datetime.time(12, 0))
    )
    with time_machine.travel(noon, tick=True):
        yield


@pytest.fixture
def calls(pbx, seated, roads):
    """山田's answered call, 佐藤's answered call, a missed call, a withheld one."""
    now = timezone.now() - datetime.timedelta(minutes=30)

    def ring(call_id, caller, extension, outcome, minutes):
        return ring_call(
            pbx[0],
            call_id,
            at=now + datetime.timedelta(minutes=minutes),
            caller=caller,
            dial_id=roads.pk,
            extension=extension,
            outcome=outcome,
            talk=185,
        )

    return {
        "mine": ring("c-1", "078-331-8181", "201", "answered", 0),
        "theirs": ring("c-2", "078-851-2222", "202", "answered", 5),
        "missed": ring("c-3", "090-1234-5678", "202", "missed", 10),
        "withheld": ring("c-4", "非通知", "202", "abandoned", 15),
    }


def rows(response) -> dict[str, Call]:
    return {call.call_id: call for call in response.context["page"].object_list}


def test_an_operator_sees_the_numbers_of_their_calls_and_of_calls_to_call_back(
    login_client, seated, calls
):
    response = login_client(seated[0]).get(JOURNAL)
    assert response.status_code == 200
    shown = {call_id: call.caller_text for call_id, call in rows(response).items()}
    assert shown == {
        "c-1": "078-331-8181",
        "c-2": "***-***-**22",
        "c-3": "090-1234-5678",
        "c-4": "非通知",
    }
    page = response.content.decode()
    assert "078-851-2222" not in page and "***-***-**22" in page
    assert "3:05" in page and "不在（応答なし）" in page and "折り返し待ち" in page


def test_a_supervisor_sees_every_number(login_client, supervisor, calls):
    shown = {c.call_id: c.caller_text for c in rows(login_client(supervisor).get(JOURNAL)).values()}
    assert shown["c-2"] == "078-851-2222" and shown["c-4"] == "非通知"


def test_every_number_shown_is_in_the_audit_trail_and_no_other(login_client, seated, calls):
    login_client(seated[0]).get(JOURNAL)
    audited = set(
        AuditEvent.objects.filter(record_type="cti.call").values_list("record_id", flat=True)
    )
    assert audited == {str(calls["mine"].pk), str(calls["missed"].pk)}


def test_department_staff_and_admins_cannot_open_the_journal(login_client, staff_tobu, admin_user):
    assert login_client(staff_tobu).get(JOURNAL).status_code == 403
    assert login_client(admin_user).get(JOURNAL).status_code == 403


def test_what_each_call_became(login_client, supervisor, seated, calls, roads, operator, faq_entry):
    case = make_case(operator, title="街灯の修理")
    Call.objects.filter(pk=calls["mine"].pk).update(case=case)
    simple_call = call_log(operator=seated[1], dial=roads, faq_entry=faq_entry)
    Call.objects.filter(pk=calls["theirs"].pk).update(simple_call=simple_call)
    page = login_client(supervisor).get(JOURNAL).content.decode()
    assert f'<a href="/callcenter/cases/{case.pk}/">{case.reference}</a> 新規案件' in page
    assert "FAQ で回答: 粗大ごみの出し方は？" in page


def test_a_purged_number_is_said_to_be_gone(login_client, supervisor, calls):
    Call.objects.filter(pk=calls["mine"].pk).update(
        caller_phone="", caller_phone_digits="", number_purged_at=timezone.now()
    )
    shown = rows(login_client(supervisor).get(JOURNAL))["c-1"].caller_text
    assert shown == "（保存期間経過のため廃棄）"


def test_filters_by_day_dial_and_outcome(login_client, supervisor, calls):
    client = login_client(supervisor)
    assert set(rows(client.get(JOURNAL, {"outcome": "missed"}))) == {"c-3"}
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    assert rows(client.get(JOURNAL, {"day": yesterday})) == {}
    other = Dial.objects.exclude(code="roads").first()
    assert rows(client.get(JOURNAL, {"dial": other.pk})) == {}
    assert client.get(JOURNAL, {"day": "not-a-day"}).status_code == 200


def test_the_python_and_sql_call_back_rules_agree(calls):
    waiting = set(Call.objects.awaiting_callback().values_list("pk", flat=True))
    assert waiting == {c.pk for c in Call.objects.all() if is_awaiting_callback(c)}
    assert waiting == {calls["missed"].pk}


def test_the_page_costs_the_same_queries_for_few_and_many_calls(
    login_client, supervisor, calls, pbx, roads, django_assert_num_queries
):
    client = login_client(supervisor)
    client.get(JOURNAL)
    # session, user, count, rows (with dial, operator, case, FAQ), one audit insert
    with django_assert_num_queries(5):
        client.get(JOURNAL)
    for number in range(20):
        ring_call(
            pbx[0],
            f"many-{number}",
            at=timezone.now() - datetime.timedelta(minutes=number),
            caller=f"078-331-{1000 + number}",
            dial_id=roads.pk,
            extension="201",
            outcome="answered",
        )
    # Ringing twenty calls can take longer than the session's activity-write interval on a
    # busy machine; a page first makes the measured one count the page, not that write.
    client.get(JOURNAL)
    with django_assert_num_queries(5):
        client.get(JOURNAL)


def test_the_journal_reads_in_english(login_client, supervisor, calls, pbx, roads):
    from tests.test_english_walk import data_strings, english, japanese_ui_text

    ring_call(
        pbx[0],
        "out-1",
        at=timezone.now() - datetime.timedelta(minutes=1),
        caller="078-331-8181",
        dial_id=roads.pk,
        extension="201",
        outcome="answered",
        direction="out",
    )
    html = english(login_client(supervisor), JOURNAL)
    assert "Missed (no answer)" in html and "(Outgoing)" in html
    assert japanese_ui_text(html, data_strings() | {"日本語"}) == []
