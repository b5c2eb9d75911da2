"""Outbox and notice services: what case code calls, and what the Celery tasks run.

Delivery guarantee (honestly): every committed row is mailed *at least once*; a duplicate
needs a crash inside the window described below, and carries the same Message-ID.

* A row exists only if the causing transaction committed (it is written in that
  transaction); ``transaction.on_commit`` then publishes its id to the broker: one attempt,
  at most NOTIFICATION_PUBLISH_TIMEOUT_MS per connect and per answer, one warning line if
  it fails; the periodic relay publishes the row later. Measured with bench/notify_faults.py
  (operator's intake POST): Redis stopped, median 171 ms, max 614 ms; Redis frozen
  (accepts, never answers), 20 s before, about 2 s now, most of it the cache's 0.5 s
  timeouts (settings.CACHES), the publish at most 2 × 0.3 s.
* A worker *claims* a row before talking to SMTP: one conditional UPDATE (under a row
  lock) sets ``status=sending``, bumps ``attempts`` and sets a lease. Duplicate task
  messages (relay plus original, broker redelivery after a crash) find the row claimed or
  sent and do nothing, so duplicates in the queue never become duplicate mail.
* A temporary failure (no connection, a timeout, a 4xx answer) is retried with capped
  exponential backoff and bounded jitter until NOTIFICATION_GIVE_UP_AFTER_SECONDS (a day)
  after the event or the last resend; a permanent one (a 5xx answer such as "no such
  mailbox") fails at once. A failed row is shown to supervisors (a count in the
  navigation, /notifications/failed/) and turns /health/ 503. So an outage of the mail
  server, Redis, the workers or the database shorter than the deadline costs no mail.
* ``notification_resend`` looks the row's audience (the department, contractor, agency or
  the call center's mailbox) up again and sends to the addresses it has *now*, recording
  the old address on the row: correcting the address and resending repairs the mail.
* A worker that dies mid-conversation leaves the row ``sending``; after the lease
  (``NOTIFICATION_LEASE_SECONDS``) the relay publishes it again and another worker sends it.

The duplicate window. It opens when the worker sends the end of DATA (from then on the
mail server may have queued the mail) and closes when the row's ``sent`` commits: the mail
server's time to answer DATA plus one database round trip. A mail is sent twice only if
the worker dies (SIGKILL, out of memory, power) inside it: once per such crash, because
the row stays ``sending`` and is sent again after the lease. Two things keep it that short:

* The worker waits NOTIFICATION_DATA_TIMEOUT_SECONDS (120 s) for the answer to DATA, not
  EMAIL_TIMEOUT (10 s): a slow gateway is waited for instead of being sent the mail again.
* Recording ``sent`` is retried on its own until the database answers (every 2 s at most,
  for up to an hour): a database restart right after the server's "250" costs nothing.
  If the database stays away longer than the lease, another worker could claim the row in
  the seconds between the database's return and this worker's next try: a duplicate.

Measured with bench/notify_faults.py (the fault tests' timings: 5 s EMAIL_TIMEOUT, 15 s
lease), before → after this design: SIGKILL while the server holds DATA, 3 → 3 duplicates
in 3 kills (one per kill, inherent); the same with the server answering after 7 s, 4 → 2 in
2 kills; no crash but a 7 s answer, 2 → 0 in 2 mails; the database cut off between "250"
and ``sent``, 2 → 0 in 2 mails. Nothing was lost in any run. SMTP has no two-phase commit,
so no design closes the window; every attempt of a row uses the same Message-ID, so a mail
client or MTA that deduplicates by Message-ID shows a duplicate once.

A lease shorter than a live SMTP conversation would let two workers send the same row:
the lease (300 s) must exceed the DATA wait plus EMAIL_TIMEOUT for each other step.
"""

import contextlib
import hashlib
import logging
import random
import smtplib
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, transaction
from django.db import connection as db_connection
from django.db.models import Count, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from departments.models import Contractor, Department, RelatedAgency
from kobepost.accounts.models import User
from kobepost.lib.cache import cached_or_computed, failure_text
from kobepost.notifications.mail import CaseFacts, mail_render
from kobepost.notifications.models import Notice, NoticeCursor, Notification

log = logging.getLogger(__name__)

EVENT_KEY_MAX_LENGTH = 200
LAST_ERROR_MAX_LENGTH = 2000
RELAY_BATCH = 500
UNREAD_CAP = 100  # the badge shows "99+" beyond this; counting further costs time
UNREAD_CACHE_SECONDS = 300
# Each retry delay is shortened by up to this fraction, at random: rows that failed
# together (an outage) spread out instead of hitting the returning server at once.
RETRY_JITTER = 0.25
# Recording "sent" across a database outage: first pause, longest pause, how long at most.
SENT_RECORD_FIRST_PAUSE = 0.2
SENT_RECORD_MAX_PAUSE = 2.0
SENT_RECORD_GIVE_UP_SECONDS = 3600
FAILED_COUNT_KEY = "notifications:failed-count"
FAILED_COUNT_CACHE_SECONDS = 60
BULK_RESEND_LIMIT = 500
# Problems that no retry will cure: the row fails at once.
PERMANENT_PROBLEMS = {
    Notification.Problem.MAILBOX,
    Notification.Problem.ADDRESS,
    Notification.Problem.REFUSED,
}


# --- Outbox: whom a mail goes to ----------------------------------------------------------


@dataclass(frozen=True)
class Audience:
    """Whose addresses a mail goes to, kept on the row so a resend can look them up again."""

    kind: str  # a Notification.Audience
    pk: int | None
    addresses: tuple[str, ...]
    name: str = ""  # for messages: the department's or contractor's name

    @classmethod
    def of_department(cls, department: Department) -> "Audience":
        return cls(
            Notification.Audience.DEPARTMENT,
            department.pk,
            tuple(department.email_list),
            department.name,
        )

    @classmethod
    def of_contractor(cls, contractor: Contractor) -> "Audience":
        return cls(
            Notification.Audience.CONTRACTOR, contractor.pk, (contractor.email,), contractor.name
        )

    @classmethod
    def of_agency(cls, agency: RelatedAgency) -> "Audience":
        return cls(Notification.Audience.AGENCY, agency.pk, (agency.email,), agency.name)

    @classmethod
    def callcenter(cls) -> "Audience":
        return cls(
            Notification.Audience.CALLCENTER,
            None,
            (settings.CALLCENTER_MAILBOX,),
            str(Notification.Audience.CALLCENTER.label),
        )

    @classmethod
    def of_addresses(cls, addresses: Iterable[str]) -> "Audience":
        return cls(Notification.Audience.ADDRESS, None, tuple(addresses))


def audience_now(kind: str, pk: int | None) -> Audience | None:
    """The audience as it is today, or None if it cannot be looked up (fixed addresses, or
    a department or contractor deleted since)."""
    models: dict[str, tuple[Any, Callable[[Any], Audience]]] = {
        Notification.Audience.DEPARTMENT: (Department, Audience.of_department),
        Notification.Audience.CONTRACTOR: (Contractor, Audience.of_contractor),
        Notification.Audience.AGENCY: (RelatedAgency, Audience.of_agency),
    }
    if kind == Notification.Audience.CALLCENTER:
        return Audience.callcenter()
    if kind not in models or pk is None:
        return None
    model, make = models[kind]
    found = model.objects.filter(pk=pk).first()
    return make(found) if found is not None else None


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
    audience: Audience | None = None,
    recipients: Iterable[str] = (),
    case=None,
    subject: str,
    body: str,
    link: str = "",
) -> list[Notification]:
    """Write one outbox row per address, in the caller's transaction; send after commit.

    ``audience`` (e.g. ``Audience.of_department(department)``) names whose addresses these
    are, so a resend can follow a corrected address; plain ``recipients`` stay as given.
    ``case``: the case the mail is about, linked from the failed-mail page.

    Idempotent: an (event_key, recipient) pair that already has a row is left alone, so
    calling this twice for the same event sends one mail per address. Returns the rows
    created by this call. Never raises because of the broker or SMTP.
    """
    if kind not in Notification.Kind.values:
        raise ValueError(f"unknown notification kind: {kind!r}")
    if audience is None:
        audience = Audience.of_addresses(recipients)
    elif recipients:
        raise ValueError("give an audience or recipients, not both")
    now = timezone.now()
    created: list[Notification] = []
    for address in _unique_addresses(audience.addresses):
        notification, was_created = Notification.objects.get_or_create(
            event_key=event_key,
            recipient=address,
            defaults={
                "kind": kind,
                "audience": audience.kind,
                "audience_id": audience.pk,
                "case": case,
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
    audience: Audience | None = None,
    recipients: Iterable[str] = (),
    case=None,
    facts: CaseFacts,
    link: str,
) -> list[Notification]:
    """``notification_queue`` with subject and body built from the mail templates."""
    subject, body = mail_render(kind, facts, link=link)
    return notification_queue(
        event_key=event_key,
        kind=kind,
        audience=audience,
        recipients=recipients,
        case=case,
        subject=subject,
        body=body,
        link=link,
    )


def notification_publish(
    notification_ids: list[int], *, countdown: float | None = None
) -> list[int]:
    """Hand row ids to the broker (to be sent ``countdown`` seconds from now); returns the
    ids published.

    Runs after commit, inside the web request: its own connection with short timeouts and
    no retries (not the worker's broker options), one warning line if the broker is down
    or hung. Unpublished rows stay pending and the relay picks them up.
    """
    from kobepost.celery import app
    from kobepost.notifications.tasks import send_notification

    timeout = settings.NOTIFICATION_PUBLISH_TIMEOUT_MS / 1000
    published: list[int] = []
    try:
        with app.connection_for_write(
            connect_timeout=timeout,
            transport_options={
                "max_retries": 0,
                "socket_connect_timeout": timeout,
                "socket_timeout": timeout,
            },
        ) as connection:
            for notification_id in notification_ids:
                # celery-types knows neither connection= nor countdown=None; Celery takes both.
                send_notification.apply_async(  # type: ignore[call-arg]
                    (notification_id,),
                    countdown=countdown,  # type: ignore[arg-type]
                    retry=False,
                    connection=connection,
                )
                published.append(notification_id)
    except Exception as error:  # whatever the broker did, the row is safe in the outbox
        log.warning(
            "notification publish failed, the relay will send ids %s: %s",
            notification_ids[len(published) :],
            failure_text(error),
        )
    return published


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


# --- Outbox: failed rows and resending ---------------------------------------------------


def failed_notifications(
    *,
    recipient: str = "",
    created_from: date | None = None,
    created_to: date | None = None,
) -> QuerySet[Notification]:
    """Failed rows, optionally of one recipient address and of a period (local dates)."""
    rows = Notification.objects.filter(status=Notification.Status.FAILED)
    if recipient:
        rows = rows.filter(recipient__iexact=recipient)
    if created_from:
        rows = rows.filter(created_at__date__gte=created_from)
    if created_to:
        rows = rows.filter(created_at__date__lte=created_to)
    return rows


def failed_recipients() -> list[tuple[str, int]]:
    """Each address that has failed rows, with how many: the choices of the resend filter."""
    rows = (
        failed_notifications()
        .values_list("recipient")
        .annotate(count=Count("pk"))
        .order_by("recipient")
    )
    return [(recipient, count) for recipient, count in rows]


def notification_failed_count() -> int:
    """Failed rows, for the supervisors' navigation: cached, forgotten on every change."""
    return cached_or_computed(
        FAILED_COUNT_KEY,
        lambda: failed_notifications().count(),
        seconds=FAILED_COUNT_CACHE_SECONDS,
    )


def _forget_failed_count() -> None:
    try:
        cache.delete(FAILED_COUNT_KEY)
    except Exception as error:
        log.warning("cache unavailable, failed-mail count may lag: %s", failure_text(error))


@dataclass
class Resend:
    """What one resend did: where the event's mail goes now."""

    notification: Notification
    addresses: list[str] = field(default_factory=list)  # this row's and any new rows'
    redirected_from: str = ""  # the row's old address, when it now goes elsewhere
    superseded: bool = False  # every current address already had a row of this event
    no_address: bool = False  # the audience has no address at all: nothing was resent
    audience_name: str = ""


def notification_resend(*, notification: Notification, user: User | None = None) -> Resend | None:
    """Send a failed row again, to the addresses its audience has now. None if not failed.

    The row keeps its id and Message-ID stem; its address changes when the old one is no
    longer the audience's (the old one is kept in ``previous_recipients``), and current
    addresses that never had a row of this event get one. The retry deadline starts again.
    """
    with transaction.atomic():
        # Every row of the event, locked: two resends of one event must not both add rows.
        rows = list(
            Notification.objects.select_for_update()
            .filter(event_key=notification.event_key)
            .order_by("pk")
        )
        row = next((r for r in rows if r.pk == notification.pk), None)
        if row is None or row.status != Notification.Status.FAILED:
            return None
        audience = audience_now(row.audience, row.audience_id)
        current = _unique_addresses(audience.addresses) if audience else [row.recipient]
        result = Resend(notification=row, audience_name=audience.name if audience else "")
        if not current:
            result.no_address = True
            return result
        taken = {other.recipient.lower() for other in rows if other.pk != row.pk}
        fresh = [address for address in current if address.lower() not in taken]
        now = timezone.now()
        row.resent_at, row.resent_by = now, user
        if not fresh:
            row.status = Notification.Status.SUPERSEDED
            row.save(update_fields=["status", "resent_at", "resent_by"])
            result.superseded = True
            transaction.on_commit(_forget_failed_count, robust=True)
            return result
        if row.recipient.lower() not in {address.lower() for address in fresh}:
            result.redirected_from = row.recipient
            row.previous_recipients = "\n".join(
                filter(None, [row.previous_recipients, row.recipient])
            )
            row.recipient = fresh[0]
        row.status = Notification.Status.PENDING
        row.next_attempt_at = now
        row.lease_expires_at = None
        try:
            with transaction.atomic():
                row.save(
                    update_fields=[
                        "recipient",
                        "previous_recipients",
                        "status",
                        "next_attempt_at",
                        "lease_expires_at",
                        "resent_at",
                        "resent_by",
                    ]
                )
        except IntegrityError:
            # A resend of another row of this event took the address a moment ago.
            return None
        to_publish = [row.pk]
        for address in fresh:
            if address.lower() == row.recipient.lower():
                continue
            extra, created = Notification.objects.get_or_create(
                event_key=row.event_key,
                recipient=address,
                defaults={
                    field_name: getattr(row, field_name)
                    for field_name in (
                        "kind",
                        "audience",
                        "audience_id",
                        "case_id",
                        "subject",
                        "body",
                        "link",
                        "resent_at",
                        "resent_by_id",
                    )
                }
                | {"next_attempt_at": now},
            )
            if created:
                to_publish.append(extra.pk)
        result.addresses = [
            row.recipient,
            *(a for a in fresh if a.lower() != row.recipient.lower()),
        ]
        transaction.on_commit(partial(notification_publish, to_publish), robust=True)
        transaction.on_commit(_forget_failed_count, robust=True)
    return result


@dataclass
class BulkResend:
    resent: int = 0
    redirected: int = 0
    superseded: int = 0
    no_address: int = 0
    remaining: int = 0  # failed rows of the selection beyond BULK_RESEND_LIMIT


def notification_resend_failed(
    *, rows: QuerySet[Notification], user: User | None = None
) -> BulkResend:
    """Resend every failed row of ``rows`` (e.g. ``failed_notifications(recipient=...)``),
    oldest first, at most BULK_RESEND_LIMIT per call; each row as ``notification_resend``."""
    pending = list(rows.filter(status=Notification.Status.FAILED).order_by("pk"))
    result = BulkResend(remaining=max(0, len(pending) - BULK_RESEND_LIMIT))
    for notification in pending[:BULK_RESEND_LIMIT]:
        done = notification_resend(notification=notification, user=user)
        if done is None:
            continue  # resent meanwhile (another supervisor, another tab)
        if done.no_address:
            result.no_address += 1
        elif done.superseded:
            result.superseded += 1
        else:
            result.resent += 1
            result.redirected += bool(done.redirected_from)
    return result


# --- Outbox: sending (called by kobepost.notifications.tasks) --------------------------


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


def notification_exists(notification_id: int) -> bool:
    return Notification.objects.filter(pk=notification_id).exists()


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


def _reconnect_later() -> None:
    # The next query opens a new connection (the old one died with the server).
    with contextlib.suppress(DatabaseError):
        db_connection.close()


def notification_mark_sent(
    notification: Notification, *, pause: Callable[[float], None] = time.sleep
) -> bool:
    """Record that the mail server accepted the mail; False only if the database stayed
    unreachable for SENT_RECORD_GIVE_UP_SECONDS.

    Retried on its own, not by sending again: the mail is out, and a database restart
    at this moment must not make the relay send it a second time.
    """
    accepted_at = timezone.now()
    started = time.monotonic()
    wait = SENT_RECORD_FIRST_PAUSE
    failures = 0
    while True:
        try:
            # Whoever holds the claim now, the mail went out: record it.
            Notification.objects.filter(pk=notification.pk).exclude(
                status=Notification.Status.SENT
            ).update(
                status=Notification.Status.SENT,
                sent_at=accepted_at,
                lease_expires_at=None,
            )
        except (OperationalError, InterfaceError) as error:
            if db_connection.in_atomic_block:
                raise  # a caller's transaction is lost anyway; nothing to retry here
            failures += 1
            _reconnect_later()
            if failures == 1:
                log.warning(
                    "notification %s was accepted by the mail server but recording it as sent"
                    " failed; retrying until the database answers: %s",
                    notification.pk,
                    failure_text(error),
                )
            if time.monotonic() - started > SENT_RECORD_GIVE_UP_SECONDS:
                log.error(
                    "notification %s: 'sent' not recorded after %d s; it will be sent again",
                    notification.pk,
                    SENT_RECORD_GIVE_UP_SECONDS,
                )
                return False
            pause(wait)
            wait = min(wait * 2, SENT_RECORD_MAX_PAUSE)
            continue
        if failures:
            log.warning(
                "notification %s recorded as sent after %d failed tries (%.0f s)",
                notification.pk,
                failures,
                time.monotonic() - started,
            )
        return True


def notification_problem(error: BaseException) -> str:
    """What went wrong, as a ``Notification.Problem`` a supervisor can act on."""
    if isinstance(error, ValueError):
        return Notification.Problem.ADDRESS  # an address Django cannot even encode
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        if codes and all(code >= 500 for code in codes):
            return Notification.Problem.MAILBOX
        return Notification.Problem.BUSY
    if isinstance(error, smtplib.SMTPResponseException):
        return Notification.Problem.REFUSED if error.smtp_code >= 500 else Notification.Problem.BUSY
    if isinstance(error, (TimeoutError, socket.timeout)):
        return Notification.Problem.TIMEOUT
    if isinstance(error, (OSError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError)):
        return Notification.Problem.CONNECTION
    return Notification.Problem.OTHER


def notification_give_up_at(notification: Notification) -> datetime:
    """Temporary failures are retried until then: a deadline after the event or resend."""
    start = notification.resent_at or notification.created_at
    return start + timedelta(seconds=settings.NOTIFICATION_GIVE_UP_AFTER_SECONDS)


def retry_delay(attempt: int) -> float:
    """Seconds before the next attempt after ``attempt`` failed ones: doubling, capped,
    shortened by up to RETRY_JITTER at random (never longer than the cap)."""
    doubled = settings.NOTIFICATION_RETRY_BACKOFF * 2 ** min(max(attempt - 1, 0), 30)
    capped = min(doubled, settings.NOTIFICATION_RETRY_BACKOFF_MAX)
    return capped * random.uniform(1 - RETRY_JITTER, 1)  # noqa: S311  # nosec B311 - spreading, not secrecy


def notification_record_failure(notification: Notification, error: BaseException) -> float | None:
    """Back to pending for another try (returns the seconds until it), or failed (None):
    at once for a permanent problem, otherwise once the retry deadline has passed.

    Only while this worker still holds the claim (same attempts count): a worker whose
    lease ran out must not overwrite the state written by the one that took over.
    """
    now = timezone.now()
    problem = notification_problem(error)
    left = (notification_give_up_at(notification) - now).total_seconds()
    retry_in = None
    if problem not in PERMANENT_PROBLEMS and left > 0:
        retry_in = min(retry_delay(notification.attempts), left)
    updated = Notification.objects.filter(
        pk=notification.pk,
        status=Notification.Status.SENDING,
        attempts=notification.attempts,
    ).update(
        status=(Notification.Status.FAILED if retry_in is None else Notification.Status.PENDING),
        problem=problem,
        last_error=failure_text(error)[:LAST_ERROR_MAX_LENGTH],
        next_attempt_at=now + timedelta(seconds=retry_in or 0),
        lease_expires_at=None,
    )
    if updated and retry_in is None:
        _forget_failed_count()
    return retry_in


def notification_problem_text(notification: Notification) -> str:
    """The last error in plain Japanese (the raw text stays in ``last_error``)."""
    from django.utils.translation import gettext as _

    if not notification.problem:
        return ""
    text = str(Notification.Problem(notification.problem).label)
    if notification.status == Notification.Status.FAILED and (
        notification.problem not in PERMANENT_PROBLEMS
    ):
        hours = settings.NOTIFICATION_GIVE_UP_AFTER_SECONDS / 3600
        text += _("（%(hours)s 時間再試行しても送信できませんでした）") % {"hours": f"{hours:g}"}
    return text


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
    except Exception as error:
        log.warning("notice cache unavailable, unread counts may lag: %s", failure_text(error))


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
    audience = "callcenter" if department is None else f"department:{department.pk}"
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
    except Exception as error:
        log.warning("notice cache unavailable: %s", failure_text(error))
    if entry is not None and version is not None and entry[0] == version:
        return entry[1]
    last_seen = Coalesce(
        Subquery(NoticeCursor.objects.filter(user=user).values("last_seen_id")[:1]), 0
    )
    count = Notice.objects.filter(condition, pk__gt=last_seen)[:UNREAD_CAP].count()
    if version is not None:
        try:
            cache.set(_unread_key(user), (version, count), UNREAD_CACHE_SECONDS)
        except Exception as error:
            log.warning("notice cache unavailable: %s", failure_text(error))
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
        except Exception as error:
            log.warning("notice cache unavailable: %s", failure_text(error))

    transaction.on_commit(forget_count, robust=True)
