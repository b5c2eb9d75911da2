"""What a call became: the intake started from the pop, an addition to a case, an FAQ answer."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from kobepost.audit.models import AuditEvent
from kobepost.cti.demo import ring_call
from kobepost.cti.models import Call
from tickets.models import Case, Category
from tickets.tests.factories import make_case

INTAKE = reverse("callcenter:case_create")


@pytest.fixture
def on_the_line(pbx, seated, roads) -> Call:
    return ring_call(
        pbx[0],
        "c-1",
        at=timezone.now() - datetime.timedelta(minutes=2),
        caller="078-331-8181",
        dial_id=roads.pk,
        extension="201",
        outcome="answered",
        talk=None,
    )


def intake_post(client, call: Call, **fields):
    page = client.get(INTAKE, {"call": str(call.public_id)})
    data = {
        "form_token": page.context["form_token"],
        "cti_call": page.context["cti_call"],
        "caller_phone": page.context["form"].initial.get("caller_phone", ""),
        "kind": "report",
        "channel": "phone",
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "category": Category.objects.get(code="road-damage").pk,
        "title": "歩道の陥没",
        "reply_needed": "on",
        **fields,
    }
    return client.post(INTAKE, data)


def test_the_intake_from_the_pop_is_filled_from_the_journal_not_the_url(
    login_client, seated, on_the_line, roads
):
    page = login_client(seated[0]).get(INTAKE, {"call": str(on_the_line.public_id)})
    form = page.context["form"]
    assert form.initial["caller_phone"] == "078-331-8181" and form.initial["dial"] == roads
    html = page.content.decode()
    assert f'name="cti_call" value="{on_the_line.public_id}"' in html
    assert "着信から受付を開始しました" in html
    audit = AuditEvent.objects.get(record_type="cti.call", record_id=str(on_the_line.pk))
    assert audit.user == seated[0] and audit.fields == ["caller_phone"]


def test_saving_the_intake_links_the_new_case_to_the_call(login_client, seated, on_the_line):
    response = intake_post(login_client(seated[0]), on_the_line)
    case = Case.objects.get(title="歩道の陥没")
    assert response.status_code == 302 and case.caller_phone == "078-331-8181"
    on_the_line.refresh_from_db()
    assert on_the_line.case == case and on_the_line.case_existing is False


def test_a_call_added_to_an_existing_case_is_linked_as_such(login_client, seated, on_the_line):
    existing = make_case(seated[0], title="既に受付済みの陥没")
    intake_post(login_client(seated[0]), on_the_line, link_case=str(existing.pk))
    on_the_line.refresh_from_db()
    assert on_the_line.case == existing and on_the_line.case_existing is True


def test_a_refused_intake_keeps_the_call_to_link(login_client, seated, on_the_line):
    response = intake_post(login_client(seated[0]), on_the_line, title="")
    assert response.status_code == 400
    assert f'name="cti_call" value="{on_the_line.public_id}"' in response.content.decode()
    assert Call.objects.get(pk=on_the_line.pk).case is None


def test_a_call_becomes_one_case_only(login_client, seated, on_the_line):
    client = login_client(seated[0])
    intake_post(client, on_the_line)
    first = Call.objects.get(pk=on_the_line.pk).case
    intake_post(client, on_the_line, title="二件目", cti_call=str(on_the_line.public_id))
    assert Case.objects.filter(title="二件目").exists()
    assert Call.objects.get(pk=on_the_line.pk).case == first


def test_an_unknown_or_broken_call_id_is_ignored(login_client, seated, kobe):
    client = login_client(seated[0])
    assert client.get(INTAKE, {"call": "not-a-uuid"}).status_code == 200
    assert client.get(INTAKE, {"call": "00000000-0000-4000-8000-000000000000"}).status_code == 200


def test_an_faq_answer_is_what_the_call_on_the_line_became(
    login_client, seated, on_the_line, roads, faq_entry
):
    entry = faq_entry
    client = login_client(seated[0])
    client.post(reverse("faq:answered", args=[entry.pk]))
    on_the_line.refresh_from_db()
    assert on_the_line.simple_call.faq_entry == entry
    # A second answer in the same call is counted by the FAQ, not a second call.
    client.post(reverse("faq:answered", args=[entry.pk]))
    assert Call.objects.filter(simple_call__isnull=False).count() == 1
    # Another operator's FAQ answer is not this call's.
    login_client(seated[1]).post(reverse("faq:call_create"), {"dial": roads.pk, "topic": "道"})
    assert Call.objects.get(pk=on_the_line.pk).simple_call.faq_entry == entry
