"""What the figures are about and how they come: the filter (period, dial, department),
the table row every figure is given in, and how long computed figures are reused.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from faq.models import SimpleCall, UnansweredSearch
from kobepost.cti.models import Call
from kobepost.lib.cache import cached_or_computed
from kobepost.lib.jp_calendar import start_of_day
from kobepost.public.models import Post
from kobepost.stats.rollup import Plan, case_counts, faq_counts, period_plan
from tickets.models import Case, CaseQuerySet

# How long figures of a period that reaches today, and those of the days before today,
# are reused (settings STATS_LIVE_CACHE_SECONDS and STATS_ARCHIVE_CACHE_SECONDS).
LIVE_CACHE_SECONDS = 120
ARCHIVE_CACHE_SECONDS = 15 * 60


@dataclass(frozen=True)
class StatsFilter:
    """What the figures are about: a period (inclusive days), a dial, a department."""

    date_from: datetime.date
    date_to: datetime.date
    dial_id: int | None = None
    department_id: int | None = None

    @property
    def start(self) -> datetime.datetime:
        return start_of_day(self.date_from)

    @property
    def end(self) -> datetime.datetime:
        return start_of_day(self.date_to + datetime.timedelta(days=1))

    @cached_property
    def plan(self) -> Plan:
        """Which months of the period come from the counts of closed months, and which
        ranges from the rows (kobepost.stats.rollup); looked up once per filter."""
        return period_plan(self.date_from, self.date_to)

    def case_counts(self, *keys: str, plan: Plan | None = None) -> dict[tuple, int]:
        """Cases of the period (or of ``plan``'s) per ``keys``: see rollup.case_counts."""
        return case_counts(
            self.cases(with_period=False),
            plan or self.plan,
            dial_id=self.dial_id,
            department_id=self.department_id,
            keys=keys,
        )

    def faq_counts(self, *keys: str, plan: Plan | None = None) -> dict[tuple, int]:
        """FAQ calls of the period (or of ``plan``'s) per ``keys``: see rollup.faq_counts."""
        return faq_counts(
            self.simple_calls(with_period=False),
            plan or self.plan,
            dial_id=self.dial_id,
            department_id=self.department_id,
            keys=keys,
        )

    def cases(self, *, with_period: bool = True) -> CaseQuerySet:
        cases = Case.objects.all()
        if with_period:
            cases = cases.filter(received_at__gte=self.start, received_at__lt=self.end)
        if self.dial_id:
            cases = cases.filter(dial_id=self.dial_id)
        if self.department_id:
            cases = cases.filter(department_id=self.department_id)
        return cases.order_by()

    def simple_calls(self, *, with_period: bool = True) -> QuerySet[SimpleCall]:
        calls = SimpleCall.objects.all()
        if with_period:
            calls = calls.filter(created_at__gte=self.start, created_at__lt=self.end)
        if self.dial_id:
            calls = calls.filter(dial_id=self.dial_id)
        if self.department_id:
            # A call answered without an FAQ entry belongs to no department.
            calls = calls.filter(faq_entry__department_id=self.department_id)
        return calls.order_by()

    def posts(self, *, with_period: bool = True) -> QuerySet[Post]:
        posts = Post.objects.all()
        if with_period:
            posts = posts.filter(created_at__gte=self.start, created_at__lt=self.end)
        # A post reaches a dial and a department only through its category's mapping.
        if self.dial_id:
            posts = posts.filter(category__ticket_category__dial_id=self.dial_id)
        if self.department_id:
            posts = posts.filter(category__ticket_category__department_id=self.department_id)
        return posts.order_by()

    def calls(self) -> QuerySet[Call]:
        """Incoming calls of the journal that rang out one way or the other (one still
        ringing is nothing yet). Calls belong to a dial, never to a department."""
        calls = Call.objects.filter(
            started_at__gte=self.start, started_at__lt=self.end, direction=Call.Direction.IN
        ).exclude(outcome=Call.Outcome.RINGING)
        if self.dial_id:
            calls = calls.filter(dial_id=self.dial_id)
        return calls.order_by()

    def unanswered_searches(self) -> QuerySet[UnansweredSearch]:
        searches = UnansweredSearch.objects.filter(
            searched_at__gte=self.start, searched_at__lt=self.end
        )
        if self.dial_id:
            searches = searches.filter(dial_id=self.dial_id)
        return searches.order_by()


@dataclass
class Row:
    """One line of a table: a label and its numbers by column key."""

    label: str
    # Counts, times (None when nothing to measure) and, for categories, the dial's name.
    values: dict[str, Any] = field(default_factory=dict)
    key: str = ""

    def total(self, keys: Iterable[str]) -> int:
        return sum(int(self.values.get(k) or 0) for k in keys)


def archive_cache_seconds() -> int:
    return int(getattr(settings, "STATS_ARCHIVE_CACHE_SECONDS", ARCHIVE_CACHE_SECONDS))


def live_cache_seconds() -> int:
    """How long figures of a period that reaches today are reused: a dashboard or monthly
    report over a whole year takes 100–600 ms to compute on the archive, and supervisors
    reading it do not need the last two minutes (overdue lists stay live)."""
    return int(getattr(settings, "STATS_LIVE_CACHE_SECONDS", LIVE_CACHE_SECONDS))


def cached(key: str, compute, *, seconds: int | None = None):
    """``compute()`` through the cache for ``seconds`` (STATS_ARCHIVE_CACHE_SECONDS unless
    given); a cache that is down only costs the time of computing."""
    return cached_or_computed(
        key, compute, seconds=archive_cache_seconds() if seconds is None else seconds
    )


def scope_key(stats: StatsFilter) -> str:
    return f"dial={stats.dial_id or ''}:department={stats.department_id or ''}"


def share(part: int, whole: int) -> float | None:
    """A percentage with one decimal, None when there is nothing to divide."""
    return round(100 * part / whole, 1) if whole else None
