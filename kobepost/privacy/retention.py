"""Retention periods and the disposal of personal data (保存期間と廃棄).

The period starts on April 1 of the fiscal year after the record was closed (完結), as the
city's document rules count it: closed on 2026-03-31 with 3 years → kept until 2029-03-31;
closed on 2026-04-01 → until 2030-03-31.

Every store that keeps personal data is disposed of under a retention class (RetentionClass)
an administrator assigns, found by one rule for all of them: CLASS_PATHS names, per store,
where its class comes from (the first path that is set wins). A record none of whose paths
leads to a class is kept, and said to be kept (see UNCLASSIFIED below):

* Cases, under the class of their category, else of their dial. The row stays for the
  statistics; erased are the caller, every text (the title too), the timeline's notes, the
  corrections, the search columns built from them, the attachments (rows and files), and
  the outbox mail and in-app notices about the case.
* KOBE ぽすと posts once finished (done without a case, or their case closed: the stored
  status follows the case, ``linked_post_status``) or rejected (duplicates too), under the
  class of their post category, else of its ticket category or that one's dial, else of
  the linked case. Texts, place and poster are erased, the photos deleted (a blurred
  photo's original with its blurred copy).
* Citizen accounts with no live post, unused for CITIZEN_IDLE_YEARS: deleted as if the
  citizen had deleted them (``citizen_delete``: their posts stay, anonymous).
* Notes of logged FAQ calls, under the class of the call's dial: the note is blanked, the
  call stays for the statistics.
* Callers' numbers in the call journal (kobepost.cti). A call that became a case, or was
  added to one, is part of that case's file: its number is erased with the case, in the
  same approved batch, never before (so a hold on the case holds it too). Any other call
  follows the class of its dial, counted from the call's end. The number is erased, the
  call stays for the statistics.

The audit trail is not disposed of with the records it names (its rows are kept apart, under
the audit trail's own period): a row holds only the record's type and id, the names of the
fields shown and the path, never the record's text (kobepost.audit.services).

A daily job lists expired records into the one pending ``DisposalBatch``; nothing is erased
until an administrator approves it. Records under a legal hold or an open data request are
skipped, both when listing and again when approving. The batch and its items are the
disposal record: what, when, by whom, under which class, and no personal data.
"""

import contextlib
import datetime
import logging
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import cast

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from departments.models import attachment_folder
from faq.models import SimpleCall
from kobepost.accounts.models import User
from kobepost.audit.models import AuditAction, AuditEvent
from kobepost.audit.services import sqlite_audit_delete_trigger_lifted
from kobepost.cti.models import Call
from kobepost.lib.jp_calendar import fiscal_year_of, fiscal_year_of_date
from kobepost.notifications.models import Notice, Notification
from kobepost.notifications.services import event_key
from kobepost.privacy.models import (
    DataCorrection,
    DisposalBatch,
    DisposalItem,
    LegalHold,
    RetentionClass,
)
from kobepost.public.models import Citizen, Post, PostPhoto
from kobepost.public.services import citizen_delete
from tickets.counted_months import case_counts_changed
from tickets.models import Case, CaseEvent, IntakeToken
from tickets.services import callcenter_case_path, department_case_path

log = logging.getLogger(__name__)

# A citizen account with no live post is kept this long after its last sign-in.
CITIZEN_IDLE_YEARS = 3
CITIZEN_RULE = f"最終利用から{CITIZEN_IDLE_YEARS}年"
# Intake forms opened but never saved leave a token row; a day is plenty for a resubmit.
INTAKE_TOKEN_MAX_AGE = datetime.timedelta(days=1)
# What a disposed case is called from then on (the title often names the caller).
DISPOSED_TITLE = "（廃棄済み）"
# The one rule of where a record's retention class comes from: per store, the paths to a
# class, most specific first; the first that is set is the class the record is kept under.
CLASS_PATHS: dict[type[models.Model], tuple[str, ...]] = {
    Case: ("category__retention_class", "dial__retention_class"),
    Post: (
        "category__retention_class",
        "category__ticket_category__retention_class",
        "category__ticket_category__dial__retention_class",
        "case__category__retention_class",
        "case__dial__retention_class",
    ),
    SimpleCall: ("dial__retention_class",),
    # Only calls not part of a case's file (calls_on_their_own): the others go with the case.
    Call: ("dial__retention_class",),
}
# UNCLASSIFIED - a record with no class on any of its paths is kept, never listed. Disposal
# cannot be undone, and how long a public record is kept is the city's decision under its
# document rules (文書管理規則), taken by assigning a class: a period guessed by the code (the
# shortest class, say) could erase a record years before its true period ends, while a
# record kept too long is put right as soon as it gets a class. It is not kept silently:
# ``unclassified_counts`` counts such records per store, the daily job logs the counts and
# the disposal list in the admin shows them, until an administrator gives the dial or the
# category a class (for calls with no dial at all: the PBX must send the dial called).

# Reference numbers as mail lists them (2026-000123), not inside a longer number.
REFERENCE_IN_TEXT = re.compile(r"(?<!\d)\d{4}-\d{6,}(?!\d)")
CHUNK = 1000


def retention_expires_on(closed_at: datetime.datetime, years: int) -> datetime.date:
    """Last day the record is kept: March 31 ``years`` fiscal years after the closing one."""
    return datetime.date(fiscal_year_of(closed_at) + 1 + years, 3, 31)


def retention_cutoff(years: int, today: datetime.date) -> datetime.datetime:
    """Records closed before this moment have expired on ``today``."""
    return datetime.datetime(
        fiscal_year_of_date(today) - years, 4, 1, tzinfo=timezone.get_current_timezone()
    )


def retention_classes() -> dict[int, RetentionClass]:
    return {retention_class.pk: retention_class for retention_class in RetentionClass.objects.all()}


def kept_under(model: type[models.Model]) -> Coalesce:
    """The id of the class a record of ``model`` is kept under (CLASS_PATHS); NULL for none."""
    paths = CLASS_PATHS[model]
    if len(paths) == 1:  # Coalesce wants two expressions at least
        return Coalesce(paths[0], models.Value(None), output_field=models.BigIntegerField())
    return Coalesce(*paths, output_field=models.BigIntegerField())


def unclassified(model: type[models.Model]) -> Q:
    """Records of ``model`` none of whose paths leads to a class (kept: see UNCLASSIFIED)."""
    return Q(**{f"{path}__isnull": True for path in CLASS_PATHS[model]})


def _expiry_filter(field: str, today: datetime.date, classes: dict[int, RetentionClass]) -> Q:
    condition = Q(pk__in=[])
    for retention_class in classes.values():
        cutoff = retention_cutoff(retention_class.years, today)
        condition |= Q(kept_under=retention_class.pk, **{f"{field}__lt": cutoff})
    return condition


def _active_hold(**record) -> Exists:
    return Exists(LegalHold.objects.filter(released_at__isnull=True, **record))


def _disposed(kind: str) -> QuerySet[DisposalItem]:
    return DisposalItem.objects.filter(kind=kind, outcome=DisposalItem.Outcome.DISPOSED)


def expired_cases(
    today: datetime.date, classes: dict[int, RetentionClass] | None = None
) -> QuerySet[Case]:
    classes = retention_classes() if classes is None else classes
    closed_event = CaseEvent.objects.filter(
        case=OuterRef("pk"), to_status=Case.Status.CLOSED
    ).order_by("-at")
    return (
        Case.objects.filter(status=Case.Status.CLOSED, disposed_at__isnull=True)
        .annotate(
            closed_at=Coalesce(Subquery(closed_event.values("at")[:1]), "updated_at"),
            kept_under=kept_under(Case),
        )
        .exclude(_active_hold(case=OuterRef("pk")))
        .filter(_expiry_filter("closed_at", today, classes))
        .only("pk", "reference")
        .order_by("pk")
    )


def finished_posts() -> Q:
    """Posts nobody works on any more: rejected or duplicates, done without a case, or
    linked to a case that is closed."""
    done = Q(status=Post.Status.DONE) & (Q(case__isnull=True) | Q(case__status=Case.Status.CLOSED))
    return ~Q(rejection="") | done


def expired_posts(
    today: datetime.date, classes: dict[int, RetentionClass] | None = None
) -> QuerySet[Post]:
    """Finished or rejected posts past the retention of their class."""
    classes = retention_classes() if classes is None else classes
    return (
        Post.objects.filter(finished_posts())
        .annotate(kept_under=kept_under(Post))
        .exclude(_active_hold(post=OuterRef("pk")))
        .exclude(pk__in=_disposed(DisposalItem.Kind.POST).values("record_id"))
        .filter(_expiry_filter("updated_at", today, classes))
        .only("pk", "updated_at")
        .order_by("pk")
    )


def unneeded_citizens(today: datetime.date) -> QuerySet[Citizen]:
    """Accounts with no live post that nobody used for CITIZEN_IDLE_YEARS."""
    idle_since = datetime.datetime(
        today.year - CITIZEN_IDLE_YEARS,
        today.month,
        min(today.day, 28),
        tzinfo=timezone.get_current_timezone(),
    )
    live_post = Post.objects.filter(citizen=OuterRef("pk")).exclude(finished_posts())
    return (
        Citizen.objects.annotate(last_used=Coalesce("last_login", "created_at"))
        .filter(last_used__lt=idle_since)
        .exclude(Exists(live_post))
        .exclude(_active_hold(citizen=OuterRef("pk")))
        .only("pk")
        .order_by("pk")
    )


def expired_call_notes(
    today: datetime.date, classes: dict[int, RetentionClass] | None = None
) -> QuerySet[SimpleCall]:
    """Logged FAQ calls whose free-text note is past the retention of their dial."""
    classes = retention_classes() if classes is None else classes
    return (
        SimpleCall.objects.exclude(note="")
        .annotate(kept_under=kept_under(SimpleCall))
        .filter(_expiry_filter("created_at", today, classes))
    )


def calls_on_their_own() -> QuerySet[Call]:
    """Journal rows still holding a number that are no part of a case's file: never linked
    to a case, or their case already disposed of (its number erased before calls went with
    their case, or the call linked after). The others are erased with their case."""
    return (
        Call.objects.filter(number_purged_at__isnull=True)
        .exclude(caller_phone="")
        .filter(Q(case__isnull=True) | Q(case__disposed_at__isnull=False))
    )


def expired_call_numbers(
    today: datetime.date, classes: dict[int, RetentionClass] | None = None
) -> QuerySet[Call]:
    """Journal rows whose caller's number is past its retention (see the module's list)."""
    classes = retention_classes() if classes is None else classes
    return (
        calls_on_their_own()
        .annotate(kept_under=kept_under(Call), done_at=Coalesce("ended_at", "started_at"))
        .exclude(_active_hold(case=OuterRef("case_id")))
        .exclude(_active_hold(call=OuterRef("pk")))
        # started_at is never after done_at: the same cutoff on it lets the daily job read
        # the kept numbers' index (cti_call_number_kept_idx) instead of the whole journal.
        .filter(_expiry_filter("started_at", today, classes))
        .filter(_expiry_filter("done_at", today, classes))
    )


def unclassified_counts() -> dict[str, int]:
    """How many records each store keeps only because they have no class (UNCLASSIFIED),
    by the store's name; stores with none are left out. Counts only, no personal data."""
    stores = {
        DisposalItem.Kind.CASE: Case.objects.filter(
            status=Case.Status.CLOSED, disposed_at__isnull=True
        ).filter(unclassified(Case)),
        DisposalItem.Kind.POST: Post.objects.filter(finished_posts())
        .exclude(pk__in=_disposed(DisposalItem.Kind.POST).values("record_id"))
        .filter(unclassified(Post)),
        DisposalItem.Kind.CALL_NOTES: SimpleCall.objects.exclude(note="").filter(
            unclassified(SimpleCall)
        ),
        DisposalItem.Kind.CALL_NUMBERS: calls_on_their_own().filter(unclassified(Call)),
    }
    # One query for all stores (the admin reads it on every visit to the disposal list): each
    # store's count is one row of a UNION, tagged with the store's kind.
    first, *others = (
        records.order_by().annotate(store=Value(kind.value)).values("store").annotate(n=Count("pk"))
        for kind, records in stores.items()
    )
    counts = {row["store"]: row["n"] for row in first.union(*others, all=True).order_by()}
    return {str(kind.label): counts[kind.value] for kind in stores if counts.get(kind.value, 0)}


# A call without a dial is listed under this record id (no dial has it).
NO_DIAL = 0


@dataclass(frozen=True)
class Candidate:
    kind: str
    record_id: int
    label: str
    expired_on: datetime.date | None
    retention_class: str


def _per_dial(
    kind: str, expired: QuerySet, moment: str, classes: dict[int, RetentionClass]
) -> list[Candidate]:
    """One item per dial for records that nothing else names (call notes, callers' numbers):
    the dial's name, its class, the expiry of its latest record."""
    rows = (
        expired.values("dial", "dial__name", "kept_under")
        .annotate(last=Max(moment))
        .order_by("dial")
    )
    label_length = DisposalItem._meta.get_field("label").max_length
    return [
        Candidate(
            kind,
            row["dial"] or NO_DIAL,
            (row["dial__name"] or "ダイヤル不明")[:label_length],
            retention_expires_on(row["last"], classes[row["kept_under"]].years),
            str(classes[row["kept_under"]]),
        )
        for row in rows
    ]


def disposal_candidates(
    today: datetime.date, classes: dict[int, RetentionClass] | None = None
) -> list[Candidate]:
    classes = retention_classes() if classes is None else classes
    candidates = [
        Candidate(
            DisposalItem.Kind.CASE,
            case.pk,
            case.reference,
            retention_expires_on(case.closed_at, classes[case.kept_under].years),  # type: ignore[attr-defined]  # annotated by the queryset
            str(classes[case.kept_under]),  # type: ignore[attr-defined]  # annotated by the queryset
        )
        for case in expired_cases(today, classes)
    ]
    candidates += [
        Candidate(
            DisposalItem.Kind.POST,
            post.pk,
            f"#{post.pk}",
            retention_expires_on(post.updated_at, classes[post.kept_under].years),  # type: ignore[attr-defined]  # annotated by the queryset
            str(classes[post.kept_under]),  # type: ignore[attr-defined]  # annotated by the queryset
        )
        for post in expired_posts(today, classes)
    ]
    candidates += [
        Candidate(DisposalItem.Kind.CITIZEN, citizen.pk, f"#{citizen.pk}", None, CITIZEN_RULE)
        for citizen in unneeded_citizens(today)
    ]
    candidates += _per_dial(
        DisposalItem.Kind.CALL_NOTES, expired_call_notes(today, classes), "created_at", classes
    )
    candidates += _per_dial(
        DisposalItem.Kind.CALL_NUMBERS, expired_call_numbers(today, classes), "done_at", classes
    )
    return candidates


def disposal_batch_prepare(*, today: datetime.date | None = None) -> DisposalBatch | None:
    """List expired records into the pending batch; running it again adds nothing twice."""
    today = today or timezone.localdate()
    candidates = disposal_candidates(today)
    try:
        with transaction.atomic():
            batch = (
                DisposalBatch.objects.select_for_update()
                .filter(status=DisposalBatch.Status.PENDING)
                .first()
            )
            listed = (
                set(batch.items.values_list("kind", "record_id")) if batch is not None else set()
            )
            new = [c for c in candidates if (c.kind, c.record_id) not in listed]
            if not new:
                return batch
            if batch is None:
                batch = DisposalBatch.objects.create()
            DisposalItem.objects.bulk_create(
                [
                    DisposalItem(
                        batch=batch,
                        kind=c.kind,
                        record_id=c.record_id,
                        label=c.label,
                        expired_on=c.expired_on,
                        retention_class=c.retention_class,
                    )
                    for c in new
                ],
                ignore_conflicts=True,
            )
            return batch
    except IntegrityError:
        # Another run created the pending batch at the same moment: it listed the same.
        return DisposalBatch.objects.filter(status=DisposalBatch.Status.PENDING).first()


# --- erasing -------------------------------------------------------------------------------
CASE_PERSONAL_BLANKS = {
    "title": DISPOSED_TITLE,
    "caller_name": "",
    "caller_kana": "",
    "caller_phone": "",
    "caller_phone_digits": "",
    "details": "",
    "health_symptoms": "",
    "reply_text": "",
    "address": "",
    "latitude": None,
    "longitude": None,
    "urgent_contact": "",
}


CALL_NUMBER_BLANKS = {"caller_phone": "", "caller_phone_digits": ""}


def case_erase_personal_data(case: Case, *, at: datetime.datetime) -> list[str]:
    """Erase what the case says about people; returns the files to delete after commit.

    The mail and notices about the case are erased by ``case_messages_erase``, for all the
    cases of a batch at once.
    """
    for name, blank in CASE_PERSONAL_BLANKS.items():
        setattr(case, name, blank)
    case.disposed_at = at
    case.save()  # also rebuilds the search columns (search_text, search_tokens) without them
    # No counted field is blanked today; the statistics decide (kobepost.stats.rollup).
    case_counts_changed(
        received_at=[case.received_at], fields=[*CASE_PERSONAL_BLANKS, "disposed_at"]
    )
    case.events.exclude(note="").update(note="")
    # The reason is free text typed about the caller ("本人から電話番号の訂正…"): it goes too.
    DataCorrection.objects.filter(record_type="tickets.case", record_id=str(case.pk)).update(
        old_value="", new_value="", reason=""
    )
    attachments = case.attachments.all()
    files = [cast(str, attachment.file.name) for attachment in attachments]  # saved: named
    attachments.delete()
    # The folder too: whatever else was stored for the case (a derivative) goes with it.
    return [*files, attachment_folder(case.pk)]


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def case_messages_erase(*, references: dict[int, str], links: Iterable[str]) -> int:
    """Erase the outbox mail and in-app notices about the cases ``references`` (pk → 受付番号).

    Mail of a case's own events has the event key ``case:<pk>:…``; other mail (the overdue
    reminders) names cases by reference number. Sent mail keeps its row (who was mailed,
    when) without subject and body; unsent mail is deleted, so nothing about the case goes
    out any more. Notices link to the case's pages (``links``) and are deleted. One pass
    over each table: a batch may hold a fiscal year of cases, and a search per case would
    read the outbox thousands of times. Returns the number of outbox rows erased.
    """
    if not references:
        return 0
    prefix = event_key("case") + ":"
    about: list[int] = []
    own_events = Notification.objects.filter(event_key__startswith=prefix).values_list(
        "pk", "event_key"
    )
    for pk, key in own_events.iterator(chunk_size=5 * CHUNK):
        case_pk = key.removeprefix(prefix).partition(":")[0]
        if case_pk.isdigit() and int(case_pk) in references:
            about.append(pk)
    wanted = set(references.values())
    others = Notification.objects.exclude(event_key__startswith=prefix).values_list(
        "pk", "subject", "body"
    )
    for pk, subject, body in others.iterator(chunk_size=CHUNK):
        if wanted.intersection(REFERENCE_IN_TEXT.findall(f"{subject}\n{body}")):
            about.append(pk)
    for ids in _chunks(about):
        rows = Notification.objects.filter(pk__in=ids)
        rows.exclude(status=Notification.Status.SENT).delete()
        rows.update(subject="", body="")
    links = set(links)
    notices = [
        pk for pk, link in Notice.objects.values_list("pk", "link").iterator() if link in links
    ]
    for ids in _chunks(notices):
        Notice.objects.filter(pk__in=ids).delete()
    return len(about)


def post_erase_personal_data(post: Post) -> list[str]:
    """Blank the texts and remove the photos; returns the files to delete from disk."""
    # A blurred photo has two files: the copy served and the original kept for supervisors.
    files = [name for photo in post.photos.all() for name in photo.stored_names()]
    PostPhoto.objects.filter(post=post).delete()
    post.text = ""
    post.public_text = ""
    post.public_reply = ""
    post.rejection_note = ""
    post.address = ""
    post.nickname = ""
    post.lat = None
    post.lng = None
    post.published = False
    post.citizen = None
    post.save()
    return files


def call_notes_erase(
    *, dial_id: int, today: datetime.date, classes: dict[int, RetentionClass]
) -> int:
    """Blank the expired notes of one dial's logged calls; returns how many."""
    expired = expired_call_notes(today, classes).filter(dial_id=dial_id).values("pk")
    return SimpleCall.objects.filter(pk__in=Subquery(expired)).update(note="")


def call_numbers_erase(
    *, dial_id: int, today: datetime.date, classes: dict[int, RetentionClass], at: datetime.datetime
) -> int:
    """Erase the expired callers' numbers of one dial's calls (NO_DIAL: calls without one)."""
    expired = expired_call_numbers(today, classes)
    expired = (
        expired.filter(dial__isnull=True) if dial_id == NO_DIAL else expired.filter(dial_id=dial_id)
    )
    return Call.objects.filter(pk__in=Subquery(expired.values("pk"))).update(
        **CALL_NUMBER_BLANKS, number_purged_at=at
    )


def case_call_numbers_erase(*, case_ids: list[int], at: datetime.datetime) -> int:
    """Erase the numbers of the calls that became the disposed cases (part of their file)."""
    erased = 0
    for ids in _chunks(case_ids):
        # A call held on its own (a data request about the caller) keeps its number even
        # when the case it became is disposed of.
        erased += (
            Call.objects.filter(case__in=ids, number_purged_at__isnull=True)
            .exclude(_active_hold(call=OuterRef("pk")))
            .update(**CALL_NUMBER_BLANKS, number_purged_at=at)
        )
    return erased


def disposal_batch_approve(*, batch: DisposalBatch, user: User) -> DisposalBatch:
    """Erase everything listed that is still expired and not held. Admins only."""
    if not user.is_system_admin:
        raise PermissionError("only administrators approve disposal")
    today = timezone.localdate()
    now = timezone.now()
    files: list[str] = []
    references: dict[int, str] = {}
    links: list[str] = []
    with transaction.atomic():
        batch = DisposalBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != DisposalBatch.Status.PENDING:
            raise ValueError("batch already disposed")
        classes = retention_classes()
        # Re-check: a hold, an open request or a reopened case since the listing wins.
        still_due = {(c.kind, c.record_id) for c in disposal_candidates(today, classes)}
        counts = {kind: 0 for kind in DisposalItem.Kind.values}
        call_notes = call_numbers = 0
        skipped = 0
        for item in batch.items.filter(outcome=DisposalItem.Outcome.LISTED):
            if (item.kind, item.record_id) not in still_due:
                item.outcome = DisposalItem.Outcome.HELD
                skipped += 1
            else:
                if item.kind == DisposalItem.Kind.CASE:
                    case = Case.objects.get(pk=item.record_id)
                    files += case_erase_personal_data(case, at=now)
                    references[case.pk] = case.reference
                    links += [department_case_path(case), callcenter_case_path(case)]
                elif item.kind == DisposalItem.Kind.POST:
                    files += post_erase_personal_data(Post.objects.get(pk=item.record_id))
                elif item.kind == DisposalItem.Kind.CITIZEN:
                    citizen_delete(citizen=Citizen.objects.get(pk=item.record_id))
                elif item.kind == DisposalItem.Kind.CALL_NUMBERS:
                    call_numbers += call_numbers_erase(
                        dial_id=item.record_id, today=today, classes=classes, at=now
                    )
                else:
                    call_notes += call_notes_erase(
                        dial_id=item.record_id, today=today, classes=classes
                    )
                item.outcome = DisposalItem.Outcome.DISPOSED
                counts[item.kind] += 1
            item.save(update_fields=["outcome"])
        case_messages_erase(references=references, links=links)
        call_numbers += case_call_numbers_erase(case_ids=list(references), at=now)
        batch.status = DisposalBatch.Status.DISPOSED
        batch.approved_by = user
        batch.approved_at = now
        batch.case_count = counts[DisposalItem.Kind.CASE]
        batch.post_count = counts[DisposalItem.Kind.POST]
        batch.citizen_count = counts[DisposalItem.Kind.CITIZEN]
        batch.call_note_count = call_notes
        batch.call_number_count = call_numbers
        batch.file_count = sum(1 for name in files if not name.endswith("/"))
        batch.skipped_count = skipped
        batch.files_to_delete = files
        batch.save()
        # Files go only once the erasure is committed: a rollback must not lose photos.
        transaction.on_commit(partial(_publish_file_deletion, batch.pk), robust=True)
    return batch


# --- files ---------------------------------------------------------------------------------
def _publish_file_deletion(batch_id: int) -> None:
    from kobepost.privacy.tasks import delete_disposed_files  # the tasks module imports this one

    delete_disposed_files.apply_async((batch_id,), retry=False)


def _delete_folder(folder: str) -> None:
    if not default_storage.exists(folder):
        return
    directories, names = default_storage.listdir(folder)
    for name in names:
        default_storage.delete(folder + name)
    for directory in directories:
        _delete_folder(f"{folder}{directory}/")
    with contextlib.suppress(NotImplementedError, OSError):
        os.rmdir(default_storage.path(folder))  # only a local storage has folders to remove


def _delete_stored(name: str) -> bool:
    try:
        if name.endswith("/"):
            _delete_folder(name)
        else:
            default_storage.delete(name)  # a file already gone is no error
    except OSError:
        log.exception("disposal: could not delete %s; the daily job tries again", name)
        return False
    return True


def disposal_files_delete(*, batch_id: int) -> int:
    """Delete the files of an approved batch from MEDIA_ROOT; any number of runs is safe.

    What could not be deleted stays listed for the next run (the daily temporary-data job).
    Returns how many names were handled.
    """
    with transaction.atomic():
        batch = DisposalBatch.objects.select_for_update().filter(pk=batch_id).first()
        if batch is None or not batch.files_to_delete:
            return 0
        left = [name for name in batch.files_to_delete if not _delete_stored(name)]
        handled = len(batch.files_to_delete) - len(left)
        batch.files_to_delete = left
        batch.save(update_fields=["files_to_delete"])
    return handled


def disposal_files_retry() -> int:
    """Files of approved batches still on disk (a broker down at commit, a disk error)."""
    pending = DisposalBatch.objects.filter(status=DisposalBatch.Status.DISPOSED).exclude(
        files_to_delete=[]
    )
    return sum(disposal_files_delete(batch_id=pk) for pk in pending.values_list("pk", flat=True))


# --- temporary data ----------------------------------------------------------------------
def audit_trail_purge(*, today: datetime.date | None = None) -> int:
    """Delete audit rows past the audit trail's own retention (AUDIT_RETENTION_YEARS).

    Must run as the owner role (``manage.py audit_purge`` through deploy/kobepost-audit-purge):
    the runtime role has no DELETE on the table, and the append-only trigger lets a DELETE
    through only below the cutoff this transaction names. The purge itself is recorded as a
    new audit row with the count and the cutoff, so the trail shows its own disposal.
    """
    today = today or timezone.localdate()
    cutoff = retention_cutoff(settings.AUDIT_RETENTION_YEARS, today)
    with transaction.atomic():
        expired = AuditEvent.objects.filter(occurred_at__lt=cutoff)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('kobepost.audit_purge_before', %s, true)",
                    [cutoff.isoformat()],
                )
            deleted = expired._raw_delete(expired.db)
            with connection.cursor() as cursor:
                # Transaction-local already; cleared at once for a caller's outer transaction.
                cursor.execute("SELECT set_config('kobepost.audit_purge_before', '', true)")
        else:
            with connection.cursor() as cursor, sqlite_audit_delete_trigger_lifted(cursor):
                deleted = expired._raw_delete(expired.db)
        AuditEvent.objects.create(
            action=AuditAction.AUDIT_PURGED,
            record_type="kobepost.auditevent",
            detail=f"{deleted}件（{cutoff.date().isoformat()}より前）",
        )
    log.info("audit trail purge: %d rows before %s", deleted, cutoff.date())
    return deleted


def temporary_data_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete intake tokens of forms never saved (older than a day). Returns the count."""
    now = now or timezone.now()
    deleted, _ = IntakeToken.objects.filter(
        case__isnull=True, created_at__lt=now - INTAKE_TOKEN_MAX_AGE
    ).delete()
    return deleted
