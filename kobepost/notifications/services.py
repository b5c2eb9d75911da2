"""Outbox and notice services: what case code calls, and what the Celery tasks run.

Delivery guarantee (honestly): mail is sent *at least once* per row, and in practice once.

* A row exists only if the causing transaction committed (it is written in that
  transaction); ``transaction.on_commit`` then publishes its id to the broker. If the broker
  is down the publish fails fast and is logged; the periodic relay publishes it later.
* A worker *claims* a row before talking to SMTP: one conditional UPDATE (under a row
  lock) sets ``status=sending``, bumps ``attempts`` and sets a lease. Duplicate task
  messages (relay plus original, broker redelivery after a crash) find the row claimed or
  sent and do nothing, so duplicates in the queue never become duplicate mail.
* A worker that dies mid-conversation leaves the row ``sending``; after the lease
  (``NOTIFICATION_LEASE_SECONDS``) the relay publishes it again and another worker sends
  it. If the crash happened before the SMTP server accepted the message (the usual case:
  most of the time is spent connecting and in the envelope), the mail arrives once.
* The one window that can still duplicate a mail: the SMTP server has answered "250" to
  the end of DATA, and the worker dies (or the database is unreachable) before it records
  ``sent``. SMTP has no two-phase commit, so no design closes this; the window is a
  single database round trip. Every attempt of a row uses the same Message-ID, so a mail
  client or MTA that deduplicates by Message-ID shows it once.
* A lease shorter than a live SMTP conversation would let two workers send the same row;
  the lease default (300 s) is far above EMAIL_TIMEOUT times the conversation's steps.
"""

import hashlib
import logging
import smtplib
from collections.abc import Iterable
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from departments.models import Department
from kobepost.models import Notice, NoticeCursor, Notification, User
from kobepost.notifications.mail import CaseFacts, mail_render

log = logging.getLogger(__name__)

EVENT_KEY_MAX_LENGTH = 200
LAST_ERROR_MAX_LENGTH = 2000
RELAY_BATCH = 500
UNREAD_CAP = 100  # the badge shows "99+" beyond this; counting further costs time
UNREAD_CACHE_SECONDS = 300


# --- Outbox: writing rows -------------------------------------------------------------


def event_key(*parts: object) -> str:
    """A stable key naming one event, e.g. ``event_key("case", 123, "created")``.

    The same event must always give the same key (so a retried request does not mail
    twice) and two events must never share one: for repeated events include what makes
    each unique, e.g. the id of the status-history row.
    """
    key = ":".join(str(part) for part in parts)
    if not key or len(key) > EVENT_KEY_MAX_LENGTH:
        raise ValueError(f"event key must be 1–{EVENT_KEY_MAX_LENGTH} characters: {key!r}")
    return key


def _unique_addresses(recipients: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    addresses = []
    for raw in recipients:
        address = (raw or "").strip()
        if address and address.lower() not in seen:
            seen.add(address.lower())
            addresses.append(address)
    return addresses


def notification_queue(
    *,
    event_key: str,
    kind: str,
    recipients: Iterable[str],
    subject: str,
    body: str,
    link: str = "",
) -> list[Notification]:
    """Write one outbox row per recipient, in the caller's transaction; send after commit.

    Idempotent: an (event_key, recipient) pair that already has a row is left alone, so
    calling this twice for the same event sends one mail per address. Returns the rows
    created by this call. Never raises because of the broker or SMTP.
    """
    if kind not in Notification.Kind.values:
        raise ValueError(f"unknown notification kind: {kind!r}")
    now = timezone.now()
    created: list[Notification] = []
    for address in _unique_addresses(recipients):
        notification, was_created = Notification.objects.get_or_create(
            event_key=event_key,
            recipient=address,
            defaults={
                "kind": kind,
                "subject": subject,
                "body": body,
                "link": link,
                "next_attempt_at": now,
            },
        )
        if was_created:
            created.append(notification)
    if created:
        transaction.on_commit(partial(notification_publish, [n.pk for n in created]), robust=True)
    return created


def notification_queue_case(
    *,
    kind: str,
    event_key: str,
    recipients: Iterable[str],
    facts: CaseFacts,
    link: str,
) -> list[Notification]:
    """``notification_queue`` with subject and body built from the mail templates."""
    subject, body = mail_render(kind, facts, link=link)
    return notification_queue(
        event_key=event_key,
        kind=kind,
        recipients=recipients,
        subject=subject,
        body=body,
        link=link,
    )


def notification_publish(notification_ids: list[int]) -> list[int]:
    """Hand row ids to the broker; returns the ids published.

    Runs after commit, inside the web request: it must not raise or wait long when the
    broker is down (one attempt, short socket timeouts in settings). Unpublished rows
    stay pending and the relay picks them up.
    """
    from kobepost.tasks import send_notification

    published: list[int] = []
    for notification_id in notification_ids:
        try:
            send_notification.apply_async((notification_id,), retry=False)
        except Exception:
            log.warning(
                "notification publish failed, the relay will retry: ids=%s",
                notification_ids[len(published) :],
                exc_info=True,
            )
            break
        published.append(notification_id)
    return published


def notification_resend(*, notification: Notification) -> bool:
    """Put a failed row back in the queue with a fresh retry budget. False if not failed."""
    with transaction.atomic():
        reset = Notification.objects.filter(
            pk=notification.pk, status=Notification.Status.FAILED
        ).update(
            status=Notification.Status.PENDING,
            attempts=0,
            next_attempt_at=timezone.now(),
            lease_expires_at=None,
        )
        if reset:
            transaction.on_commit(partial(notification_publish, [notification.pk]), robust=True)
    return bool(reset)


def notification_relay() -> int:
    """Publish rows that should have been sent by now; returns how many were published.

    Pending rows overdue by NOTIFICATION_RELAY_AFTER_SECONDS (never published, or the
    message was lost) and sending rows whose lease ran out (the worker died).
    """
    now = timezone.now()
    overdue = now - timedelta(seconds=settings.NOTIFICATION_RELAY_AFTER_SECONDS)
    ids = list(
        Notification.objects.filter(
            Q(status=Notification.Status.PENDING, next_attempt_at__lte=overdue)
            | Q(status=Notification.Status.SENDING, lease_expires_at__lte=now)
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:RELAY_BATCH]
    )
    if not ids:
        return 0
    published = notification_publish(ids)
    # Wait another RELAY_AFTER before publishing these again.
    Notification.objects.filter(pk__in=published, status=Notification.Status.PENDING).update(
        next_attempt_at=now
    )
    if published:
        log.info("notification relay published %d rows", len(published))
    return len(published)


# --- Outbox: sending (called by kobepost.tasks) ------------------------------------------


def notification_claim(notification_id: int) -> Notification | None:
    """Take a row for sending, or None if it is sent, failed, or another worker has it."""
    now = timezone.now()
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id)
            .filter(
                Q(status=Notification.Status.PENDING)
                | Q(status=Notification.Status.SENDING, lease_expires_at__lte=now)
            )
            .first()
        )
        if notification is None:
            return None
        notification.status = Notification.Status.SENDING
        notification.attempts += 1
        notification.lease_expires_at = now + timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS)
        notification.save(update_fields=["status", "attempts", "lease_expires_at"])
    return notification


def notification_message_id(notification: Notification) -> str:
    """The same Message-ID for every attempt of one row, unique across installations."""
    digest = hashlib.sha256(
        f"{notification.event_key}\n{notification.recipient}".encode()
    ).hexdigest()[:16]
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "kobepost.invalid"
    return f"<notification.{notification.pk}.{digest}@{domain}>"


def notification_deliver(notification: Notification) -> None:
    """Talk to the SMTP server. Raises smtplib/OSError on failure."""
    message = EmailMessage(
        subject=notification.subject,
        body=notification.body,
        to=[notification.recipient],
        headers={
            "Message-ID": notification_message_id(notification),
            # Out-of-office replies must not answer a notification (RFC 3834).
            "Auto-Submitted": "auto-generated",
        },
    )
    message.send(using="default")


def notification_mark_sent(notification: Notification) -> None:
    # Whoever holds the claim now, the mail went out: record it.
    Notification.objects.filter(pk=notification.pk).exclude(status=Notification.Status.SENT).update(
        status=Notification.Status.SENT,
        sent_at=timezone.now(),
        lease_expires_at=None,
    )


def notification_record_failure(
    notification: Notification, error: BaseException, *, retry_in: float | None
) -> None:
    """Back to pending until ``retry_in`` seconds from now, or failed if None.

    Only while this worker still holds the claim (same attempts count): a worker whose
    lease ran out must not overwrite the state written by the one that took over.
    """
    now = timezone.now()
    text = f"{type(error).__name__}: {error}"[:LAST_ERROR_MAX_LENGTH]
    Notification.objects.filter(
        pk=notification.pk,
        status=Notification.Status.SENDING,
        attempts=notification.attempts,
    ).update(
        status=(Notification.Status.FAILED if retry_in is None else Notification.Status.PENDING),
        last_error=text,
        next_attempt_at=now + timedelta(seconds=retry_in or 0),
        lease_expires_at=None,
    )


def is_permanent_smtp_error(error: BaseException) -> bool:
    """A 5xx answer (unknown mailbox, rejected sender): retrying will not help."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return isinstance(error, ValueError)  # an address Django cannot even encode


# --- In-app notices ---------------------------------------------------------------------


def _audience(user: User) -> tuple[str, Q] | None:
    if user.is_callcenter:
        return "callcenter", Q(to_callcenter=True)
    if user.is_department_staff and user.department_id:
        return f"department:{user.department_id}", Q(department_id=user.department_id)
    return None


def _version_key(audience: str) -> str:
    return f"notices:version:{audience}"


def _unread_key(user: User) -> str:
    return f"notices:unread:{user.pk}"


def _bump_version(audience: str) -> None:
    try:
        try:
            cache.incr(_version_key(audience))
        except ValueError:  # not in the cache (yet, or evicted)
            # An integer (never a float): Redis can only INCR what it stores as an integer,
            # and a fresh start value keeps old per-user counts from matching by accident.
            cache.set(_version_key(audience), int(timezone.now().timestamp() * 1000), None)
    except Exception:
        log.warning("notice cache unavailable; unread counts may lag", exc_info=True)


def notice_post(
    *,
    department: Department | None = None,
    to_callcenter: bool = False,
    title: str,
    link: str = "",
) -> Notice:
    """An in-app notice for one department's staff, or for the whole call center."""
    if (department is None) == (not to_callcenter):
        raise ValueError("a notice goes either to one department or to the call center")
    notice = Notice.objects.create(
        department=department, to_callcenter=to_callcenter, title=title[:200], link=link
    )
    audience = "callcenter" if to_callcenter else f"department:{department.pk}"
    transaction.on_commit(partial(_bump_version, audience), robust=True)
    return notice


def notices_for(user: User):
    audience = _audience(user)
    if audience is None:
        return Notice.objects.none()
    return Notice.objects.filter(audience[1])


def notice_last_seen_id(user: User) -> int:
    cursor = NoticeCursor.objects.filter(user=user).values_list("last_seen_id", flat=True)
    return next(iter(cursor), 0)


def notice_unread_count(user: User) -> int:
    """Unread notices of the user's audience, at most UNREAD_CAP.

    Usually no database query: the count is cached per user together with the audience's
    version, which ``notice_post`` bumps; otherwise one indexed count.
    """
    audience = _audience(user)
    if audience is None:
        return 0
    name, condition = audience
    version = entry = None
    try:
        cached = cache.get_many([_version_key(name), _unread_key(user)])
        version, entry = cached.get(_version_key(name)), cached.get(_unread_key(user))
        if version is None:
            version = int(timezone.now().timestamp() * 1000)  # an integer, so INCR works
            cache.add(_version_key(name), version, None)
    except Exception:
        log.warning("notice cache unavailable", exc_info=True)
    if entry is not None and version is not None and entry[0] == version:
        return entry[1]
    last_seen = Coalesce(
        Subquery(NoticeCursor.objects.filter(user=user).values("last_seen_id")[:1]), 0
    )
    count = Notice.objects.filter(condition, pk__gt=last_seen)[:UNREAD_CAP].count()
    if version is not None:
        try:
            cache.set(_unread_key(user), (version, count), UNREAD_CACHE_SECONDS)
        except Exception:
            log.warning("notice cache unavailable", exc_info=True)
    return count


def notice_mark_read(*, user: User, up_to_id: int) -> None:
    """Everything the user has seen (up to ``up_to_id``) counts as read; never goes back."""
    newest = notices_for(user).order_by("-pk").values_list("pk", flat=True).first() or 0
    up_to_id = min(up_to_id, newest)
    with transaction.atomic():
        cursor, _created = NoticeCursor.objects.select_for_update().get_or_create(user=user)
        if up_to_id > cursor.last_seen_id:
            cursor.last_seen_id = up_to_id
            cursor.save(update_fields=["last_seen_id"])

    def forget_count() -> None:
        try:
            cache.delete(_unread_key(user))
        except Exception:
            log.warning("notice cache unavailable", exc_info=True)

    transaction.on_commit(forget_count, robust=True)
