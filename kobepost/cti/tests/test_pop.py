"""The screen pop: the call at the operator's seat, with the caller's history, cheaply."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from faq.services import call_log
from kobepost.audit.models import AuditEvent
from kobepost.cti.demo import ring_call
from kobepost.cti.models import Call
from kobepost.cti.services import POP_LINGER, calls_to_pop
from tickets.tests.factories import make_case

POP = reverse("cti:pop")
PHONE = "078-331-8181"


@pytest.fixture
def history(operator, faq_entry):
    """An earlier case and an earlier FAQ answer of 078-331-8181."""
    case = make_case(
        operator,
        title="前回: 街灯が消えている",
        caller_name="日向 太郎",
        caller_phone=PHONE,
        caller_phone_digits="0783318181",
        details="自宅前の街灯",
        health_symptoms="（なし）",
    )
    return case, faq_entry


def ringing(pbx, roads, *, call_id="c-1", caller=PHONE, extension="201", **extra) -> Call:
    return ring_call(
        pbx[0],
        call_id,
        at=timezone.now() - datetime.timedelta(seconds=5),
        caller=caller,
        dial_id=roads.pk,
        extension=extension,
        outcome=extra.pop("outcome", "ringing"),
        **extra,
    )


def test_the_operator_at_the_extension_sees_the_caller_and_their_history(
    login_client, seated, pbx, roads, history
):
    operator = seated[0]
    case, entry = history
    earlier = ringing(pbx, roads, call_id="earlier", outcome="answered")
    call_log(operator=operator, dial=roads, faq_entry=entry)  # answered on that call
    assert Call.objects.get(pk=earlier.pk).simple_call == entry.calls.get()
    call = ringing(pbx, roads)
    data = login_client(operator).get(POP).json()
    pop = data["call"]
    assert data["state"] == f"{call.public_id}:{call.version}"
    assert pop["caller"] == PHONE and pop["dial"] == roads.name and pop["outcome"] == "ringing"
    assert [c["reference"] for c in pop["cases"]] == [case.reference]
    assert pop["faqCalls"][0]["question"] == "粗大ごみの出し方は？"
    assert pop["intakeUrl"] == f"/callcenter/cases/new/?call={call.public_id}"
    assert PHONE not in pop["intakeUrl"]
    # The intake's history rules: no caller name, details or health data in the pop.
    text = str(data)
    assert "日向" not in text and "自宅前" not in text and "（なし）" not in text


def test_other_operators_and_roles_see_nothing(login_client, seated, staff_tobu, pbx, roads):
    ringing(pbx, roads)
    assert login_client(seated[1]).get(POP).json() == {"state": "none", "call": None}
    assert login_client(staff_tobu).get(POP).status_code == 403


def test_an_unchanged_call_is_answered_from_one_query(
    login_client, seated, pbx, roads, django_assert_num_queries
):
    call = ringing(pbx, roads)
    client = login_client(seated[0])
    state = client.get(POP).json()["state"]
    # The session and the user (middleware), then the one indexed query of the pop.
    with django_assert_num_queries(3):
        assert client.get(POP, {"since": state}).json() == {"state": state, "unchanged": True}
    ring_call(
        pbx[0],
        call.call_id,
        at=timezone.now(),
        caller=None,
        dial_id=None,
        extension="201",
        outcome="answered",
        talk=None,
    )
    changed = client.get(POP, {"since": state}).json()
    assert changed["state"] != state and changed["call"]["outcome"] == "answered"


def test_the_number_shown_is_audited_once_per_change_not_per_poll(login_client, seated, pbx, roads):
    call = ringing(pbx, roads)
    client = login_client(seated[0])
    state = client.get(POP).json()["state"]
    for _poll in range(3):
        client.get(POP, {"since": state})
    audits = AuditEvent.objects.filter(record_type="cti.call", record_id=str(call.pk))
    assert audits.count() == 1 and audits.get().fields == ["caller_phone"]


def test_a_withheld_number_pops_without_history(login_client, seated, pbx, roads, history):
    ringing(pbx, roads, caller="非通知")
    pop = login_client(seated[0]).get(POP).json()["call"]
    assert pop["caller"] == "非通知" and pop["withheld"] is True
    assert pop["cases"] == pop["faqCalls"] == [] and pop["phone"] == ""
    assert not AuditEvent.objects.filter(record_type="cti.call").exists()


def test_closing_the_banner_ends_the_pop_and_only_its_operator_may(
    login_client, seated, pbx, roads
):
    call = ringing(pbx, roads)
    url = reverse("cti:dismiss", args=[call.public_id])
    assert login_client(seated[1]).post(url).status_code == 404
    client = login_client(seated[0])
    assert client.post(url).json() == {"ok": True}
    assert client.get(POP).json()["call"] is None


def test_an_ended_call_stays_for_the_after_call_work_then_goes(seated, pbx, roads):
    call = ringing(pbx, roads, outcome="answered", talk=60)
    assert list(calls_to_pop(user=seated[0])) == [call]
    later = call.ended_at + POP_LINGER + datetime.timedelta(seconds=1)
    assert not calls_to_pop(user=seated[0], now=later).exists()


def test_a_call_taken_as_a_case_pops_no_more(seated, pbx, roads, operator):
    call = ringing(pbx, roads, outcome="answered", talk=None)
    Call.objects.filter(pk=call.pk).update(case=make_case(operator))
    assert not calls_to_pop(user=seated[0]).exists()


def test_the_pop_is_on_every_call_center_page_and_not_elsewhere(
    login_client, seated, supervisor, staff_tobu
):
    for user, path in ((seated[0], "/callcenter/"), (supervisor, "/faq/")):
        page = login_client(user).get(path).content.decode()
        assert 'id="cti-pop"' in page and "cti-pop-config" in page
    assert 'id="cti-pop"' not in login_client(staff_tobu).get("/departments/").content.decode()
