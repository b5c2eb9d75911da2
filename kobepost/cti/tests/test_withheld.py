"""Calls without a number (非通知, 公衆電話, 通知不可) in every spelling PBXs send: accepted,
shown with their label on the pop, in the intake and in the journal, never looked up in the
history and never put in the call-back queue."""

import pytest
from django.urls import reverse
from django.utils import timezone

from faq.services import call_log
from kobepost.audit.models import AuditEvent
from kobepost.cti.models import Call, CallerId
from kobepost.cti.tests.conftest import minutes_ago
from tickets.tests.factories import make_case

POP = reverse("cti:pop")
INTAKE = reverse("callcenter:case_create")
SPELLINGS: list[tuple[dict[str, str | None], CallerId, str]] = [
    ({"caller": "非通知"}, CallerId.WITHHELD, "非通知"),
    ({"caller": "ANONYMOUS"}, CallerId.WITHHELD, "非通知"),
    ({"caller": '"Anonymous" <sip:anonymous@anonymous.invalid>'}, CallerId.WITHHELD, "非通知"),
    ({"caller": "Withheld Number"}, CallerId.WITHHELD, "非通知"),
    ({"caller": "", "caller_status": "prohib_not_screened"}, CallerId.WITHHELD, "非通知"),
    ({"caller": "0783318181", "caller_status": "P"}, CallerId.WITHHELD, "非通知"),
    ({"caller": "公衆電話"}, CallerId.PAYPHONE, "公衆電話"),
    ({"caller": "", "caller_status": "C"}, CallerId.PAYPHONE, "公衆電話"),
    ({"caller": "unavailable"}, CallerId.UNAVAILABLE, "通知不可"),
    ({"caller": "Unavailable"}, CallerId.UNAVAILABLE, "通知不可"),
    ({"caller": "unknown"}, CallerId.UNAVAILABLE, "通知不可"),
    ({"caller": "通知不可能"}, CallerId.UNAVAILABLE, "通知不可"),
]
# A PBX that sends no caller at all (no field, null, an empty or blank one) could not tell
# the number: 通知不可, as when it says so, never a bare "—".
NO_CALLER_FIELD: list[tuple[dict[str, str | None], CallerId, str]] = [
    ({}, CallerId.UNAVAILABLE, "通知不可"),
    ({"caller": None}, CallerId.UNAVAILABLE, "通知不可"),
    ({"caller": ""}, CallerId.UNAVAILABLE, "通知不可"),
    ({"caller": "  ", "caller_status": ""}, CallerId.UNAVAILABLE, "通知不可"),
]


@pytest.fixture
def earlier_without_number(operator, roads, faq_entry, post_event):
    """What a lookup by an empty number would wrongly find: an earlier number-less call
    answered from the FAQ, and a case taken without a phone number."""
    post_event(
        event="new",
        call_id="before",
        caller="非通知",
        dial="roads",
        extension="201",
        at=minutes_ago(60),
    )
    post_event(event="answered", call_id="before", extension="201", at=minutes_ago(59))
    post_event(event="hangup", call_id="before", at=minutes_ago(55))
    simple_call = call_log(operator=operator, dial=roads, faq_entry=faq_entry)
    Call.objects.filter(call_id="before").update(simple_call=simple_call)
    return make_case(operator, title="番号なしの受付", caller_phone="")


def ring_without_number(post_event, fields: dict, *, outcome: str) -> Call:
    base = {"call_id": "w-1", "dial": "roads", "extension": "201"}
    assert post_event(event="new", at=minutes_ago(3), **base, **fields).status_code == 200
    ending = {"answered": "answered", "missed": "missed"}[outcome]
    response = post_event(event=ending, call_id="w-1", extension="201", at=minutes_ago(2))
    assert response.status_code == 200
    return Call.objects.get(call_id="w-1")


@pytest.mark.parametrize(("fields", "caller_id", "label"), SPELLINGS + NO_CALLER_FIELD)
def test_the_pop_shows_the_label_and_looks_nothing_up(
    login_client, seated, post_event, earlier_without_number, fields, caller_id, label
):
    call = ring_without_number(post_event, fields, outcome="answered")
    assert call.caller_id == caller_id and call.caller_phone == call.caller_phone_digits == ""

    pop = login_client(seated[0]).get(POP).json()["call"]
    assert pop["id"] == str(call.public_id)
    assert pop["caller"] == label and pop["withheld"] is True and pop["phone"] == ""
    assert pop["cases"] == [] and pop["faqCalls"] == []
    # Nothing was shown, so nothing is in the audit trail as shown.
    assert not AuditEvent.objects.filter(record_type__in=["cti.call", "tickets.case"]).exists()


@pytest.mark.parametrize(("fields", "caller_id", "label"), SPELLINGS[::3] + NO_CALLER_FIELD)
def test_the_intake_from_the_call_has_no_number_and_says_why(
    login_client, seated, post_event, fields, caller_id, label, kobe
):
    call = ring_without_number(post_event, fields, outcome="answered")
    page = login_client(seated[0]).get(INTAKE, {"call": str(call.public_id)})
    assert page.status_code == 200
    assert page.context["form"].initial["caller_phone"] == ""
    assert page.context["cti_call"] == str(call.public_id)
    assert f"この着信は「{label}」のため電話番号がありません" in page.content.decode()


@pytest.mark.parametrize(("fields", "caller_id", "label"), SPELLINGS[::3] + NO_CALLER_FIELD)
def test_a_missed_call_without_number_is_journaled_with_its_label_and_owes_no_call_back(
    login_client, seated, supervisor, post_event, fields, caller_id, label
):
    call = ring_without_number(post_event, fields, outcome="missed")
    assert call.outcome == Call.Outcome.MISSED
    client = login_client(supervisor)
    day = timezone.localtime(call.started_at).date().isoformat()
    journal = client.get(reverse("cti:journal"), {"day": day})
    [row] = journal.context["page"].object_list
    assert row.caller_text == label and row.result_text == ""
    assert not Call.objects.awaiting_callback().exists()
    queue = client.get(reverse("callcenter:callbacks"))
    assert queue.context["page"].object_list == []
    assert f"?call={call.public_id}" not in queue.content.decode()


def test_a_call_whose_events_never_name_the_caller_reads_number_unavailable_in_english(
    login_client, seated, supervisor, post_event
):
    # Only the ending arrived (the new-call event was lost), and it names no caller.
    response = post_event(event="missed", call_id="w-2", dial="roads", at=minutes_ago(2))
    assert response.status_code == 200 and response.json()["ok"] is True
    call = Call.objects.get(call_id="w-2")
    assert call.caller_id == CallerId.UNAVAILABLE
    assert not Call.objects.awaiting_callback().exists()
    client = login_client(supervisor)
    client.cookies["django_language"] = "en"
    day = timezone.localtime(call.started_at).date().isoformat()
    journal = client.get(reverse("cti:journal"), {"day": day})
    [row] = journal.context["page"].object_list
    assert row.caller_text == "Number unavailable"
    assert "Number unavailable" in journal.content.decode()


def test_a_later_event_with_the_number_fills_a_call_whose_first_events_had_none(seated, post_event):
    """Out of order: the answer (no caller) arrives first, then the new-call event with the
    number, which is the authority."""
    post_event(event="answered", call_id="w-3", extension="201", at=minutes_ago(2))
    assert Call.objects.get(call_id="w-3").caller_id == CallerId.UNAVAILABLE
    post_event(event="new", call_id="w-3", caller="0783318181", extension="201", at=minutes_ago(3))
    call = Call.objects.get(call_id="w-3")
    assert call.caller_id == CallerId.NUMBER and call.caller_phone == "078-331-8181"
