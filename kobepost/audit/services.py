"""Writing the audit trail (監査ログ).

The rule (privacy council, section 8): every page, file or export that shows a caller's or
citizen's personal data writes who saw which records' which fields, when and from where.
A view calls ``audit_shown`` once with every record it shows, just before it renders
(``audit_one_shown`` for a single record)::

    from kobepost.audit.services import audit_shown, record_type_of

    audit_shown(
        request,
        record_type=record_type_of(case),     # "tickets.case"
        record_ids=[case.pk],                 # every record on the page
        fields=("caller_name", "caller_phone", "address"),
        action=AuditAction.RECORD_VIEW,       # or RECORD_PRINT, RECORD_EXPORT
    )

One row per record, so "who saw caller X" is one filter on (record_type, record_id) however
the record was reached (its page, a list, a lookup by phone, a file, an export); and one
INSERT per response, so a list of fifty rows costs the same one query as a single case.
A lookup keyed by personal data (the phone-history of the intake, a case search by phone
number) counts as showing the records it finds: it tells who called about what. Exports
stream their rows through ``audit_stream``. tests/test_audit_coverage.py walks every URL
as every role over seeded personal data and fails for a response that shows some without
its row.

Other events (logins, refusals) are single rows: ``audit_record``. The user and the address
come from the request (the address as kobepost.accounts.network.client_ip sees it, so a forged
X-Forwarded-For is never recorded as the truth). No row carries free text from a record:
``detail`` holds fixed labels and ids only.
"""

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import models
from django.db.backends.utils import CursorWrapper
from django.http import HttpRequest

from kobepost.accounts.network import client_ip
from kobepost.audit.models import AuditAction, AuditEvent

PATH_LIMIT = AuditEvent._meta.get_field("path").max_length
USERNAME_LIMIT = AuditEvent._meta.get_field("username").max_length
# Rows written per INSERT by audit_stream: an export of 50,000 cases is 25 inserts.
STREAM_CHUNK = 2000


# Record types name a kind of record in the audit trail for good: rows written years ago are
# searched with the same value as rows written today. These models moved to apps of their own
# (issue 16) and keep the type they were audited under before.
RECORD_TYPE_BEFORE_THE_MOVE = {
    "audit.auditevent": "kobepost.auditevent",
    "notifications.notification": "kobepost.notification",
    "notifications.notice": "kobepost.notice",
    **{
        f"public.{name}": f"kobepost.{name}"
        for name in (
            "citizen",
            "postfollow",
            "postcategory",
            "serviceattribute",
            "post",
            "postphoto",
            "apiclient",
        )
    },
    **{
        f"privacy.{name}": f"tickets.{name}"
        for name in (
            "retentionclass",
            "disposalbatch",
            "disposalitem",
            "legalhold",
            "datarequest",
            "datacorrection",
        )
    },
}


def record_type_of(record: models.Model | type[models.Model]) -> str:
    """The ``record_type`` of a record or model (``"tickets.case"``, ``"kobepost.post"``)."""
    label = record._meta.label_lower
    return RECORD_TYPE_BEFORE_THE_MOVE.get(label, label)


def audit_event(
    *,
    request: HttpRequest | None = None,
    user=None,
    action: AuditAction | str,
    record_type: str = "",
    record_id: str | int = "",
    fields: Iterable[str] = (),
    detail: str = "",
    username: str = "",
) -> AuditEvent:
    """An unsaved row. ``user`` defaults to the request's signed-in user; ``username`` is
    only needed when there is no user row (a failed login with an unknown ID)."""
    if user is None and request is not None:
        request_user = getattr(request, "user", None)
        if request_user is not None and request_user.is_authenticated:
            user = request_user
    if user is not None and not username:
        username = user.get_username()
    return AuditEvent(
        action=AuditAction(action),
        user=user,
        username=username[:USERNAME_LIMIT],
        address=client_ip(request) if request is not None else "",
        path=request.path[:PATH_LIMIT] if request is not None else "",
        record_type=record_type,
        record_id=str(record_id),
        fields=[str(name) for name in fields],
        detail=detail,
    )


def audit_record(**event: Any) -> AuditEvent:
    """Append one row (the keyword arguments of ``audit_event``) and return it."""
    row = audit_event(**event)
    row.save()
    return row


def audit_shown(
    request: HttpRequest,
    *,
    record_type: str,
    record_ids: Iterable[str | int],
    fields: Iterable[str],
    action: AuditAction | str = AuditAction.RECORD_VIEW,
    detail: str = "",
) -> None:
    """One row per record the response shows, in one INSERT (none when it shows none)."""
    fields = tuple(fields)
    rows = [
        audit_event(
            request=request,
            action=action,
            record_type=record_type,
            record_id=record_id,
            fields=fields,
            detail=detail,
        )
        for record_id in dict.fromkeys(record_ids)
    ]
    if rows:
        AuditEvent.objects.bulk_create(rows)


def audit_one_shown(
    request: HttpRequest,
    record: models.Model,
    *,
    fields: Iterable[str],
    action: AuditAction | str = AuditAction.RECORD_VIEW,
    detail: str = "",
) -> None:
    """``audit_shown`` for a page, file or print of one record."""
    audit_shown(
        request,
        record_type=record_type_of(record),
        record_ids=[record.pk],
        fields=fields,
        action=action,
        detail=detail,
    )


def audit_stream[Record: models.Model](
    request: HttpRequest,
    records: Iterable[Record],
    *,
    record_type: str,
    fields: Iterable[str],
    action: AuditAction | str = AuditAction.RECORD_EXPORT,
    detail: str = "",
) -> Iterator[Record]:
    """Pass ``records`` through (a streamed export), writing their rows every
    ``STREAM_CHUNK`` records and at the end: what left the server is what was recorded."""
    fields = tuple(fields)

    def write(ids: list[str | int]) -> None:
        audit_shown(
            request,
            record_type=record_type,
            record_ids=ids,
            fields=fields,
            action=action,
            detail=detail,
        )

    pending: list[str | int] = []
    for record in records:
        pending.append(record.pk)
        if len(pending) >= STREAM_CHUNK:
            write(pending)
            pending = []
        yield record
    write(pending)


AUDIT_DELETE_TRIGGER = "kobepost_auditevent_no_delete"


@contextlib.contextmanager
def sqlite_audit_delete_trigger_lifted(cursor: CursorWrapper) -> Iterator[None]:
    """On SQLite (``make run``) the audit table's DELETE trigger allows no exception: lift
    it for a flush or a retention purge and put it back, unchanged, in the same transaction
    (the caller's). PostgreSQL's trigger knows the purge itself (kobepost migration 0008)."""
    cursor.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s",
        [AUDIT_DELETE_TRIGGER],
    )
    row = cursor.fetchone()
    if row:
        cursor.execute(f"DROP TRIGGER {AUDIT_DELETE_TRIGGER}")
    yield
    if row:
        cursor.execute(row[0])
