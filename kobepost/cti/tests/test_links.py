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


def ring_at_201(pbx, roads, call_id: str, outcome: str, **call) -> Call:
    """A call from 078-331-8181 two minutes ago, at 山田's extension."""
    return ring_call(
        pbx[0],
        call_id,
        at=timezone.now() - datetime.timedelta(minutes=2),
        caller="078-331-8181",
        dial_id=roads.pk,
        extension="201",
        outcome=outcome,
        **call,
    )


@pytest.fixture
def on_the_line(pbx, seated, roads) -> Call:
    return ring_at_201(pbx, roads, "c-1", "answered", talk=None)


def intake_post(client, call: Call, **fields):
    page = client.get(INTAKE, {"call": str(call.public_id)})
    return client.post(INTAKE, intake_fields(page, **fields))


def intake_fields(page, **fields) -> dict:
    """What the intake page ``page`` posts when saved, with ``fields`` changed."""
    return {
        "form_token": page.context["form_token"],
        "cti_call": page.context["cti_call"],
        "cti_link": page.context["cti_link"],
        "caller_phone": page.context["form"].initial.get("caller_phone", ""),
        "kind": "report",
        "channel": "phone",
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "category": Category.objects.get(code="road-damage").pk,
        "title": "歩道の陥没",
        "reply_needed": "on",
        **fields,
    }


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


def test_an_unknown_or_broken_call_id_is_not_found(login_client, seated, kobe):
    client = login_client(seated[0])
    assert client.get(INTAKE, {"call": "not-a-uuid"}).status_code == 404
    assert client.get(INTAKE, {"call": "00000000-0000-4000-8000-000000000000"}).status_code == 404


def test_another_operator_cannot_start_an_intake_from_the_call_nor_see_its_number(
    login_client, seated, on_the_line
):
    other = login_client(seated[1])
    page = other.get(INTAKE, {"call": str(on_the_line.public_id)})
    assert page.status_code == 404 and "8181" not in page.content.decode()
    assert not AuditEvent.objects.filter(record_type="cti.call").exists()

    # An intake posted with that call's id: the page given back does not name the call,
    # and the case saved is not linked to it.
    def post(**fields):
        fields = {
            "cti_call": str(on_the_line.public_id),
            "title": "別のオペレーターの受付",
        } | fields
        return other.post(INTAKE, intake_fields(other.get(INTAKE), **fields))

    refused = post(title="")
    html = refused.content.decode()
    assert refused.status_code == 400
    # (The field's help text gives the city hall's number as an example: not the caller's.)
    assert str(on_the_line.public_id) not in html and 'value="078-331-8181"' not in html
    assert post().status_code == 302
    assert Case.objects.filter(title="別のオペレーターの受付").exists()
    assert Call.objects.get(pk=on_the_line.pk).case is None


def test_a_supervisor_may_start_an_intake_from_any_call(login_client, supervisor, on_the_line):
    page = login_client(supervisor).get(INTAKE, {"call": str(on_the_line.public_id)})
    assert page.status_code == 200 and page.context["form"].initial["caller_phone"]


def test_any_operator_may_start_an_intake_from_a_call_to_call_back(
    login_client, seated, pbx, roads
):
    missed = ring_at_201(pbx, roads, "m-1", "missed")
    page = login_client(seated[1]).get(INTAKE, {"call": str(missed.public_id)})
    assert page.status_code == 200
    assert page.context["form"].initial["caller_phone"] == "078-331-8181"


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


def transfer_to_202(post_event, call: Call) -> None:
    response = post_event(
        event="transferred",
        call_id=call.call_id,
        extension="202",
        at=timezone.now().isoformat(),
    )
    assert response.status_code == 200
    call.refresh_from_db()


def test_a_call_transferred_while_its_intake_was_open_is_still_linked_to_the_case(
    login_client, seated, on_the_line, post_event
):
    yamada, sato = seated
    client = login_client(yamada)
    page = client.get(INTAKE, {"call": str(on_the_line.public_id)})
    transfer_to_202(post_event, on_the_line)
    assert on_the_line.operator == sato  # 佐藤 has the call now

    response = client.post(INTAKE, intake_fields(page))
    assert response.status_code == 302
    on_the_line.refresh_from_db()
    assert on_the_line.case == Case.objects.get(title="歩道の陥没")
    assert on_the_line.operator == sato


def test_the_refused_intake_after_a_transfer_says_so_and_keeps_the_link(
    login_client, seated, on_the_line, post_event
):
    client = login_client(seated[0])
    page = client.get(INTAKE, {"call": str(on_the_line.public_id)})
    transfer_to_202(post_event, on_the_line)
    refused = client.post(INTAKE, intake_fields(page, title=""))
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "この着信は受付の途中でほかのオペレーターに転送されました" in html
    saved = client.post(INTAKE, intake_fields(refused))
    assert saved.status_code == 302
    assert Call.objects.get(pk=on_the_line.pk).case is not None


def test_the_link_of_an_intake_is_the_operators_own(login_client, seated, on_the_line):
    """The second operator posting the first one's link (a copied form) links nothing."""
    yamada, sato = seated
    page = login_client(yamada).get(INTAKE, {"call": str(on_the_line.public_id)})
    other = login_client(sato)
    fields = intake_fields(other.get(INTAKE), title="別のオペレーターの受付")
    fields |= {"cti_call": str(on_the_line.public_id), "cti_link": page.context["cti_link"]}
    assert other.post(INTAKE, fields).status_code == 302
    assert Call.objects.get(pk=on_the_line.pk).case is None


def test_the_pop_tells_the_intake_page_its_call_was_transferred_away(
    login_client, seated, on_the_line, post_event
):
    client = login_client(seated[0])
    page = client.get(INTAKE, {"call": str(on_the_line.public_id)})
    pop = reverse("cti:pop")
    asked = {"intake": page.context["cti_link"]}
    assert client.get(pop, asked).json()["intake"] == {"transferred": False}
    transfer_to_202(post_event, on_the_line)
    answer = client.get(pop, asked).json()
    assert answer["intake"] == {"transferred": True}
    # Nothing changed since: the short answer, still with the intake's state.
    again = client.get(pop, asked | {"since": answer["state"]}).json()
    assert again["unchanged"] is True
    # A link that is not this operator's tells nothing.
    assert "intake" not in login_client(seated[1]).get(pop, asked).json()
