"""Retention periods and the disposal of personal data (保存期間と廃棄).

The period starts on April 1 of the fiscal year after the record was closed (完結), as the
city's document rules count it: closed on 2026-03-31 with 3 years → kept until 2029-03-31;
closed on 2026-04-01 → until 2030-03-31.

A daily job lists expired records into the one pending ``DisposalBatch``; nothing is erased
until an administrator approves it. Approval erases the personal data of cases (the case row
stays for statistics), of KOBE ぽすと posts (texts and photo files) and deletes citizen
accounts no longer needed. Records under a legal hold or an open data request are skipped,
both when listing and again when approving.
"""

import datetime
import logging
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from kobepost.citizen_models import Citizen, Post, PostPhoto
from kobepost.models import User
from tickets.models import (
    Case,
    CaseEvent,
    DataCorrection,
    DisposalBatch,
    DisposalItem,
    IntakeToken,
    LegalHold,
    RetentionClass,
    fiscal_year_of,
)

log = logging.getLogger(__name__)

# A citizen account with no remaining post is kept this long after its last sign-in.
CITIZEN_IDLE_YEARS = 3
# Intake forms opened but never saved leave a token row; a day is plenty for a resubmit.
INTAKE_TOKEN_MAX_AGE = datetime.timedelta(days=1)


def retention_expires_on(closed_at: datetime.datetime, years: int) -> datetime.date:
    """Last day the record is kept: March 31 ``years`` fiscal years after the closing one."""
    return datetime.date(fiscal_year_of(closed_at) + 1 + years, 3, 31)


def retention_cutoff(years: int, today: datetime.date) -> datetime.datetime:
    """Records closed before this moment have expired on ``today``."""
    current_fiscal_year = today.year if today.month >= 4 else today.year - 1
    return datetime.datetime(
        current_fiscal_year - years, 4, 1, tzinfo=timezone.get_current_timezone()
    )


def _active_hold(**record) -> Exists:
    return Exists(LegalHold.objects.filter(released_at__isnull=True, **record))


def _disposed(kind: str) -> QuerySet[DisposalItem]:
    return DisposalItem.objects.filter(kind=kind, outcome=DisposalItem.Outcome.DISPOSED)


def _expiry_filter(field: str, today: datetime.date) -> Q:
    condition = Q(pk__in=[])
    for years in set(RetentionClass.objects.values_list("years", flat=True)):
        condition |= Q(retention_years=years, **{f"{field}__lt": retention_cutoff(years, today)})
    return condition


def expired_cases(today: datetime.date) -> QuerySet[Case]:
    closed_event = CaseEvent.objects.filter(
        case=OuterRef("pk"), to_status=Case.Status.CLOSED
    ).order_by("-at")
    return (
        Case.objects.filter(status=Case.Status.CLOSED, disposed_at__isnull=True)
        .annotate(
            closed_at=Coalesce(Subquery(closed_event.values("at")[:1]), "updated_at"),
            retention_years=Coalesce(
                "category__retention_class__years", "dial__retention_class__years"
            ),
        )
        .exclude(_active_hold(case=OuterRef("pk")))
        .filter(_expiry_filter("closed_at", today))
        .only("pk", "reference")
        .order_by("pk")
    )


def expired_posts(today: datetime.date) -> QuerySet[Post]:
    """Finished or rejected posts past the retention of their ticket category."""
    return (
        Post.objects.filter(Q(status=Post.Status.DONE) | ~Q(rejection=""))
        .annotate(
            retention_years=Coalesce(
                "category__ticket_category__retention_class__years",
                "category__ticket_category__dial__retention_class__years",
            )
        )
        .exclude(_active_hold(post=OuterRef("pk")))
        .exclude(pk__in=_disposed(DisposalItem.Kind.POST).values("record_id"))
        .filter(_expiry_filter("updated_at", today))
        .only("pk", "updated_at")
        .order_by("pk")
    )


def unneeded_citizens(today: datetime.date) -> QuerySet[Citizen]:
    """Accounts whose posts are all disposed and that nobody used for CITIZEN_IDLE_YEARS."""
    idle_since = datetime.datetime(
        today.year - CITIZEN_IDLE_YEARS,
        today.month,
        min(today.day, 28),
        tzinfo=timezone.get_current_timezone(),
    )
    remaining_post = Post.objects.filter(citizen=OuterRef("pk")).exclude(
        pk__in=_disposed(DisposalItem.Kind.POST).values("record_id")
    )
    return (
        Citizen.objects.annotate(last_used=Coalesce("last_login", "created_at"))
        .filter(last_used__lt=idle_since)
        .exclude(Exists(remaining_post))
        .exclude(_active_hold(citizen=OuterRef("pk")))
        .only("pk")
        .order_by("pk")
    )


@dataclass(frozen=True)
class Candidate:
    kind: str
    record_id: int
    label: str
    expired_on: datetime.date | None


def disposal_candidates(today: datetime.date) -> list[Candidate]:
    candidates = [
        Candidate(
            DisposalItem.Kind.CASE,
            case.pk,
            case.reference,
            retention_expires_on(case.closed_at, case.retention_years),
        )
        for case in expired_cases(today)
    ]
    candidates += [
        Candidate(
            DisposalItem.Kind.POST,
            post.pk,
            f"#{post.pk}",
            retention_expires_on(post.updated_at, post.retention_years),
        )
        for post in expired_posts(today)
    ]
    candidates += [
        Candidate(DisposalItem.Kind.CITIZEN, citizen.pk, f"#{citizen.pk}", None)
        for citizen in unneeded_citizens(today)
    ]
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
                    )
                    for c in new
                ],
                ignore_conflicts=True,
            )
            return batch
    except IntegrityError:
        # Another run created the pending batch at the same moment: it listed the same.
        return DisposalBatch.objects.filter(status=DisposalBatch.Status.PENDING).first()


# --- approval ----------------------------------------------------------------------------
CASE_PERSONAL_BLANKS = {
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
}


def case_erase_personal_data(case: Case, *, at: datetime.datetime) -> None:
    for name, blank in CASE_PERSONAL_BLANKS.items():
        setattr(case, name, blank)
    case.disposed_at = at
    case.save()  # also rebuilds the search tokens without the erased words
    case.events.exclude(note="").update(note="")
    DataCorrection.objects.filter(record_type="tickets.case", record_id=str(case.pk)).update(
        old_value="", new_value=""
    )


def post_erase_personal_data(post: Post) -> list[str]:
    """Blank the texts and remove the photos; returns the files to delete from disk."""
    files = [photo.file_name for photo in post.photos.all()]
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


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            # The record is already erased; a file left behind is reported for manual removal.
            log.error("disposal: could not delete %s", name)


def disposal_batch_approve(*, batch: DisposalBatch, user: User) -> DisposalBatch:
    """Erase everything listed that is still expired and not held. Admins only."""
    if not user.is_system_admin:
        raise PermissionError("only administrators approve disposal")
    today = timezone.localdate()
    now = timezone.now()
    files: list[str] = []
    with transaction.atomic():
        batch = DisposalBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != DisposalBatch.Status.PENDING:
            raise ValueError("batch already disposed")
        # Re-check: a hold, an open request or a reopened case since the listing wins.
        still_due = {(c.kind, c.record_id) for c in disposal_candidates(today)}
        counts = {kind: 0 for kind in DisposalItem.Kind.values}
        skipped = 0
        for item in batch.items.filter(outcome=DisposalItem.Outcome.LISTED):
            if (item.kind, item.record_id) not in still_due:
                item.outcome = DisposalItem.Outcome.HELD
                skipped += 1
            else:
                if item.kind == DisposalItem.Kind.CASE:
                    case_erase_personal_data(Case.objects.get(pk=item.record_id), at=now)
                elif item.kind == DisposalItem.Kind.POST:
                    files += post_erase_personal_data(Post.objects.get(pk=item.record_id))
                else:
                    Citizen.objects.filter(pk=item.record_id).delete()
                item.outcome = DisposalItem.Outcome.DISPOSED
                counts[item.kind] += 1
            item.save(update_fields=["outcome"])
        batch.status = DisposalBatch.Status.DISPOSED
        batch.approved_by = user
        batch.approved_at = now
        batch.case_count = counts[DisposalItem.Kind.CASE]
        batch.post_count = counts[DisposalItem.Kind.POST]
        batch.citizen_count = counts[DisposalItem.Kind.CITIZEN]
        batch.file_count = len(files)
        batch.skipped_count = skipped
        batch.save()
        # Files go only once the erasure is committed: a rollback must not lose photos.
        transaction.on_commit(lambda: _delete_files(files))
    return batch


# --- temporary data ----------------------------------------------------------------------
def temporary_data_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete intake tokens of forms never saved (older than a day). Returns the count."""
    now = now or timezone.now()
    deleted, _ = IntakeToken.objects.filter(
        case__isnull=True, created_at__lt=now - INTAKE_TOKEN_MAX_AGE
    ).delete()
    return deleted
