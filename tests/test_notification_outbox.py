"""The outbox without a worker: rows, idempotence, claims, relay, retries and failure.

Tasks run in-process here (eager); the SMTP tests talk to a real aiosmtpd server.
"""

import importlib
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from departments.models import Contractor
from kobepost.notifications.models import Notification
from kobepost.notifications.services import (
    RETRY_JITTER,
    event_key,
    notification_claim,
    notification_problem_text,
    notification_queue,
    notification_record_failure,
    notification_relay,
    retry_delay,
)
from kobepost.notifications.tasks import send_notification
from tests.migration_state import apps_before_the_move
from tickets.tests.factories import make_case

KEY = "case:7:created"


def queue(recipients=("a@city.example",), key=KEY) -> list[Notification]:
    return notification_queue(
        event_key=key,
        kind=Notification.Kind.NEW_CASE,
        recipients=list(recipients),
        subject="【KOBE ぽすと】新しい案件 R8-000007",
        body="受付番号: R8-000007\n",
        link="/cases/7/",
    )


def test_one_row_per_address_and_none_for_the_same_event_again(db):
    created = queue(["a@city.example", " A@city.example ", "", "b@city.example"])
    assert sorted(n.recipient for n in created) == ["a@city.example", "b@city.example"]
    assert queue(["a@city.example", "b@city.example"]) == []
    assert Notification.objects.count() == 2
    assert set(Notification.objects.values_list("status", flat=True)) == {"pending"}


def test_mail_leaves_only_after_commit(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        [notification] = queue()
        assert mail.outbox == []
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["a@city.example"]
    assert sent.subject == "【KOBE ぽすと】新しい案件 R8-000007"
    assert sent.extra_headers["Message-ID"].startswith(f"<notification.{notification.pk}.")
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.attempts == 1


def test_rollback_leaves_no_row_and_sends_nothing(db, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        queue()
        raise RuntimeError("case save failed")
    assert callbacks == []
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_unknown_kind_and_bad_event_key_are_programming_errors(db):
    with pytest.raises(ValueError):
        notification_queue(
            event_key=KEY, kind="gossip", recipients=["a@city.example"], subject="s", body="b"
        )
    with pytest.raises(ValueError):
        event_key("x" * 201)
    assert event_key("case", 12, "status", 34) == "case:12:status:34"


def test_a_row_is_claimed_once_until_its_lease_runs_out(db):
    [notification] = queue()
    claimed = notification_claim(notification.pk)
    assert claimed.status == Notification.Status.SENDING
    assert claimed.attempts == 1
    assert notification_claim(notification.pk) is None  # another worker, same row

    Notification.objects.filter(pk=notification.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert notification_claim(notification.pk).attempts == 2  # the first worker died

    Notification.objects.filter(pk=notification.pk).update(status=Notification.Status.SENT)
    assert notification_claim(notification.pk) is None


def test_relay_sends_overdue_pending_and_abandoned_rows_only(db):
    long_ago = timezone.now() - timedelta(minutes=5)
    [overdue] = queue(key="case:1:created")
    [fresh] = queue(key="case:2:created")
    [abandoned] = queue(key="case:3:created")
    [in_progress] = queue(key="case:4:created")
    Notification.objects.filter(pk__in=[overdue.pk, abandoned.pk, in_progress.pk]).update(
        next_attempt_at=long_ago
    )
    Notification.objects.filter(pk=abandoned.pk).update(
        status=Notification.Status.SENDING, lease_expires_at=long_ago, attempts=1
    )
    Notification.objects.filter(pk=in_progress.pk).update(
        status=Notification.Status.SENDING,
        lease_expires_at=timezone.now() + timedelta(minutes=5),
        attempts=1,
    )

    assert notification_relay() == 2
    statuses = dict(Notification.objects.values_list("pk", "status"))
    assert statuses == {
        overdue.pk: "sent",
        fresh.pk: "pending",
        abandoned.pk: "sent",
        in_progress.pk: "sending",
    }
    assert len(mail.outbox) == 2


def attempt(notification: Notification) -> str:
    """One attempt, as the worker makes it when the row's time has come."""
    return send_notification.delay(notification.pk).get()


@pytest.mark.services
def test_temporary_failures_are_retried_past_nine_attempts_until_the_deadline(
    db, celery_eager, mail_settings, smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.tempfail(100)
    [notification] = queue()  # not published: the test makes each attempt itself
    for number in range(1, 13):
        before = timezone.now()
        assert attempt(notification) == "retrying"
        notification.refresh_from_db()
        assert notification.status == Notification.Status.PENDING
        assert notification.attempts == number
        # Backoff with a cap, never a wait longer than the cap (a day's deadline ahead).
        wait = (notification.next_attempt_at - before).total_seconds()
        assert 0 < wait <= mail_settings.NOTIFICATION_RETRY_BACKOFF_MAX + 1
    assert notification.problem == Notification.Problem.BUSY
    assert "451" in notification.last_error
    assert smtp_server.messages == []

    # A day after the event the next failure is the last: failed, and said so in Japanese.
    Notification.objects.filter(pk=notification.pk).update(
        created_at=timezone.now()
        - timedelta(seconds=mail_settings.NOTIFICATION_GIVE_UP_AFTER_SECONDS + 1)
    )
    assert attempt(notification) == "failed"
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification_problem_text(notification) == (
        "メールサーバーが一時的に受け取りを断りました。（24 時間再試行しても送信できませんでした）"
    )


def test_defaults_ride_out_a_30_minute_mail_gateway_maintenance(db, settings, time_machine):
    """Measured on the old budget (nine attempts, full jitter): most rows failed within
    30 minutes. With the defaults every row is still waiting, and the next try after the
    gateway is back comes within the backoff cap."""
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    rows = [queue(key=f"case:{n}:created")[0] for n in range(20)]
    refused = ConnectionRefusedError(111, "Connection refused")
    due = dict.fromkeys((row.pk for row in rows), start)
    while (clock := min(due.values())) < start + timedelta(minutes=30):
        time_machine.move_to(clock, tick=False)
        row_pk = min(due, key=due.get)
        claimed = notification_claim(row_pk)
        retry_in = notification_record_failure(claimed, refused)
        assert retry_in is not None, f"failed {clock - start} into the outage"
        due[row_pk] = clock + timedelta(seconds=retry_in)
    assert set(Notification.objects.values_list("status", flat=True)) == {"pending"}
    assert max(due.values()) <= start + timedelta(minutes=30, seconds=300)


@given(attempt_number=st.integers(min_value=1, max_value=500))
def test_retry_delay_doubles_up_to_the_cap_and_is_never_longer(attempt_number):
    delay = retry_delay(attempt_number)
    nominal = min(60 * 2 ** min(attempt_number - 1, 30), 300)  # the defaults
    assert nominal * (1 - RETRY_JITTER) <= delay <= nominal


def test_a_task_for_a_row_that_does_not_exist_says_so(db, caplog):
    assert send_notification.delay(987654).get() == "missing"
    assert "notification 987654 does not exist" in caplog.text


@pytest.mark.services
def test_unknown_mailbox_fails_at_once(
    db, celery_eager, mail_settings, smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.reject_recipients()
    with django_capture_on_commit_callbacks(execute=True):
        [notification] = queue(["nobody@city.example"])
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.attempts == 1
    assert "550" in notification.last_error  # the raw answer, for administrators
    assert notification_problem_text(notification) == (
        "宛先のメールアドレスがないか、受け取りを拒否されました。アドレスを確認してください。"
    )


@pytest.mark.services
def test_smtp_message_is_utf8_japanese_with_a_stable_message_id(
    db, celery_eager, mail_settings, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        [notification] = queue()
    [message] = smtp_server.messages
    assert message["Subject"] == "【KOBE ぽすと】新しい案件 R8-000007"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content().splitlines() == ["受付番号: R8-000007"]
    first_id = message["Message-ID"]

    # A second attempt of the same row (e.g. after a crash) carries the same Message-ID.
    Notification.objects.filter(pk=notification.pk).update(status=Notification.Status.PENDING)
    send_notification.delay(notification.pk)
    assert [m["Message-ID"] for m in smtp_server.messages] == [first_id, first_id]


def test_rows_unsent_at_the_upgrade_learn_their_audience_and_case(operator, kobe):
    """So that a resend after the upgrade also follows a corrected address."""
    case = make_case(operator)
    Notification.objects.all().delete()
    contractor = Contractor.objects.first()
    tobu = kobe["kensetsu-tobu"]

    def old_row(key: str, recipient: str, status: str, last_error: str = "") -> Notification:
        return Notification.objects.create(
            event_key=key,
            kind=Notification.Kind.NEW_CASE,
            recipient=recipient,
            subject="件名",
            body="本文",
            status=status,
            last_error=last_error,
            next_attempt_at=timezone.now(),
        )

    refused = "SMTPRecipientsRefused: {'x@y': (550, b'5.1.1 No such mailbox')}"
    to_department = old_row(
        f"case:{case.pk}:created:1:department", "typo@x.example", "failed", refused
    )
    to_center = old_row(f"case:{case.pk}:reply:2:callcenter", "cc@x.example", "pending")
    to_contractor = old_row(
        f"case:{case.pk}:contractor:3", contractor.email, "failed", "OSError: x"
    )
    reminder = old_row(f"overdue:{tobu.pk}:2026-11-30", "typo@x.example", "sending")
    long_sent = old_row(f"case:{case.pk}:created:4:department", "ok@x.example", "sent")

    migration = importlib.import_module(
        "kobepost.accounts.migrations.0008_notification_audience_and_repair"
    )
    migration.fill_in_unsent_rows(apps_before_the_move(), None)

    rows = {row.pk: row for row in Notification.objects.all()}
    assert (rows[to_department.pk].audience, rows[to_department.pk].audience_id) == (
        "department",
        case.department_id,
    )
    assert rows[to_department.pk].case_id == case.pk
    assert rows[to_department.pk].problem == Notification.Problem.MAILBOX
    assert rows[to_center.pk].audience == "callcenter"
    assert (rows[to_contractor.pk].audience, rows[to_contractor.pk].audience_id) == (
        "contractor",
        contractor.pk,
    )
    assert rows[to_contractor.pk].problem == Notification.Problem.CONNECTION
    assert (rows[reminder.pk].audience, rows[reminder.pk].audience_id) == ("department", tobu.pk)
    assert (rows[long_sent.pk].audience, rows[long_sent.pk].case_id) == ("", None)
