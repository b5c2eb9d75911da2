"""Citizens' requests (開示・訂正・利用停止): finding, holding, disclosure export, correction."""

import datetime
import io

import pytest
from openpyxl import load_workbook

from faq.models import SimpleCall
from kobepost.audit.models import AuditAction, AuditEvent
from kobepost.privacy import retention
from kobepost.privacy.models import DataCorrection, DataRequest, LegalHold
from kobepost.public.tests.fixtures import make_citizen, make_post
from tickets.models import Case, CaseEvent, Dial
from tickets.search import search_cases
from tickets.tests.factories import make_case

LIST = "/privacy/"


@pytest.fixture
def records(operator):
    case = make_case(
        operator,
        caller_name="港　太郎",
        caller_kana="ミナト タロウ",
        caller_phone="078-331-8181",
        details="歩道の穴",
    )
    other = make_case(operator, caller_name="山手 花子", caller_phone="078-000-1111")
    citizen = make_citizen()  # 港 太郎, 078-331-8181, minato_taro@example.jp
    post = make_post(citizen)
    call = SimpleCall.objects.create(
        dial=Dial.objects.get(code="roads"), note="港太郎さんから再度", operator=operator
    )
    return {"case": case, "other": other, "citizen": citizen, "post": post, "call": call}


def open_request(client, **fields) -> DataRequest:
    data = {"kind": "disclosure", "received_on": "2026-11-20", **fields}
    response = client.post(LIST, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return DataRequest.objects.latest("pk")


@pytest.mark.parametrize(
    "fields",
    [
        {"requester_name": "港太郎"},
        {"requester_name": "港 太郎"},
        {"requester_kana": "ﾐﾅﾄ ﾀﾛｳ"},
        {"requester_kana": "みなとたろう"},
        {"requester_name": "別人", "requester_phone": "０７８（３３１）８１８１"},
    ],
)
def test_finds_the_person_in_any_spelling(login_client, admin_user, records, fields):
    client = login_client(admin_user)
    data_request = open_request(client, **{"requester_name": "", **fields})
    page = client.get(f"/privacy/{data_request.pk}/").content.decode()
    assert records["case"].reference in page
    assert records["other"].reference not in page
    if "requester_kana" not in fields:
        assert "minato_taro" in page and f"#{records['post'].pk}" in page


def test_open_request_holds_records_from_disposal_until_closed(login_client, admin_user, records):
    client = login_client(admin_user)
    data_request = open_request(client, requester_name="港 太郎", requester_phone="078-331-8181")
    holds = LegalHold.objects.filter(data_request=data_request, released_at__isnull=True)
    assert {h.case_id for h in holds if h.case_id} == {records["case"].pk}
    assert {h.citizen_id for h in holds if h.citizen_id} == {records["citizen"].pk}
    assert {h.post_id for h in holds if h.post_id} == {records["post"].pk}
    # Held records are skipped by the disposal listing, whatever their age.
    Case.objects.filter(pk=records["case"].pk).update(status=Case.Status.CLOSED)
    assert records["case"].pk not in {
        c.pk for c in retention.expired_cases(datetime.date(2099, 4, 1))
    }
    response = client.post(f"/privacy/{data_request.pk}/close/")
    assert response.status_code == 302
    assert not LegalHold.objects.filter(data_request=data_request, released_at__isnull=True)
    data_request.refresh_from_db()
    assert data_request.closed_at is not None


def test_disclosure_export_is_audited_per_record(login_client, admin_user, records):
    client = login_client(admin_user)
    data_request = open_request(client, requester_name="港 太郎")
    response = client.get(f"/privacy/{data_request.pk}/export/", {"format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "種類"
    labels = {row[1] for row in values[1:]}
    assert records["case"].reference in labels and "minato_taro" in labels
    exported = AuditEvent.objects.filter(action=AuditAction.RECORD_EXPORT, user=admin_user)
    assert {(e.record_type, e.record_id) for e in exported} >= {
        ("tickets.case", str(records["case"].pk)),
        ("kobepost.citizen", str(records["citizen"].pk)),
        ("faq.simplecall", str(records["call"].pk)),
    }
    csv_response = client.get(f"/privacy/{data_request.pk}/export/", {"encoding": "cp932"})
    text = b"".join(csv_response.streaming_content).decode("cp932")
    assert records["case"].reference in text


def test_correction_changes_the_record_and_keeps_history(login_client, admin_user, records):
    client = login_client(admin_user)
    data_request = open_request(client, requester_name="港 太郎", kind="correction")
    case = records["case"]
    response = client.post(
        f"/privacy/{data_request.pk}/correct/",
        {"record": f"tickets.case:{case.pk}", "field": "caller_phone", "new_value": "078-331-0000"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.caller_phone == "078-331-0000" and case.caller_phone_digits == "0783310000"
    correction = DataCorrection.objects.get(data_request=data_request)
    assert (correction.old_value, correction.new_value) == ("078-331-8181", "078-331-0000")
    event = case.events.get(kind=CaseEvent.Kind.CORRECTION)
    assert event.actor == admin_user and "8181" not in event.note
    page = client.get(f"/privacy/{data_request.pk}/").content.decode()
    assert "訂正の履歴" in page


def test_a_corrected_kana_is_what_the_case_search_finds(login_client, admin_user, records):
    client = login_client(admin_user)
    data_request = open_request(client, requester_name="港 太郎", kind="correction")
    case = records["case"]
    client.post(
        f"/privacy/{data_request.pk}/correct/",
        {
            "record": f"tickets.case:{case.pk}",
            "field": "caller_kana",
            "new_value": "ミナミ ジロウ",
        },
    )

    def found(word: str) -> bool:
        return search_cases(Case.objects.filter(pk=case.pk), word).exists()

    assert found("みなみ") and found("ミナミ ジロウ")
    assert not found("ミナト")  # the old kana no longer leads to the case


def test_correction_refuses_a_field_not_offered(login_client, admin_user, records):
    client = login_client(admin_user)
    data_request = open_request(client, requester_name="港 太郎", kind="correction")
    client.post(
        f"/privacy/{data_request.pk}/correct/",
        {"record": f"tickets.case:{records['case'].pk}", "field": "email", "new_value": "x"},
    )
    assert not DataCorrection.objects.exists()


def test_request_needs_some_identifier(login_client, admin_user, kobe):
    response = login_client(admin_user).post(
        LIST, {"kind": "disclosure", "received_on": "2026-11-20"}
    )
    assert response.status_code == 400
    assert "どれかを入力してください" in response.content.decode()
    assert not DataRequest.objects.exists()


@pytest.mark.parametrize("who", ["operator", "supervisor", "staff_tobu"])
def test_staff_other_than_admins_get_403(request, login_client, who, admin_user, records):
    data_request = DataRequest.objects.create(
        kind="disclosure", requester_name="港 太郎", created_by=admin_user
    )
    client = login_client(request.getfixturevalue(who))
    for path in ("", f"{data_request.pk}/", f"{data_request.pk}/export/"):
        assert client.get(f"/privacy/{path}").status_code == 403
    assert client.post(f"/privacy/{data_request.pk}/close/").status_code == 403


def test_wrong_methods(login_client, admin_user, kobe):
    data_request = DataRequest.objects.create(
        kind="disclosure", requester_name="港 太郎", created_by=admin_user
    )
    client = login_client(admin_user)
    assert client.get(f"/privacy/{data_request.pk}/close/").status_code == 405
    assert client.get(f"/privacy/{data_request.pk}/correct/").status_code == 405
    assert client.post(f"/privacy/{data_request.pk}/export/").status_code == 405
