"""Correcting a case (訂正): who may, what is recorded, who sees the old values, no mail."""

import pytest
from django.core import mail
from django.urls import reverse

from kobepost.audit.models import AuditAction, AuditEvent
from kobepost.notifications.models import Notice, Notification
from kobepost.privacy.models import DataCorrection, DataRequest
from tickets.models import Case, CaseEvent, Category
from tickets.search import search_cases
from tickets.tests.factories import make_case


def correct_url(case: Case) -> str:
    return reverse("callcenter:case_correct", args=[case.pk])


@pytest.fixture
def case(operator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        made = make_case(
            operator,
            title="歩道の陥没",
            details="三宮駅の南の歩道",
            caller_name="日向 太郎",
            caller_kana="ヒナタ タロウ",
            caller_phone="078-331-8181",
            caller_phone_digits="0783318181",
            latitude=34.695075,
            longitude=135.193287,
            address="中央区加納町四丁目",
            ward="28110",
        )
    mail.outbox.clear()
    return made


def form_data(case: Case, **changes) -> dict:
    data = {
        "version": case.version,
        "caller_name": case.caller_name,
        "caller_kana": case.caller_kana,
        "caller_phone": case.caller_phone,
        "category": case.category_id,
        "title": case.title,
        "details": case.details,
        "latitude": case.latitude if case.latitude is not None else "",
        "longitude": case.longitude if case.longitude is not None else "",
        "address": case.address,
        "ward": case.ward,
        "reason": "通報者から電話番号の誤りの連絡",
        "data_request": "",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("operator", 200),
        ("supervisor", 200),
        ("staff_tobu", 200),  # the department that owns the case
        ("staff_seibu", 404),  # another department: no hint the case exists
        ("admin_user", 403),
    ],
)
def test_who_may_correct(request, login_client, case, who, status):
    client = login_client(request.getfixturevalue(who))
    assert client.get(correct_url(case)).status_code == status
    response = client.post(correct_url(case), form_data(case, caller_phone="078-331-0000"))
    assert response.status_code == (302 if status == 200 else status)
    case.refresh_from_db()
    assert (case.caller_phone == "078-331-0000") is (status == 200)


def test_the_correction_page_is_audited_as_a_view_of_personal_data(login_client, operator, case):
    login_client(operator).get(correct_url(case))
    audit = AuditEvent.objects.get(action=AuditAction.RECORD_VIEW, record_id=str(case.pk))
    assert audit.user == operator and "caller_phone" in audit.fields


def test_a_correction_changes_the_case_and_keeps_a_record_of_who_what_and_why(
    login_client, operator, case, django_capture_on_commit_callbacks
):
    client = login_client(operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            correct_url(case),
            form_data(
                case,
                caller_phone="０７８（３３１）００００",
                caller_kana="ひなた じろう",
                ward="28102",
                latitude="34.7050",
                longitude="135.2150",
            ),
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("callcenter:case_detail", args=[case.pk])
    version = case.version
    case.refresh_from_db()
    assert case.caller_phone == "078-331-0000" and case.caller_phone_digits == "0783310000"
    assert case.caller_kana == "ヒナタ ジロウ" and case.ward == "28102"
    assert (case.latitude, case.longitude) == (34.705, 135.215)
    assert case.version == version + 1
    rows = {row.field: row for row in DataCorrection.objects.all()}
    assert set(rows) == {"caller_phone", "caller_kana", "ward", "location"}
    assert (rows["caller_phone"].old_value, rows["caller_phone"].new_value) == (
        "078-331-8181",
        "078-331-0000",
    )
    assert (rows["ward"].old_value, rows["ward"].new_value) == ("中央区", "灘区")
    assert rows["location"].old_value == "34.695075, 135.193287"
    assert all(row.corrected_by == operator and row.data_request is None for row in rows.values())
    event = case.events.get(kind=CaseEvent.Kind.CORRECTION)
    assert {row.event_id for row in rows.values()} == {event.pk}
    assert "電話番号" in event.note and "通報者から電話番号の誤りの連絡" in event.note
    assert "8181" not in event.note and "0000" not in event.note  # never the values
    audit = AuditEvent.objects.get(action=AuditAction.RECORD_CORRECT)
    assert audit.user == operator and audit.record_id == str(case.pk)
    assert set(audit.fields) == set(rows)
    # The search follows the corrected kana, the phone history the corrected number.
    assert search_cases(Case.objects.all(), "ジロウ").filter(pk=case.pk).exists()
    assert not search_cases(Case.objects.all(), "タロウ").filter(pk=case.pk).exists()


def test_a_correction_mails_nobody_and_the_notice_carries_no_personal_data(
    login_client, operator, staff_tobu, case, django_capture_on_commit_callbacks
):
    notifications = Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        login_client(operator).post(
            correct_url(case), form_data(case, caller_name="日向 次郎", caller_phone="078-222-3333")
        )
    assert Notification.objects.count() == notifications and mail.outbox == []
    notice = Notice.objects.filter(department=case.department).latest("pk")
    assert case.reference in notice.title and "氏名" in notice.title
    assert "次郎" not in notice.title and "3333" not in notice.title
    # The department corrects: the call center is told the same way.
    with django_capture_on_commit_callbacks(execute=True):
        login_client(staff_tobu).post(
            correct_url(case), form_data(Case.objects.get(pk=case.pk), title="歩道の大きな陥没")
        )
    assert Notification.objects.count() == notifications and mail.outbox == []
    assert "タイトル" in Notice.objects.filter(to_callcenter=True).latest("pk").title


def test_the_old_and_new_values_show_on_the_timeline_to_those_who_may_see_them(
    login_client, operator, staff_tobu, case
):
    login_client(operator).post(correct_url(case), form_data(case, caller_phone="078-331-0000"))
    for client, page in (
        (login_client(operator), reverse("callcenter:case_detail", args=[case.pk])),
        (login_client(staff_tobu), reverse("departments:case_detail", args=[case.pk])),
    ):
        html = client.get(page).content.decode()
        assert "個人情報の訂正" in html and 'class="correction-rows"' in html
        assert "078-331-8181" in html and "078-331-0000" in html
    # Paper leaves the access control: the print view names the correction, not the values.
    printed = login_client(operator).get(reverse("callcenter:case_print", args=[case.pk]))
    text = printed.content.decode()
    assert "個人情報の訂正" in text and "078-331-8181" not in text


def test_a_reason_is_required_and_nothing_typed_is_lost(login_client, operator, case):
    response = login_client(operator).post(
        correct_url(case), form_data(case, caller_name="日向 次郎", reason="")
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "訂正の理由を入力してください。" in page and 'value="日向 次郎"' in page
    case.refresh_from_db()
    assert case.caller_name == "日向 太郎" and not DataCorrection.objects.exists()


def test_nothing_changed_is_said_plainly(login_client, operator, case):
    response = login_client(operator).post(correct_url(case), form_data(case))
    assert response.status_code == 400
    assert "変更された項目がありません" in response.content.decode()
    assert not case.events.filter(kind=CaseEvent.Kind.CORRECTION).exists()


def test_a_point_outside_kobe_is_refused_with_everything_kept(login_client, operator, case):
    response = login_client(operator).post(
        correct_url(case),
        form_data(case, latitude="34.6937", longitude="135.5023", caller_name="日向 次郎"),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "神戸市外です" in page and 'value="日向 次郎"' in page and 'value="34.6937"' in page
    case.refresh_from_db()
    assert case.latitude == 34.695075 and case.caller_name == "日向 太郎"


def test_someone_elses_save_in_between_is_shown_and_the_input_kept(
    login_client, operator, staff_tobu, case
):
    stale = form_data(case, caller_name="日向 次郎")
    login_client(staff_tobu).post(correct_url(case), form_data(case, title="別の職員の訂正"))
    response = login_client(operator).post(correct_url(case), stale)
    assert response.status_code == 409
    page = response.content.decode()
    assert "他の職員がこの案件を先に更新しました" in page and 'value="日向 次郎"' in page
    case.refresh_from_db()
    assert case.caller_name == "日向 太郎"
    assert f'name="version" value="{case.version}"' in page  # a deliberate resubmit works


def test_only_the_departments_own_categories_are_offered(login_client, operator, case):
    other = Category.objects.exclude(department=case.department_id).first()
    own = Category.objects.filter(department=case.department_id).exclude(pk=case.category_id)[0]
    client = login_client(operator)
    page = client.get(correct_url(case)).content.decode()
    # The option, not any value="…": the category's id can equal the version field's value.
    assert f'<option value="{own.pk}"' in page and f'<option value="{other.pk}"' not in page
    refused = client.post(correct_url(case), form_data(case, category=other.pk))
    assert refused.status_code == 400
    assert client.post(correct_url(case), form_data(case, category=own.pk)).status_code == 302
    case.refresh_from_db()
    assert case.category == own and case.dial == own.dial
    assert case.department == own.department


def test_a_citizens_correction_request_is_recorded_with_the_request(
    login_client, operator, admin_user, case
):
    data_request = DataRequest.objects.create(
        kind=DataRequest.Kind.CORRECTION, requester_name="日向 太郎", created_by=admin_user
    )
    closed = DataRequest.objects.create(
        kind=DataRequest.Kind.CORRECTION, requester_name="誰か", created_by=admin_user
    )
    closed.closed_at = closed.created_at
    closed.save()
    client = login_client(operator)
    refused = client.post(
        correct_url(case), form_data(case, caller_kana="ヒナタ タロ", data_request=closed.pk)
    )
    assert refused.status_code == 400
    assert "受付中の訂正の請求ではありません" in refused.content.decode()
    response = client.post(
        correct_url(case),
        form_data(case, caller_kana="ヒナタ タロ", data_request=data_request.pk),
    )
    assert response.status_code == 302
    correction = DataCorrection.objects.get()
    assert correction.data_request == data_request and correction.field == "caller_kana"
    privacy = login_client(admin_user).get(reverse("privacy:detail", args=[data_request.pk]))
    assert "ヒナタ タロ" in privacy.content.decode()
    assert f"#{data_request.pk}" in case.events.get(kind=CaseEvent.Kind.CORRECTION).note


def test_disposal_erases_what_a_correction_kept(login_client, operator, case, settings, tmp_path):
    from django.utils import timezone

    from kobepost.privacy.retention import case_erase_personal_data

    settings.MEDIA_ROOT = tmp_path
    login_client(operator).post(
        correct_url(case), form_data(case, caller_phone="078-331-0000", reason="本人 日向から連絡")
    )
    case_erase_personal_data(Case.objects.get(pk=case.pk), at=timezone.now())
    row = DataCorrection.objects.get()
    assert (row.old_value, row.new_value, row.reason) == ("", "", "")
    assert case.events.get(kind=CaseEvent.Kind.CORRECTION).note == ""
