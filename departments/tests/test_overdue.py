"""Daily overdue reminders (one mail per department and day) and the supervisors' page."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from departments.models import OverdueReminder
from departments.services import overdue_remind
from departments.tasks import send_overdue_reminders
from kobepost.notifications.models import Notice, Notification
from tickets.models import Case
from tickets.tests.factories import make_case

TODAY = datetime.date(2026, 6, 10)


@pytest.fixture
def overdue_cases(operator):
    cases = [
        make_case(operator, title="東部の古い件 1", caller_name="山田 太郎"),
        make_case(operator, title="東部の古い件 2"),
        make_case(operator, "park-equipment", title="西部の古い件"),
    ]
    Case.objects.update(reply_due_date=datetime.date(2026, 6, 1))
    mail.outbox.clear()
    return cases


def test_one_mail_per_department_and_day_even_when_run_twice(
    overdue_cases, kobe, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert overdue_remind(today=TODAY) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert overdue_remind(today=TODAY) == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [kobe["kensetsu-tobu"].email_list[0], kobe["kensetsu-seibu"].email_list[0]]
    )
    tobu = next(m for m in mail.outbox if m.to == kobe["kensetsu-tobu"].email_list)
    assert "2 件" in tobu.subject
    assert overdue_cases[0].reference in tobu.body and overdue_cases[1].reference in tobu.body
    assert overdue_cases[2].reference not in tobu.body
    assert "山田" not in tobu.body
    assert Notification.objects.filter(kind=Notification.Kind.OVERDUE_REMINDER).count() == 2
    assert (
        Notice.objects.filter(department=kobe["kensetsu-tobu"]).count() == 1 + 2
    )  # new + reminder
    assert OverdueReminder.objects.count() == 2


def test_next_day_reminds_again(overdue_cases):
    assert overdue_remind(today=TODAY) == 2
    assert overdue_remind(today=TODAY + datetime.timedelta(days=1)) == 2


def test_answered_cases_are_not_chased(overdue_cases, staff_tobu):
    Case.objects.update(status=Case.Status.ANSWERED)
    assert overdue_remind(today=TODAY) == 0


def test_task_skips_holidays(overdue_cases, time_machine):
    Case.objects.update(reply_due_date=datetime.date(2026, 4, 1))  # overdue on both days
    time_machine.move_to(datetime.datetime(2026, 5, 6, 9, 0, tzinfo=datetime.UTC))
    assert send_overdue_reminders.apply().get() == 0
    time_machine.move_to(datetime.datetime(2026, 6, 10, 0, 0, tzinfo=datetime.UTC))
    assert send_overdue_reminders.apply().get() == 2


def test_supervisor_sees_all_overdue_cases(
    login_client, supervisor, overdue_cases, django_assert_max_num_queries
):
    client = login_client(supervisor)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("departments:overdue"))
    page = response.content.decode()
    assert response.status_code == 200
    assert all(case.reference in page for case in overdue_cases)


@pytest.mark.parametrize("who", ["operator", "staff_tobu"])
def test_overdue_page_is_for_supervisors(request, login_client, who):
    client = login_client(request.getfixturevalue(who))
    assert client.get(reverse("departments:overdue")).status_code == 403


def test_reminder_carries_the_scrubbed_title_so_its_footer_is_true(
    operator, kobe, django_capture_on_commit_callbacks
):
    make_case(
        operator,
        title="山田太郎さん宅前 078-123-4567 道路に穴",
        caller_name="山田 太郎",
        caller_phone="078-123-4567",
    )
    Case.objects.update(reply_due_date=datetime.date(2026, 6, 1))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        overdue_remind(today=TODAY)
    [reminder] = mail.outbox
    assert "〔削除: 氏名〕さん宅前 〔削除: 電話番号〕 道路に穴" in reminder.body
    assert "山田" not in reminder.body and "4567" not in reminder.body
    assert "通報者の個人情報はメールに記載していません" in reminder.body
