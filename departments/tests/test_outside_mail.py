"""Mail to contractors and agencies: the sender sees exactly what goes out, then confirms.

The leaks reproduced on main: the department's note went out verbatim, and the caller's
number in other spellings, the given name alone, the surname in an address and symptoms
typed into the details all reached the contractor.
"""

import pytest
from django.core import mail
from django.urls import reverse

from departments.models import Contractor, RelatedAgency
from departments.tests.outside_mail import (
    PREVIEW_BODY,
    confirmation_of,
    make_leaky_road_case,
    preview,
    preview_and_send,
)
from kobepost.notifications.models import Notification
from tickets.models import Case, CaseEvent
from tickets.tests.factories import make_case

LEAKED_NOTE = "通報者 山田 078-123-4567 から連絡あり"
CALLER_ITEMS = ["山田", "太郎", "078-123-4567", "0781234567", "123-4567", "下痢", "発熱"]


@pytest.fixture
def road_case(operator):
    case = make_leaky_road_case(operator)
    mail.outbox.clear()
    return case


@pytest.fixture
def contractor(kobe) -> Contractor:
    return Contractor.objects.get(name="神戸道路補修株式会社")


def contractor_url(case: Case) -> str:
    return reverse("departments:case_contractor", args=[case.pk])


def contractor_data(contractor: Contractor, note: str = LEAKED_NOTE) -> dict:
    return {"contractor-contractor": contractor.pk, "contractor-note": note}


def assert_clean(text: str) -> None:
    found = [item for item in CALLER_ITEMS if item in text]
    assert not found, (found, text)


def test_preview_shows_the_scrubbed_mail_with_marks_and_sends_nothing(
    login_client, staff_tobu, road_case, contractor, committed
):
    with committed():
        page, shown = preview(
            login_client(staff_tobu), contractor_url(road_case), contractor_data(contractor)
        )
    assert "送信内容の確認" in page and "神戸道路補修株式会社" in page
    assert '<mark class="removed">〔削除: 電話番号〕</mark>' in page
    assert '<mark class="removed">〔削除: 氏名〕</mark>' in page
    assert "〔削除: 氏名〕さん宅前 〔削除: 電話番号〕 道路に穴" in shown
    assert "通報者 〔削除: 氏名〕 〔削除: 電話番号〕 から連絡あり" in shown
    assert "東灘区本山北町3丁目 〔削除: 氏名〕様方前" in shown
    assert_clean(shown)
    assert mail.outbox == []
    assert not road_case.events.filter(kind=CaseEvent.Kind.CONTRACTOR).exists()


def test_confirmed_mail_is_exactly_the_previewed_text(
    login_client, staff_tobu, road_case, contractor, committed
):
    with committed():
        response, shown = preview_and_send(
            login_client(staff_tobu), contractor_url(road_case), contractor_data(contractor)
        )
    assert response.status_code == 302
    assert response.url == reverse("departments:case_detail", args=[road_case.pk])
    [message] = mail.outbox
    assert message.to == [contractor.email]
    assert message.body == shown
    assert_clean(message.subject + message.body)
    event = road_case.events.get(kind=CaseEvent.Kind.CONTRACTOR)
    assert LEAKED_NOTE in event.note  # the timeline is the city's own record


def test_going_back_keeps_what_was_typed(login_client, staff_tobu, road_case, contractor):
    client = login_client(staff_tobu)
    data = contractor_data(contractor, note="夜間の作業をお願いします")
    page, _shown = preview(client, contractor_url(road_case), data)
    response = client.post(
        contractor_url(road_case),
        {**data, "step": "edit", "confirmation": confirmation_of(page)},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "\n夜間の作業をお願いします</textarea>" in page
    assert f'<option value="{contractor.pk}" selected>' in page
    assert mail.outbox == []


def test_a_note_changed_after_the_preview_is_shown_again_not_sent(
    login_client, staff_tobu, road_case, contractor, committed
):
    client = login_client(staff_tobu)
    page, _shown = preview(client, contractor_url(road_case), contractor_data(contractor))
    tampered = contractor_data(contractor, note="別の内容 090-9876-5432")
    with committed():
        response = client.post(
            contractor_url(road_case),
            {**tampered, "step": "confirm", "confirmation": confirmation_of(page)},
        )
    assert response.status_code == 409
    page = response.content.decode()
    assert "送信する内容が確認したときから変わりました" in page
    shown = PREVIEW_BODY.search(page).group(1)
    assert "別の内容 <mark" in shown and "090-9876-5432" not in shown
    assert mail.outbox == []
    assert not Notification.objects.filter(kind=Notification.Kind.CONTRACTOR_REQUEST).exists()


def test_a_case_edited_after_the_preview_is_shown_again_with_the_new_text(
    login_client, staff_tobu, road_case, contractor, committed
):
    client = login_client(staff_tobu)
    page, _shown = preview(client, contractor_url(road_case), contractor_data(contractor))
    Case.objects.filter(pk=road_case.pk).update(title="穴が広がった")
    with committed():
        response = client.post(
            contractor_url(road_case),
            {
                **contractor_data(contractor),
                "step": "confirm",
                "confirmation": confirmation_of(page),
            },
        )
    assert response.status_code == 409
    assert "件名: 穴が広がった" in response.content.decode()
    assert mail.outbox == []
    # Confirming the new preview sends it.
    with committed():
        response = client.post(
            contractor_url(road_case),
            {
                **contractor_data(contractor),
                "step": "confirm",
                "confirmation": confirmation_of(response.content.decode()),
            },
        )
    assert response.status_code == 302
    [message] = mail.outbox
    assert "件名: 穴が広がった" in message.body


@pytest.mark.parametrize("confirmation", ["", "forged", "WyIxIiwiYWJjIl0:1tXyZa:bad"])
def test_a_missing_or_forged_confirmation_sends_nothing(
    login_client, staff_tobu, road_case, contractor, committed, confirmation
):
    with committed():
        response = login_client(staff_tobu).post(
            contractor_url(road_case),
            {**contractor_data(contractor), "step": "confirm", "confirmation": confirmation},
        )
    assert response.status_code == 400
    assert "もう一度確認してください" in response.content.decode()
    assert mail.outbox == []


def test_another_users_confirmation_is_not_accepted(
    login_client, staff_tobu, make_user, road_case, contractor, committed
):
    colleague = make_user("st_colleague", staff_tobu.role, staff_tobu.department)
    page, _shown = preview(
        login_client(colleague), contractor_url(road_case), contractor_data(contractor)
    )
    with committed():
        response = login_client(staff_tobu).post(
            contractor_url(road_case),
            {
                **contractor_data(contractor),
                "step": "confirm",
                "confirmation": confirmation_of(page),
            },
        )
    assert response.status_code == 400
    assert mail.outbox == []


def test_operators_preview_and_confirm_from_the_callcenter_page(
    login_client, operator, road_case, contractor, committed
):
    client = login_client(operator)
    with committed():
        response, shown = preview_and_send(
            client, contractor_url(road_case), contractor_data(contractor)
        )
    assert response.url == reverse("callcenter:case_detail", args=[road_case.pk])
    [message] = mail.outbox
    assert message.body == shown
    assert_clean(message.body)


@pytest.fixture
def food_case(operator):
    case = make_case(
        operator,
        "food-poisoning",
        title="弁当で食中毒",
        details="山田さんの家族3人が下痢と発熱。078-123-4567",
        caller_name="山田 太郎",
        caller_phone="078-123-4567",
        health_symptoms="下痢と発熱",
    )
    mail.outbox.clear()
    return case


def test_agency_mail_of_a_health_case_carries_no_symptoms(
    login_client, staff_eisei, food_case, committed
):
    agency = RelatedAgency.objects.get(name="兵庫県 神戸土木事務所")
    data = {
        "agency-agency": agency.pk,
        "agency-handed_at": "2026-04-01T09:30",
        "agency-method": "email",
        "agency-note": "山田様の件、県の所管です",
        "agency-send_mail": "on",
    }
    url = reverse("departments:case_agency", args=[food_case.pk])
    with committed():
        response, shown = preview_and_send(login_client(staff_eisei), url, data)
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == [agency.email] and message.body == shown
    assert "〔削除: 健康に関する内容〕" in message.body
    assert "〔削除: 氏名〕様の件、県の所管です" in message.body
    assert_clean(message.body)


def test_agency_handover_without_mail_needs_no_preview(
    login_client, staff_tobu, road_case, committed
):
    agency = RelatedAgency.objects.get(name="兵庫県警察（最寄りの警察署）")
    with committed():
        response = login_client(staff_tobu).post(
            reverse("departments:case_agency", args=[road_case.pk]),
            {
                "agency-agency": agency.pk,
                "agency-handed_at": "2026-04-01T09:30",
                "agency-method": "phone",
                "agency-note": "電話で連絡",
            },
        )
    assert response.status_code == 302
    assert road_case.events.filter(kind=CaseEvent.Kind.AGENCY_HANDOVER).exists()
    assert mail.outbox == []


def test_preview_page_in_english(login_client, staff_tobu, road_case, contractor):
    client = login_client(staff_tobu)
    client.cookies["django_language"] = "en"
    page, shown = preview(client, contractor_url(road_case), contractor_data(contractor))
    assert "Check the mail before sending" in page
    assert "Send this mail" in page and "Go back and edit" in page
    assert "〔削除: 電話番号〕" in shown  # the mail itself is Japanese
