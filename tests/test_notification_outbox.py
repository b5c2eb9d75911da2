"""The outbox without a worker: rows, idempotence, claims, relay, retries and failure.

Tasks run in-process here (eager); the SMTP tests talk to a real aiosmtpd server.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from kobepost.models import Notification
from kobepost.notifications import event_key, notification_queue
from kobepost.notifications.services import notification_claim, notification_relay

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


@pytest.mark.services
def test_temporary_failures_end_as_failed_after_the_last_attempt(
    db, celery_eager, mail_settings, smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.tempfail(100)
    with django_capture_on_commit_callbacks(execute=True):
        [notification] = queue()
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.attempts == mail_settings.NOTIFICATION_MAX_ATTEMPTS
    assert "451" in notification.last_error
    assert smtp_server.messages == []


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
    assert "550" in notification.last_error


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
    from kobepost.tasks import send_notification

    send_notification.delay(notification.pk)
    assert [m["Message-ID"] for m in smtp_server.messages] == [first_id, first_id]
