"""The closed months whose counted case fields changed, for the statistics' counts.

kobepost.stats keeps the counts of closed months (kobepost/stats/rollup.py). It sits above
tickets, so the writers of cases (tickets.services, retention in kobepost.privacy) do not
call it: they record here, in the transaction of the change, that a closed month changed
(CountedMonthChange), and the statistics read that month from the cases again until they
count it anew. Both sides take the month's advisory lock (month_lock), so a count either
sees a change or is followed by its record.

What the statistics count of a case is named here too (CASE_DIMENSIONS, and the
milestones of tickets.models.STATS_RESPONSE_SPANS), so that the rule "which fields make a
month change" has one home. A milestone reached late (tickets.services._record) is such a
change too.
"""

import datetime
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from kobepost.lib.jp_calendar import month_of
from tickets.models import STATS_RESPONSE_SPANS, CountedMonthChange

# What the statistics count cases by, besides dial and department: dimension → column.
CASE_DIMENSIONS = {
    "category": "category_id",
    "channel": "channel",
    "kind": "kind",
    "ward": "ward",
    "fiscal_year": "fiscal_year",
}
# The case fields the counts depend on (as model fields and as columns).
COUNTED_CASE_FIELDS = frozenset(
    {"received_at", "dial", "dial_id", "department", "department_id"}
    | {end for _start, end in STATS_RESPONSE_SPANS.values()}  # the response times
    | {"reply_due_date"}  # the monthly report's on-time rate
    | {column.removesuffix("_id") for column in CASE_DIMENSIONS.values()}
    | set(CASE_DIMENSIONS.values())
)
_LOCK_CLASS = 0x5354  # "ST": pg_advisory_xact_lock(class, month's ordinal)


def counts_kept() -> bool:
    """Counts of closed months are kept on PostgreSQL only (SQLite reads every figure live)."""
    return connection.vendor == "postgresql"


def month_lock(months: Iterable[datetime.date]) -> None:
    """Hold the months' advisory locks until the end of the transaction (in month order)."""
    with connection.cursor() as cursor:
        for month in sorted(set(months)):
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_CLASS, month.toordinal()])


def counted_months_changed(
    *, moments: Iterable[datetime.datetime | None], today: datetime.date | None = None
) -> int:
    """Record that the closed months of these moments (received or logged times) changed.
    Costs no query for the current month, which the statistics always read live."""
    this_month = (today or timezone.localdate()).replace(day=1)
    closed = {month_of(m) for m in moments if m is not None and month_of(m) < this_month}
    if not closed or not counts_kept():
        return 0
    now = timezone.now()
    with transaction.atomic():
        month_lock(closed)
        for month in closed:
            CountedMonthChange.objects.update_or_create(month=month, defaults={"changed_at": now})
    return len(closed)


def case_counts_changed(
    *, received_at: Iterable[datetime.datetime | None], fields: Iterable[str] | None
) -> int:
    """A case was created (``fields`` None) or some of its fields written: record its
    closed months as changed if a counted field is among them. ``received_at``: the case's
    receipt time (before and after, when that changed)."""
    if fields is not None and not COUNTED_CASE_FIELDS & set(fields):
        return 0
    return counted_months_changed(moments=received_at)
