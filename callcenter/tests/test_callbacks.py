import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from callcenter.views import waited_label
from kobepost.audit.models import AuditAction, AuditEvent
from tickets.models import Case, CaseEvent
from tickets.services import case_reply
from tickets.tests.factories import make_case

QUEUE = reverse("callcenter:callbacks")


def callback_url(case: Case) -> str:
    return reverse("callcenter:case_callback", args=[case.pk])


@pytest.fixture
def answered(operator, staff_tobu):
    older = make_case(operator, title="古い回答済み")
    newer = make_case(operator, title="新しい回答済み")
    direct = make_case(operator, title="直接回答", direct_answer=True)
    not_needed = make_case(operator, title="回答不要", reply_needed=False)
    make_case(operator, title="まだ受付")
    for case in (older, newer, direct, not_needed):
        case_reply(case=case, user=staff_tobu, reply_text=f"{case.title}への回答")
    return older, newer


def test_queue_lists_answered_cases_needing_a_call_longest_waiting_first(
    login_client, operator, answered
):
    response = login_client(operator).get(QUEUE)
    assert [row["title"] for row in response.context["page"].object_list] == [
        "古い回答済み",
        "新しい回答済み",
    ]
    older = answered[0]
    page = response.content.decode()
    assert f'<a href="{reverse("callcenter:case_detail", args=[older.pk])}">' in page
    assert f'href="{callback_url(older)}"' in page


def test_every_caller_listed_in_the_queue_is_audited(login_client, operator, answered):
    login_client(operator).get(QUEUE)
    rows = AuditEvent.objects.filter(action=AuditAction.RECORD_VIEW, user=operator)
    assert sorted(rows.values_list("record_id", flat=True)) == sorted(
        str(case.pk) for case in answered
    )
    assert {tuple(row.fields) for row in rows} == {("caller_name", "caller_phone")}


def test_record_the_call_back(login_client, operator, answered):
    case = answered[0]
    client = login_client(operator)
    page = client.get(callback_url(case)).content.decode()
    assert "古い回答済みへの回答" in page
    told_at = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        callback_url(case), {"told_at": told_at, "method": "phone", "note": "ご本人に説明"}
    )
    assert response.status_code == 302 and response["Location"] == QUEUE
    case.refresh_from_db()
    assert case.status == Case.Status.CITIZEN_ANSWERED
    event = case.events.get(kind=CaseEvent.Kind.CALLBACK)
    assert event.actor == operator and event.to_status == Case.Status.CITIZEN_ANSWERED
    assert "電話" in event.note and "ご本人に説明" in event.note
    assert case.pk not in [row["pk"] for row in client.get(QUEUE).context["page"].object_list]
    # then 完了 through the detail page action
    client.post(reverse("callcenter:case_status", args=[case.pk]), {"status": "closed"})
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED


def test_callback_validation_in_japanese(login_client, operator, answered):
    response = login_client(operator).post(
        callback_url(answered[0]), {"told_at": "", "method": "pigeon", "note": "メモ"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "このフィールドは必須です。" in page and "正しく選択してください" in page
    assert "メモ" in page


def test_callback_for_case_not_waiting_is_404(login_client, operator):
    case = make_case(operator)
    client = login_client(operator)
    assert client.get(callback_url(case)).status_code == 404
    response = client.post(callback_url(case), {"told_at": "2026-11-20T10:00", "method": "phone"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.RECEIVED


def test_department_staff_cannot_use_the_queue(login_client, staff_tobu, answered):
    client = login_client(staff_tobu)
    assert client.get(QUEUE).status_code == 403
    assert client.post(callback_url(answered[0]), {}).status_code == 403


def test_queue_wrong_method(login_client, operator):
    assert login_client(operator).post(QUEUE).status_code == 405


def test_queue_query_count(login_client, operator, staff_tobu, django_assert_max_num_queries):
    for number in range(20):
        case = make_case(operator, title=f"回答済み{number}")
        case_reply(case=case, user=staff_tobu, reply_text="回答")
    client = login_client(operator)
    with django_assert_max_num_queries(10):
        assert client.get(QUEUE).status_code == 200


def test_home_shows_counts_and_links(login_client, operator, answered):
    page = login_client(operator).get(reverse("callcenter:home")).content.decode()
    assert "新規受付" in page and "折り返し待ち" in page
    assert reverse("callcenter:callbacks") in page


def test_urgent_cases_come_first_then_the_longest_wait_since_the_reply(
    login_client, operator, staff_tobu
):
    now = timezone.now()
    waits = {
        "三日待ち": (datetime.timedelta(days=3, hours=2), False),
        "一時間待ちの緊急": (datetime.timedelta(hours=1, minutes=5), True),
        "一日待ち": (datetime.timedelta(days=1), False),
        "十分待ちの緊急": (datetime.timedelta(minutes=10), True),
    }
    for title, (waited, urgent) in waits.items():
        case = make_case(operator, title=title, urgent=urgent, urgent_contact="高橋")
        case_reply(case=case, user=staff_tobu, reply_text="回答")
        Case.objects.filter(pk=case.pk).update(replied_at=now - waited)
    response = login_client(operator).get(QUEUE)
    rows = response.context["page"].object_list
    assert [row["title"] for row in rows] == [
        "一時間待ちの緊急",
        "十分待ちの緊急",
        "三日待ち",
        "一日待ち",
    ]
    page = response.content.decode()
    assert "緊急の案件が先、次に所管課の回答から長く待っている順" in page
    for text in ("1時間5分", "10分", "3日2時間", "1日0時間"):
        assert f'<td class="case-table__waited">{text}</td>' in page
    assert page.count('class="badge badge--urgent"') == 2


@pytest.mark.parametrize(
    ("waited", "label"),
    [
        (datetime.timedelta(seconds=30), "0分"),
        (datetime.timedelta(minutes=59), "59分"),
        (datetime.timedelta(hours=2, minutes=3), "2時間3分"),
        (datetime.timedelta(days=2, hours=23, minutes=59), "2日23時間"),
        (datetime.timedelta(seconds=-5), "0分"),  # clocks a little apart
    ],
)
def test_waiting_time_is_told_to_the_unit_that_matters(waited, label):
    assert waited_label(waited) == label
