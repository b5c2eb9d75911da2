"""Department case view and its actions: reply, work status, notes, transfer, locking."""

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from kobepost.audit.models import AuditAction, AuditEvent
from kobepost.notifications.models import Notice
from tickets.models import Case, CaseEvent
from tickets.services import case_reply
from tickets.tests.factories import make_case


def url(case: Case, name: str = "case_detail") -> str:
    return reverse(f"departments:{name}", args=[case.pk])


@pytest.fixture
def road_case(operator):
    case = make_case(
        operator,
        title="歩道の段差",
        details="段差でつまずきそう",
        caller_name="山田 太郎",
        caller_phone="090-1234-5678",
    )
    mail.outbox.clear()
    return case


@pytest.fixture
def food_case(operator):
    case = make_case(operator, "food-poisoning", title="弁当で食中毒", health_symptoms="嘔吐と発熱")
    mail.outbox.clear()
    return case


def test_department_sees_the_case(login_client, staff_tobu, road_case):
    response = login_client(staff_tobu).get(url(road_case))
    page = response.content.decode()
    assert response.status_code == 200
    assert road_case.reference in page and "歩道の段差" in page
    assert "回答を登録する" in page and "回答期限" in page


def test_the_callers_data_on_the_case_page_is_audited_without_symptoms(
    login_client, staff_tobu, road_case
):
    page = login_client(staff_tobu).get(url(road_case)).content.decode()
    assert "山田 太郎" in page and "090-1234-5678" in page
    audit = AuditEvent.objects.get(action=AuditAction.RECORD_VIEW, record_id=str(road_case.pk))
    assert (audit.user, audit.record_type) == (staff_tobu, "tickets.case")
    assert {"caller_name", "caller_phone"} <= set(audit.fields)
    assert "health_symptoms" not in audit.fields


def test_other_department_gets_404_everywhere(login_client, staff_seibu, road_case):
    client = login_client(staff_seibu)
    assert client.get(url(road_case)).status_code == 404
    response = client.post(url(road_case, "case_reply"), {"reply-reply_text": "x"})
    assert response.status_code == 404
    road_case.refresh_from_db()
    assert road_case.status == Case.Status.RECEIVED


@pytest.mark.parametrize("who", ["operator", "admin_user"])
def test_wrong_role_gets_403(request, login_client, road_case, who):
    client = login_client(request.getfixturevalue(who))
    assert client.get(url(road_case)).status_code == 403
    assert client.post(url(road_case, "case_reply"), {}).status_code == 403


def test_health_symptoms_shown_to_responsible_department_and_audited(
    login_client, staff_eisei, food_case
):
    page = login_client(staff_eisei).get(url(food_case)).content.decode()
    assert "嘔吐と発熱" in page
    audit = AuditEvent.objects.get(action=AuditAction.RECORD_VIEW, record_id=str(food_case.pk))
    assert "health_symptoms" in audit.fields


def test_reply_marks_answered_and_mails_the_callcenter(
    login_client, staff_tobu, road_case, committed
):
    client = login_client(staff_tobu)
    with committed():
        response = client.post(
            url(road_case, "case_reply"),
            {"reply-version": road_case.version, "reply-reply_text": "補修しました。"},
        )
    assert response.status_code == 302
    road_case.refresh_from_db()
    assert road_case.status == Case.Status.ANSWERED
    assert road_case.reply_text == "補修しました。"
    assert road_case.events.filter(kind=CaseEvent.Kind.REPLY).exists()
    [message] = mail.outbox
    assert message.to == [settings.CALLCENTER_MAILBOX]
    assert road_case.reference in message.subject
    assert "山田" not in message.body and "090-1234-5678" not in message.body
    assert Notice.objects.filter(to_callcenter=True, title__contains=road_case.reference).exists()
    assert "回答を登録しました" in client.get(url(road_case)).content.decode()


def test_empty_reply_is_refused_in_japanese(login_client, staff_tobu, road_case):
    response = login_client(staff_tobu).post(
        url(road_case, "case_reply"), {"reply-version": road_case.version, "reply-reply_text": " "}
    )
    assert response.status_code == 400
    assert "回答を入力してください。" in response.content.decode()
    road_case.refresh_from_db()
    assert road_case.status == Case.Status.RECEIVED
    assert mail.outbox == []


def test_action_urls_refuse_get(login_client, staff_tobu, road_case):
    client = login_client(staff_tobu)
    for name in ("case_reply", "case_work_status", "case_note", "case_transfer", "case_attach"):
        assert client.get(url(road_case, name)).status_code == 405


def test_work_status_starts_the_case_and_mails_the_callcenter(
    login_client, staff_tobu, road_case, committed
):
    client = login_client(staff_tobu)
    with committed():
        response = client.post(
            url(road_case, "case_work_status"),
            {"work-version": road_case.version, "work-work_status": "working", "work-note": "現地"},
        )
    assert response.status_code == 302
    road_case.refresh_from_db()
    assert road_case.work_status == Case.WorkStatus.WORKING
    assert road_case.status == Case.Status.IN_PROGRESS
    [message] = mail.outbox
    assert message.to == [settings.CALLCENTER_MAILBOX]
    assert "対応中" in message.body


def test_second_save_is_refused_and_keeps_the_typed_text(
    login_client, staff_tobu, make_user, kobe, road_case, committed
):
    colleague = make_user("st_colleague", "department", kobe["kensetsu-tobu"])
    shown_version = road_case.version
    # The colleague saves first, from the same page version.
    first = login_client(colleague).post(
        url(road_case, "case_work_status"),
        {"work-version": shown_version, "work-work_status": "working", "work-note": "現地へ出発"},
    )
    assert first.status_code == 302
    mail.outbox.clear()

    client = login_client(staff_tobu)
    with committed():
        response = client.post(
            url(road_case, "case_reply"),
            {"reply-version": shown_version, "reply-reply_text": "私の回答文です"},
        )
    page = response.content.decode()
    assert response.status_code == 409
    assert "他の職員がこの案件を先に更新しました" in page
    assert "現地へ出発" in page  # what the colleague changed
    assert "私の回答文です" in page  # what this user typed
    road_case.refresh_from_db()
    assert road_case.status == Case.Status.IN_PROGRESS and road_case.reply_text == ""
    assert mail.outbox == []
    # The page now carries the new version: a deliberate resubmit goes through.
    assert f'value="{road_case.version}"' in page
    again = login_client(staff_tobu).post(
        url(road_case, "case_reply"),
        {"reply-version": road_case.version, "reply-reply_text": "私の回答文です"},
    )
    assert again.status_code == 302


def test_internal_note_is_not_mailed_nor_shown_to_operators(
    login_client, staff_tobu, operator, road_case, committed
):
    with committed():
        response = login_client(staff_tobu).post(
            url(road_case, "case_note"),
            {"internal-version": road_case.version, "internal-note": "課内: 予算確認中"},
        )
    assert response.status_code == 302
    assert mail.outbox == []
    assert "予算確認中" in login_client(staff_tobu).get(url(road_case)).content.decode()
    operator_page = login_client(operator).get(
        reverse("callcenter:case_detail", args=[road_case.pk])
    )
    assert "予算確認中" not in operator_page.content.decode()


def test_transfer_needs_a_reason_and_mails_the_new_department(
    login_client, staff_tobu, kobe, road_case, committed
):
    client = login_client(staff_tobu)
    target = kobe["kensetsu-seibu"]
    refused = client.post(
        url(road_case, "case_transfer"),
        {"transfer-version": road_case.version, "transfer-department": target.pk},
    )
    assert refused.status_code == 400
    assert "移管の理由を入力してください。" in refused.content.decode()

    with committed():
        response = client.post(
            url(road_case, "case_transfer"),
            {
                "transfer-version": road_case.version,
                "transfer-department": target.pk,
                "transfer-note": "西部の管轄です",
            },
        )
    assert response.status_code == 302 and response.url == reverse("departments:home")
    road_case.refresh_from_db()
    assert road_case.department == target
    [message] = mail.outbox
    assert message.to == target.email_list
    assert "所管課の変更" in message.subject
    assert client.get(url(road_case)).status_code == 404
    assert Notice.objects.filter(department=target).exists()


def test_direct_answer_is_recorded_and_moves_the_case_on(
    login_client, staff_tobu, road_case, committed
):
    road_case.direct_answer = True
    road_case.save(update_fields=["direct_answer"])
    client = login_client(staff_tobu)
    with committed():
        response = client.post(
            url(road_case, "case_direct_answer"),
            {
                "direct-version": road_case.version,
                "direct-told_at": "2026-04-01T10:00",
                "direct-method": "phone",
                "direct-note": "補修予定を説明",
            },
        )
    assert response.status_code == 302
    road_case.refresh_from_db()
    assert road_case.citizen_told_at is not None
    assert road_case.status == Case.Status.ANSWERED
    event = road_case.events.get(kind=CaseEvent.Kind.DIRECT_ANSWER)
    assert "電話" in event.note
    assert (event.from_status, event.to_status) == ("received", "answered")
    # Not overdue for the department, nothing for the call back queue.
    Case.objects.filter(pk=road_case.pk).update(reply_due_date="2026-01-05")
    overdue = client.get(reverse("departments:home"), {"filter": "overdue"})
    assert road_case.reference not in overdue.content.decode()
    assert not Case.objects.awaiting_callback().filter(pk=road_case.pk).exists()
    # The call center is told, without the caller.
    [message] = [m for m in mail.outbox if m.to == [settings.CALLCENTER_MAILBOX]]
    assert road_case.reference in message.body and "回答済" in message.body
    assert "山田" not in message.body and "090-1234-5678" not in message.body


def test_reply_already_answered_case_shows_no_reply_form(login_client, staff_tobu, road_case):
    case_reply(case=road_case, user=staff_tobu, reply_text="済")
    page = login_client(staff_tobu).get(url(road_case)).content.decode()
    assert "回答を登録する" not in page
