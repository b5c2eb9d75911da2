"""FAQ workflows with side effects: revisions, proposals, call logging, import."""

import difflib
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from faq.models import FaqEntry, FaqProposal, FaqRevision, SimpleCall, UnansweredSearch
from kobepost.accounts.models import User
from kobepost.cti.services import call_link_faq
from kobepost.lib.jp_calendar import start_of_day
from kobepost.lib.textfold import fold
from tickets.counted_months import counted_months_changed
from tickets.models import Dial


def entry_save(*, entry: FaqEntry, user: User | None, note: str) -> FaqEntry:
    """Save ``entry`` and record a revision with its new content, atomically."""
    with transaction.atomic():
        entry.updated_by = user
        entry.save()
        FaqRevision.objects.create(
            entry=entry, changed_by=user, note=note[:300], snapshot=entry.snapshot()
        )
    return entry


def entry_set_status(*, entry: FaqEntry, user: User, status: str) -> FaqEntry:
    labels = dict(FaqEntry.Status.choices)
    entry.status = status
    if status == FaqEntry.Status.PUBLISHED:
        entry.last_reviewed_on = timezone.localdate()
    return entry_save(
        entry=entry, user=user, note=_("状態を「%(status)s」に変更") % {"status": labels[status]}
    )


def entry_mark_reviewed(*, entry: FaqEntry, user: User) -> FaqEntry:
    entry.last_reviewed_on = timezone.localdate()
    return entry_save(entry=entry, user=user, note=_("内容を確認（変更なし）"))


def proposal_create(
    *, entry: FaqEntry, user: User, question: str, answer: str, note: str
) -> FaqProposal:
    return FaqProposal.objects.create(
        entry=entry,
        proposed_by=user,
        proposed_question=question,
        proposed_answer=answer,
        note=note,
    )


def proposal_decide(
    *, proposal: FaqProposal, user: User, accept: bool, comment: str = ""
) -> FaqProposal:
    """Accept (apply the wording and publish) or reject a pending proposal."""
    with transaction.atomic():
        proposal = FaqProposal.objects.select_for_update().get(pk=proposal.pk)
        if not proposal.is_pending:
            raise ValueError("proposal already decided")
        proposal.status = FaqProposal.Status.ACCEPTED if accept else FaqProposal.Status.REJECTED
        proposal.decided_by = user
        proposal.decided_at = timezone.now()
        proposal.decision_note = comment[:300]
        proposal.save()
        if accept:
            entry = proposal.entry
            entry.question = proposal.proposed_question
            entry.answer = proposal.proposed_answer
            entry.status = FaqEntry.Status.PUBLISHED
            entry.last_reviewed_on = timezone.localdate()
            entry_save(
                entry=entry,
                user=user,
                note=_("%(department)s の提案を採用して公開") % {"department": entry.department},
            )
    return proposal


def call_log(
    *,
    operator: User,
    dial: Dial,
    faq_entry: FaqEntry | None = None,
    topic: str = "",
    note: str = "",
) -> SimpleCall:
    """Count a call answered on the spot. With the phone system connected, it is also what
    the call the operator is on became (the call journal's FAQ answers)."""
    with transaction.atomic():
        call = SimpleCall.objects.create(
            operator=operator, dial=dial, faq_entry=faq_entry, topic=topic, note=note
        )
        call_link_faq(operator=operator, simple_call=call)
        counted_months_changed(moments=[call.created_at])  # no query: logged now
    return call


def calls_today(*, operator: User) -> int:
    start = start_of_day(timezone.localdate())
    return SimpleCall.objects.filter(operator=operator, created_at__gte=start).count()


def unanswered_search_log(*, query: str, dial: Dial | None) -> UnansweredSearch:
    query = query.strip()[:200]
    return UnansweredSearch.objects.create(
        query=query, normalized_query=fold(query)[:200], dial=dial
    )


def month_starts(*, months: int, today: date | None = None) -> list[date]:
    """The first days of the last ``months`` months, oldest first, this month included."""
    today = today or timezone.localdate()
    year, month = today.year, today.month
    starts = []
    for _index in range(months):
        starts.append(date(year, month, 1))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(starts))


def usage_by_entry_and_month(*, months: int = 6, limit: int = 50) -> tuple[list[date], list[dict]]:
    """Calls answered with each FAQ entry per month (one aggregate query), busiest first."""
    starts = month_starts(months=months)
    since = start_of_day(starts[0])
    rows = (
        SimpleCall.objects.filter(created_at__gte=since, faq_entry__isnull=False)
        .annotate(month=TruncMonth("created_at"))
        .values("faq_entry_id", "faq_entry__question", "month")
        .annotate(calls=Count("id"))
        .order_by()
    )
    table: dict[int, dict] = {}
    for row in rows:
        item = table.setdefault(
            row["faq_entry_id"],
            {
                "entry_id": row["faq_entry_id"],
                "question": row["faq_entry__question"],
                "by_month": dict.fromkeys(starts, 0),
                "total": 0,
            },
        )
        month = timezone.localtime(row["month"]).date().replace(day=1)
        if month in item["by_month"]:
            item["by_month"][month] += row["calls"]
            item["total"] += row["calls"]
    ordered = sorted(table.values(), key=lambda item: (-item["total"], item["question"]))[:limit]
    for item in ordered:
        item["counts"] = [item["by_month"][start] for start in starts]
    return starts, ordered


def calls_without_faq_by_month(*, months: int = 6) -> list[Mapping[str, Any]]:
    starts = month_starts(months=months)
    since = start_of_day(starts[0])
    return list(
        SimpleCall.objects.filter(created_at__gte=since, faq_entry__isnull=True)
        .annotate(month=TruncMonth("created_at"))
        .values("month", "dial__name")
        .annotate(calls=Count("id"))
        .order_by("month", "dial__name")
    )


def unanswered_summary(*, days: int = 90, limit: int = 50) -> QuerySet:
    since = timezone.now() - timedelta(days=days)
    return (
        UnansweredSearch.objects.filter(searched_at__gte=since)
        .values("normalized_query", "dial__name")
        .annotate(times=Count("id"))
        .order_by("-times", "normalized_query")[:limit]
    )


def inline_diff(old: str, new: str) -> SafeString:
    """Character-level diff of two texts: removed in <del>, added in <ins>, all escaped."""
    output: list[str] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for operation, a_start, a_end, b_start, b_end in matcher.get_opcodes():
        if operation == "equal":
            output.append(escape(old[a_start:a_end]))
            continue
        if a_end > a_start:
            output.append(f"<del>{escape(old[a_start:a_end])}</del>")
        if b_end > b_start:
            output.append(f"<ins>{escape(new[b_start:b_end])}</ins>")
    return mark_safe("".join(output))  # noqa: S308  # nosec B308 B703 - every piece is escaped above
