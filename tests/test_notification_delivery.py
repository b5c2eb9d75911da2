"""Notification mail through the real parts: PostgreSQL, Redis, a Celery worker, SMTP.

Each test asserts on what the SMTP server received. "Exactly once" is checked by sending a
later notification as a marker: the solo worker handles tasks in order, so once the marker
arrived every earlier task (including duplicates) has been handled.
"""

import pytest
from django.conf import settings
from django.db import transaction

from kobepost.notifications.mail import CaseFacts
from kobepost.notifications.models import Notification
from kobepost.notifications.services import event_key, notification_queue_case
from kobepost.notifications.tasks import send_notification
from tests.services import wait_until

pytestmark = pytest.mark.services

FACTS = CaseFacts(
    reference="R8-000123",
    category="道路の陥没",
    ward="東灘区",
    title="歩道の段差",
    department="東部建設事務所",
)
PERSONAL_DATA = ["山田", "090-1234-5678", "持病"]  # what a caller might have told us


def queue(number: int, recipients=("road@tobu.example",)) -> list[Notification]:
    with transaction.atomic():
        return notification_queue_case(
            kind=Notification.Kind.NEW_CASE,
            event_key=event_key("case", number, "created"),
            recipients=list(recipients),
            facts=FACTS,
            link=f"/cases/{number}/",
        )


def assert_exactly_once(smtp_server, address: str, marker_number: int) -> None:
    marker = "marker@tobu.example"
    queue(marker_number, [marker])
    wait_until(lambda: smtp_server.messages_to(marker), what="the marker mail")
    assert len(smtp_server.messages_to(address)) == 1


def row(notification: Notification) -> Notification:
    return Notification.objects.get(pk=notification.pk)


def test_committed_notification_is_mailed_once_in_japanese(celery_worker, smtp_server):
    [notification] = queue(1, ["road@tobu.example", "ROAD@tobu.example", "chief@tobu.example"])[:1]

    smtp_server.wait_for_messages(2)
    message = smtp_server.messages_to("road@tobu.example")[0]
    assert message["Subject"] == "【KOBE ぽすと】新しい案件 R8-000123 道路の陥没（東灘区）"
    assert message["Message-ID"].startswith(f"<notification.{notification.pk}.")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    body = message.get_content()
    for expected in ["受付番号: R8-000123", "分類: 道路の陥没", "区: 東灘区"]:
        assert expected in body
    assert f"{settings.SITE_URL}/cases/1/" in body
    assert not any(word in body for word in PERSONAL_DATA)

    wait_until(lambda: row(notification).status == Notification.Status.SENT, what="sent")
    sent = row(notification)
    assert sent.attempts == 1
    assert sent.sent_at is not None
    assert_exactly_once(smtp_server, "chief@tobu.example", 2)


def test_rolled_back_event_sends_nothing(celery_worker, smtp_server):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue(10, ["rolled-back@tobu.example"])
        raise RuntimeError("the case could not be saved")

    assert not Notification.objects.filter(recipient="rolled-back@tobu.example").exists()
    queue(11, ["marker@tobu.example"])
    smtp_server.wait_for_messages(1)
    assert [str(m["To"]) for m in smtp_server.messages] == ["marker@tobu.example"]


def test_broker_down_at_commit_then_relay_delivers_once(celery_worker, redis_server, smtp_server):
    redis_server.stop()
    # The commit (the case save) succeeds with the broker down; the row waits in the outbox.
    [notification] = queue(20, ["broker-down@tobu.example"])
    assert row(notification).status == Notification.Status.PENDING

    redis_server.start()
    smtp_server.wait_for_messages(1)
    wait_until(lambda: row(notification).status == Notification.Status.SENT, what="sent")
    assert_exactly_once(smtp_server, "broker-down@tobu.example", 21)


def test_smtp_refusing_connections_is_retried_until_delivered(celery_worker, smtp_server):
    smtp_server.refuse_connections()
    [notification] = queue(30, ["smtp-down@tobu.example"])
    wait_until(lambda: row(notification).attempts >= 2, what="two failed attempts")
    failed_attempt = row(notification)
    assert failed_attempt.status in {Notification.Status.PENDING, Notification.Status.SENDING}
    assert "Connection refused" in failed_attempt.last_error

    smtp_server.accept_connections()
    smtp_server.wait_for_messages(1)
    wait_until(lambda: row(notification).status == Notification.Status.SENT, what="sent")
    assert_exactly_once(smtp_server, "smtp-down@tobu.example", 31)


def test_temporary_smtp_answer_is_retried(celery_worker, smtp_server):
    smtp_server.tempfail(2)
    [notification] = queue(40, ["busy@tobu.example"])
    smtp_server.wait_for_messages(1)
    wait_until(lambda: row(notification).status == Notification.Status.SENT, what="sent")
    sent = row(notification)
    assert sent.attempts == 3
    assert "451" in sent.last_error  # kept after success: why it took three attempts
    assert_exactly_once(smtp_server, "busy@tobu.example", 41)


def test_worker_killed_mid_conversation_mail_arrives_once(celery_worker, smtp_server):
    smtp_server.stall_at_rcpt()
    [notification] = queue(50, ["crash@tobu.example"])
    assert smtp_server.stalled.wait(30), "the worker never reached RCPT"
    assert row(notification).status == Notification.Status.SENDING

    celery_worker.kill()
    smtp_server.release()
    assert smtp_server.messages == []  # the conversation died before DATA

    # Restarted, the worker (its beat relay) finds the row's lease run out and sends it.
    celery_worker.start()
    smtp_server.wait_for_messages(1)
    wait_until(lambda: row(notification).status == Notification.Status.SENT, what="sent")
    assert row(notification).attempts == 2

    # The killed worker's own task message may be delivered again by the broker later;
    # handling it again must not send a second mail.
    result = send_notification.delay(notification.pk)
    celery_worker.wait_for_log(rf"{result.id}\] succeeded in [0-9.]+s: 'skipped'")
    assert_exactly_once(smtp_server, "crash@tobu.example", 51)
