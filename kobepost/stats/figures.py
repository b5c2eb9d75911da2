"""Statistics for supervisors and the city: every figure is one SQL aggregate.

Nothing here loads cases, calls or posts into Python one by one: each function runs a
constant number of GROUP BY queries whatever the size of the archive, and Python only
merges the (few) aggregated rows into tables. Rows are counted with COUNT(*), never
COUNT(id): the period indexes carry the grouped columns but not the id, and reading
only them (an index-only scan) is what keeps a whole fiscal year fast.

Response times come from the case timeline, not from the columns a later change may
overwrite (replied_at, citizen_told_at): intake → the FIRST change to 回答済, 回答済 → the
FIRST change to 市民回答済, intake → the FIRST change to 完了. Those firsts are kept on the
case itself (Case.first_answered_at, first_told_at, first_closed_at, written with the
timeline line by tickets.services), so the figures aggregate plain columns of the cases
received in the period instead of searching each case's timeline. Medians and 90th
percentiles are computed with PostgreSQL's ``percentile_cont``; SQLite (the dev default)
has no such aggregate, so there only the average is shown, with a note on the page.
"""

import datetime
import re
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypedDict, cast

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models import Case as Conditional
from django.db.models.functions import (
    ExtractHour,
    ExtractYear,
    TruncDate,
    TruncDay,
    TruncMonth,
    TruncWeek,
)
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from faq.models import SimpleCall, UnansweredSearch
from kobepost.cti.models import Call
from kobepost.lib.cache import cached_or_computed
from kobepost.lib.jp_calendar import business_days_between, next_business_day
from kobepost.public.models import Post
from tickets.geo.places import Ward
from tickets.models import Case, CaseQuerySet
from tickets.routing import routing_table

# How long the per-fiscal-year counts of the days before today are reused.
LIVE_CACHE_SECONDS = 120
ARCHIVE_CACHE_SECONDS = 15 * 60
OVERDUE_LIST_LIMIT = 50
TOP_FAQ_LIMIT = 20
UNANSWERED_LIMIT = 20

# --- Japanese era and fiscal year --------------------------------------------------------

# (first day, name): newest first.
ERAS: list[tuple[datetime.date, str]] = [
    (datetime.date(2019, 5, 1), "令和"),
    (datetime.date(1989, 1, 8), "平成"),
]


def era_year(day: datetime.date) -> tuple[str, int]:
    """("令和", 8) for 2026-06-01; the era that was in force on that day."""
    for start, name in ERAS:
        if day >= start:
            return name, day.year - start.year + 1
    raise ValueError(f"no era known before 1989-01-08: {day}")


def era_label(day: datetime.date) -> str:
    """令和8年 / 令和元年 for a day (the first year of an era is 元年)."""
    name, year = era_year(day)
    return f"{name}{'元' if year == 1 else year}年"


def in_japanese() -> bool:
    return (translation.get_language() or "ja").startswith("ja")


def fiscal_year_label(fiscal_year: int) -> str:
    """令和8年度 for FY2026: the era of the fiscal year's 1 April (FY2019 is 平成31年度).

    English readers get the Western fiscal year (FY2026): era names mean nothing to them.
    """
    if not in_japanese():
        return f"FY{fiscal_year}"
    return f"{era_label(datetime.date(fiscal_year, 4, 1))}度"


def fiscal_year_heading(fiscal_year: int) -> str:
    """令和8年度（2026年度）: the era with the Western year beside it; FY2026 in English."""
    if not in_japanese():
        return fiscal_year_label(fiscal_year)
    return f"{fiscal_year_label(fiscal_year)}（{fiscal_year}年度）"


def month_label(year: int, month: int) -> str:
    """令和8年4月; Apr 2026 in English."""
    if not in_japanese():
        return date_format(datetime.date(year, month, 1), "M Y")
    return f"{era_label(datetime.date(year, month, 1))}{month}月"


# 「令和8」「R8」「令和８年度」「r.8」「令和元年度」「平成31」: the era's name or initial, a year.
_ERA_INITIALS = {"令和": "令和", "R": "令和", "平成": "平成", "H": "平成"}
_ERA_YEAR = re.compile(r"^(令和|平成|R|H)\.?\s*(元|\d{1,2})(?:年度?)?$")
_WESTERN_YEAR = re.compile(r"^(\d{4})(?:年度?)?$")


def parse_fiscal_year(text: str) -> int | None:
    """The fiscal year typed in the 年度 box, Western (2026, 2026年度) or in an era (令和8,
    R8, 令和元年度, 平成31); None when it is neither. Full-width digits and letters are
    folded first, as people type them with the Japanese input method on."""
    folded = unicodedata.normalize("NFKC", text).strip().upper()
    if match := _WESTERN_YEAR.match(folded):
        return int(match.group(1))
    if match := _ERA_YEAR.match(folded):
        name = _ERA_INITIALS[match.group(1)]
        year = 1 if match.group(2) == "元" else int(match.group(2))
        start = next(day for day, era in ERAS if era == name)
        return start.year + year - 1 if year >= 1 else None
    return None


def fiscal_year_of_date(day: datetime.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_bounds(fiscal_year: int) -> tuple[datetime.date, datetime.date]:
    """First and last day of a fiscal year: 1 April to 31 March."""
    return datetime.date(fiscal_year, 4, 1), datetime.date(fiscal_year + 1, 3, 31)


def fiscal_year_months(fiscal_year: int) -> list[tuple[int, int]]:
    """(year, month) from April to March."""
    return [(fiscal_year + (month < 4), month) for month in (*range(4, 13), 1, 2, 3)]


def start_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# --- Filters -----------------------------------------------------------------------------


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


# --- Volumes -----------------------------------------------------------------------------

VOLUME_KEYS = ("faq", "cases", "posts")
GRANULARITIES = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}


def auto_granularity(date_from: datetime.date, date_to: datetime.date) -> str:
    days = (date_to - date_from).days + 1
    if days <= 62:
        return "day"
    if days <= 183:
        return "week"
    return "month"


@dataclass
class Row:
    """One line of a table: a label and its numbers by column key."""

    label: str
    # Counts, times (None when nothing to measure) and, for categories, the dial's name.
    values: dict[str, Any] = field(default_factory=dict)
    key: str = ""

    def total(self, keys: Iterable[str]) -> int:
        return sum(int(self.values.get(k) or 0) for k in keys)


def _local_date(value: datetime.datetime | datetime.date) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def totals(stats: StatsFilter) -> dict[str, int]:
    return {
        "faq": stats.simple_calls().count(),
        "cases": stats.cases().count(),
        "posts": stats.posts().count(),
    }


def totals_of(rows: list[Row]) -> dict[str, int]:
    """The period's totals from its volume series: every row of the period is in a bucket."""
    return {key: sum(int(row.values.get(key) or 0) for row in rows) for key in VOLUME_KEYS}


def volume_series(stats: StatsFilter, granularity: str) -> list[Row]:
    """FAQ calls, cases and posts per day/week/month of the period, empty buckets included."""
    trunc = GRANULARITIES[granularity]
    sources = {
        "faq": (stats.simple_calls(), "created_at"),
        "cases": (stats.cases(), "received_at"),
        "posts": (stats.posts(), "created_at"),
    }
    counts: dict[datetime.date, dict[str, int]] = defaultdict(dict)
    for key, (queryset, moment) in sources.items():
        buckets = (
            queryset.annotate(bucket=trunc(moment))
            .values("bucket")
            .annotate(n=Count("*"))
            .values_list("bucket", "n")
        )
        for bucket, number in buckets:
            counts[_local_date(bucket)][key] = number
    rows = []
    for bucket in _buckets(stats.date_from, stats.date_to, granularity):
        values = {key: counts.get(bucket, {}).get(key, 0) for key in sources}
        rows.append(Row(label=_bucket_label(bucket, granularity), values=values))
    return rows


def _buckets(start: datetime.date, end: datetime.date, granularity: str) -> list[datetime.date]:
    if granularity == "day":
        return [start + datetime.timedelta(days=n) for n in range((end - start).days + 1)]
    if granularity == "week":
        monday = start - datetime.timedelta(days=start.weekday())
        return [monday + datetime.timedelta(weeks=n) for n in range((end - monday).days // 7 + 1)]
    months = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(datetime.date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _bucket_label(bucket: datetime.date, granularity: str) -> str:
    if granularity == "month":
        return month_label(bucket.year, bucket.month)  # as in the tables: 令和8年4月
    if granularity == "week":
        return _("%(month)d月%(day)d日の週") % {"month": bucket.month, "day": bucket.day}
    return f"{bucket.month}/{bucket.day}"


def _fiscal_year_expression(moment: str) -> ExpressionWrapper:
    # Extract* use the current time zone (Asia/Tokyo): 31 March 23:59 JST stays in March.
    return ExpressionWrapper(
        ExtractYear(moment)
        - Conditional(
            When(**{f"{moment}__month__lt": 4}, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
        output_field=IntegerField(),
    )


def _fiscal_year_counts(
    stats: StatsFilter,
    *,
    before: datetime.datetime | None = None,
    since: datetime.datetime | None = None,
) -> dict[int, dict[str, int]]:
    """Cases, FAQ calls and posts per fiscal year, of the moments before or since a time."""
    sources = (
        ("cases", stats.cases(with_period=False), "received_at"),
        ("faq", stats.simple_calls(with_period=False), "created_at"),
        ("posts", stats.posts(with_period=False), "created_at"),
    )
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for key, queryset, moment in sources:
        if before is not None:
            queryset = queryset.filter(**{f"{moment}__lt": before})
        if since is not None:
            queryset = queryset.filter(**{f"{moment}__gte": since})
        # Cases carry their fiscal year; calls and posts get it from the moment.
        year = F("fiscal_year") if key == "cases" else _fiscal_year_expression(moment)
        years = queryset.annotate(fy=year).values("fy").annotate(n=Count("*"))
        for fiscal_year, number in years.values_list("fy", "n"):
            counts[fiscal_year][key] = number
    return counts


def archive_cache_seconds() -> int:
    return int(getattr(settings, "STATS_ARCHIVE_CACHE_SECONDS", ARCHIVE_CACHE_SECONDS))


def live_cache_seconds() -> int:
    """How long figures of a period that reaches today are reused: a dashboard or monthly
    report over a whole year takes 100–600 ms to compute on the archive, and supervisors
    reading it do not need the last two minutes (overdue lists stay live)."""
    return int(getattr(settings, "STATS_LIVE_CACHE_SECONDS", LIVE_CACHE_SECONDS))


def _archive_fiscal_year_counts(
    stats: StatsFilter, before: datetime.datetime
) -> dict[int, dict[str, int]]:
    """The counts of everything before ``before`` (today's start), from the cache if there.

    Counting every call, case and post of ten years reads millions of rows (over a second
    on the archive) for a table whose past hardly moves: rows are never deleted (retention
    disposal erases personal data, not the row), and what is dated before today changes
    only by rare edits (a call entered afterwards with an earlier time, a transfer of an
    older case, an FAQ entry or a post given another department). Those show within
    STATS_ARCHIVE_CACHE_SECONDS; today's rows are always counted live.
    """
    key = (
        f"stats:fy-volume:v1:{before.isoformat()}:"
        f"dial={stats.dial_id or ''}:department={stats.department_id or ''}"
    )
    return _cached(key, lambda: dict(_fiscal_year_counts(stats, before=before)))


def volume_by_fiscal_year(stats: StatsFilter) -> list[Row]:
    """Every fiscal year in the archive (dial and department filters apply, not the period)."""
    today = start_of_day(timezone.localdate())
    # Today's rows within STATS_LIVE_CACHE_SECONDS, like every figure of a period that
    # reaches today (the page says so): counting them live cost 6 ms of every dashboard
    # view, mostly building the fiscal-year expression, for a yearly total.
    todays = _cached(
        f"stats:fy-volume-today:v1:{today.isoformat()}:"
        f"dial={stats.dial_id or ''}:department={stats.department_id or ''}",
        lambda: dict(_fiscal_year_counts(stats, since=today)),
        seconds=live_cache_seconds(),
    )
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for part in (_archive_fiscal_year_counts(stats, today), todays):
        for year, numbers in part.items():
            for key, number in numbers.items():
                counts[year][key] = counts[year].get(key, 0) + number
    return [
        Row(
            label=fiscal_year_heading(year),
            key=str(year),
            values={k: counts[year].get(k, 0) for k in VOLUME_KEYS},
        )
        for year in sorted(counts, reverse=True)
    ]


def volume_by_dial(stats: StatsFilter) -> list[Row]:
    from tickets.models import Dial

    dials = Dial.objects.order_by("sort_order", "code")
    if stats.dial_id:
        dials = dials.filter(pk=stats.dial_id)
    rows: dict[int | None, Row] = {dial.pk: Row(label=dial.name, key=dial.code) for dial in dials}
    for row in rows.values():
        row.values = {"faq": 0, "cases": 0, "posts": 0}
    for key, queryset, dial_field in (
        ("faq", stats.simple_calls(), "dial_id"),
        ("cases", stats.cases(), "dial_id"),
        ("posts", stats.posts(), "category__ticket_category__dial_id"),
    ):
        for dial_id, number in (
            queryset.values(dial_field).annotate(n=Count("*")).values_list(dial_field, "n")
        ):
            if dial_id is None:
                unmapped = rows.setdefault(
                    None, Row(label=_("ダイヤル未設定"), values={"faq": 0, "cases": 0, "posts": 0})
                )
                unmapped.values[key] = number
            elif dial_id in rows:
                rows[dial_id].values[key] = number
    return list(rows.values())


def _counted(queryset: QuerySet, group: str, label_field: str, *, limit: int | None = None):
    rows = (
        queryset.values(group, label_field)
        .annotate(n=Count("*"))
        .order_by("-n", label_field)
        .values_list(group, label_field, "n")
    )
    if limit:
        rows = rows[:limit]
    return list(rows)


def cases_by_channel(stats: StatsFilter) -> list[Row]:
    labels = dict(Case.Channel.choices)
    rows = (
        stats.cases()
        .values("channel")
        .annotate(n=Count("*"))
        .order_by("-n", "channel")
        .values_list("channel", "n")
    )
    return [Row(label=str(labels.get(c, c)), key=c, values={"cases": n}) for c, n in rows]


def posts_by_channel(stats: StatsFilter) -> list[Row]:
    labels = dict(Post.Channel.choices)
    rows = (
        stats.posts()
        .values("channel")
        .annotate(n=Count("*"))
        .order_by("-n", "channel")
        .values_list("channel", "n")
    )
    return [Row(label=str(labels.get(c, c)), key=c, values={"posts": n}) for c, n in rows]


def cases_by_category(stats: StatsFilter) -> list[Row]:
    rows = (
        stats.cases()
        .values("category_id", "category__name", "dial__name")
        .annotate(n=Count("*"))
        .order_by("-n", "category__name")
        .values_list("category_id", "category__name", "dial__name", "n")
    )
    return [
        Row(label=name, key=str(pk), values={"cases": n, "dial": dial})
        for pk, name, dial, n in rows
    ]


def cases_by_department(stats: StatsFilter) -> list[Row]:
    return [
        Row(label=name, key=str(pk), values={"cases": n})
        for pk, name, n in _counted(stats.cases(), "department_id", "department__name")
    ]


def cases_by_ward(stats: StatsFilter) -> list[Row]:
    """All nine wards in code order (zero included), then cases without a ward."""
    counts = dict(stats.cases().values("ward").annotate(n=Count("*")).values_list("ward", "n"))
    rows = [
        Row(label=str(label), key=code, values={"cases": counts.get(code, 0)})
        for code, label in Ward.choices
    ]
    rows.append(Row(label=_("区不明"), key="", values={"cases": counts.get("", 0)}))
    return rows


# --- Response times ------------------------------------------------------------------------


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate ``percentile_cont(f) WITHIN GROUP (ORDER BY x)``.

    Several fractions give an array of values from one sort of the group: asking for the
    median and the 90th percentile apart sorted every group twice (twice the time on a
    whole fiscal year).
    """

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)%(filter)s"
    allow_distinct = False

    def __init__(self, expression, fraction: float | tuple[float, ...], **extra):
        fractions = fraction if isinstance(fraction, tuple) else (fraction,)
        if not all(0 <= f <= 1 for f in fractions):
            raise ValueError("fraction must lie in [0, 1]")
        sql: str | float
        if isinstance(fraction, tuple):
            # Plain floats checked above: nothing from outside reaches the SQL text.
            sql = f"ARRAY[{', '.join(str(float(f)) for f in fractions)}]::float8[]"
        else:
            sql = float(fraction)
        super().__init__(expression, fraction=sql, **extra)


def percentiles_supported() -> bool:
    return connection.vendor == "postgresql"


RESPONSE_MEASURES = {
    # key: (label, start, end); the ends are the case's milestone columns (Case.MILESTONES).
    "reply": (gettext_lazy("受付→所管課回答"), "received_at", "first_answered_at"),
    "told": (gettext_lazy("所管課回答→市民回答"), "first_answered_at", "first_told_at"),
    "closed": (gettext_lazy("受付→完了"), "received_at", "first_closed_at"),
}


def _hours(start: str, end: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


def _response_aggregates() -> dict:
    aggregates: dict = {}
    for key, (_label, start, end) in RESPONSE_MEASURES.items():
        span = _hours(start, end)
        done = Q(**{f"{end}__isnull": False})
        aggregates[f"{key}_n"] = Count(end)  # the cases that reached the end, as ``done``
        aggregates[f"{key}_avg"] = Avg(span, filter=done)
        if percentiles_supported():
            aggregates[f"{key}_pct"] = PercentileCont(
                span, (0.5, 0.9), filter=done, output_field=ArrayField(DurationField())
            )
    return aggregates


def _as_hours(value: datetime.timedelta | float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        return round(value.total_seconds() / 3600, 1)
    return round(float(value) / 3_600_000_000, 1)  # SQLite may hand back microseconds


def _response_row(label: str, key: str, data: dict) -> Row:
    values: dict[str, float | int | None] = {}
    for measure in RESPONSE_MEASURES:
        values[f"{measure}_n"] = data.get(f"{measure}_n") or 0
        # NULL, not an array, when no case of the group reached the end.
        median, p90 = data.get(f"{measure}_pct") or (None, None)
        values[f"{measure}_avg"] = _as_hours(data.get(f"{measure}_avg"))
        values[f"{measure}_median"] = _as_hours(median)
        values[f"{measure}_p90"] = _as_hours(p90)
    return Row(label=label, key=key, values=values)


def response_times(
    stats: StatsFilter, group: str | None, *, business_days: bool = False
) -> list[Row]:
    """Median, 90th percentile and average in hours per department, category, or overall.

    ``group`` is "department", "category" or None (one row for everything). With
    ``business_days`` the same measures in business days too (``<measure>_bd_median`` …).
    """
    cases = stats.cases()
    aggregates = _response_aggregates()
    if group is None:
        rows = [_response_row(_("全体"), "", cases.aggregate(**aggregates))]
    else:
        grouped = (
            cases.values(f"{group}_id", f"{group}__name")
            .annotate(**aggregates)
            .order_by(f"{group}__name")
        )
        rows = [
            _response_row(row[f"{group}__name"], str(row[f"{group}_id"]), row) for row in grouped
        ]
    if business_days:
        spans = _business_day_spans(cases, group)
        for row in rows:
            for measure in RESPONSE_MEASURES:
                row.values.update(_spread(measure, spans[measure].get(row.key, {})))
    return rows


def _business_day_spans(
    cases: QuerySet[Case], group: str | None
) -> dict[str, dict[str, dict[int, int]]]:
    """measure → group key → {business days taken: cases}, one query per measure.

    Business days cannot be summed in SQL without a calendar table; the cases are grouped by
    their (start day, end day) in Japan time instead, a few thousand rows a year at most,
    and each pair is counted with kobepost.lib.jp_calendar.
    """
    spans: dict[str, dict[str, dict[int, int]]] = {}
    for measure, (_label, start, end) in RESPONSE_MEASURES.items():
        by_group: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        fields = [f"{group}_id"] if group else []
        pairs = (
            cases.filter(**{f"{end}__isnull": False})
            .annotate(start_day=TruncDate(start), end_day=TruncDate(end))
            .values(*fields, "start_day", "end_day")
            .annotate(n=Count("*"))
            .values_list(*fields, "start_day", "end_day", "n")
        )
        for *key, start_day, end_day, number in pairs:
            taken = business_days_between(start_day, end_day)
            by_group[str(key[0]) if key else ""][taken] += number
        spans[measure] = by_group
    return spans


def _percentile(counted: list[tuple[int, int]], total: int, fraction: float) -> float:
    """percentile_cont over values given with their counts (sorted): the same linear
    interpolation PostgreSQL uses for the hours."""
    position = fraction * (total - 1)
    low, high = int(position), min(int(position) + 1, total - 1)
    seen = 0
    low_value: int | None = None
    high_value: int | None = None
    for value, number in counted:
        if low_value is None and low < seen + number:
            low_value = value
        if high < seen + number:
            high_value = value
            break
        seen += number
    if low_value is None or high_value is None:
        raise ValueError("counted holds fewer than total values")
    return round(low_value + (high_value - low_value) * (position - low), 1)


def _spread(measure: str, taken: dict[int, int]) -> dict[str, float | None]:
    total = sum(taken.values())
    if not total:
        return dict.fromkeys((f"{measure}_bd_median", f"{measure}_bd_p90", f"{measure}_bd_avg"))
    counted = sorted(taken.items())
    return {
        f"{measure}_bd_median": _percentile(counted, total, 0.5),
        f"{measure}_bd_p90": _percentile(counted, total, 0.9),
        f"{measure}_bd_avg": round(sum(v * n for v, n in counted) / total, 1),
    }


# --- Overdue -------------------------------------------------------------------------------
# One overdue rule for the whole tool: a case's own reply due date (its category's reply
# days, stored on the case by tickets.services), through the queryset the department
# screens and the daily reminder use (CaseQuerySet.overdue / due_soon).


def overdue_cases(stats: StatsFilter, today: datetime.date | None = None) -> QuerySet[Case]:
    """Cases still waiting for the department's reply past their due date, as of today.

    The period filter does not apply: an old overdue case is the most overdue of all.
    """
    return stats.cases(with_period=False).overdue(today)


def overdue_by_department(stats: StatsFilter, today: datetime.date | None = None) -> list[Row]:
    """Per department: overdue, due today and due on the next business day, in one query.

    Counted per department id from the index alone; the names come from the routing
    table (joining the departments to thousands of rows was most of this query's time).
    """
    today = today or timezone.localdate()
    tomorrow = next_business_day(today)
    names = {row.pk: row.name for row in routing_table().departments}
    counts = (
        stats.cases(with_period=False)
        .unanswered()
        .filter(reply_due_date__lte=tomorrow)
        .values_list("department_id")
        .annotate(
            overdue=Count("reply_due_date", filter=Q(reply_due_date__lt=today)),
            due_today=Count("reply_due_date", filter=Q(reply_due_date=today)),
            due_tomorrow=Count("reply_due_date", filter=Q(reply_due_date=tomorrow)),
        )
    )
    rows = [(names.get(pk, str(pk)), pk, values) for pk, *values in counts]
    rows.sort(key=lambda row: (-row[2][0], -row[2][1], -row[2][2], row[0]))
    return [
        Row(
            label=name,
            key=str(pk),
            values={"overdue": overdue, "due_today": due_today, "due_tomorrow": due_tomorrow},
        )
        for name, pk, (overdue, due_today, due_tomorrow) in rows
    ]


@dataclass(frozen=True)
class OverdueCase:
    pk: int
    reference: str
    received_at: datetime.datetime
    due: datetime.date
    department: str
    category: str
    title: str
    status: str  # translated label


def overdue_list(stats: StatsFilter, today: datetime.date | None = None) -> list[OverdueCase]:
    """The most overdue cases (the department screens' order), as plain rows: names and
    labels from the routing table and the choices, so 50 rows are not 150 model instances."""
    routing = routing_table()
    departments = {row.pk: row.name for row in routing.departments}
    categories = {row.pk: row.name for row in routing.categories}
    statuses = {value: str(label) for value, label in Case.Status.choices}
    rows = (
        overdue_cases(stats, today)
        .order_by("reply_due_date", "received_at", "id")
        .values_list(
            "pk",
            "reference",
            "received_at",
            "reply_due_date",
            "department_id",
            "category_id",
            "title",
            "status",
        )[:OVERDUE_LIST_LIMIT]
    )
    return [
        OverdueCase(
            pk=pk,
            reference=reference,
            received_at=received_at,
            due=cast(datetime.date, due),  # overdue: the due date is set and past
            department=departments.get(department_id, ""),
            category=categories.get(category_id, ""),
            title=title,
            status=statuses.get(status, status),
        )
        for pk, reference, received_at, due, department_id, category_id, title, status in rows
    ]


# --- FAQ -----------------------------------------------------------------------------------


def top_faq_entries(stats: StatsFilter) -> list[Row]:
    rows = _counted(
        stats.simple_calls().filter(faq_entry__isnull=False),
        "faq_entry_id",
        "faq_entry__question",
        limit=TOP_FAQ_LIMIT,
    )
    return [Row(label=question, key=str(pk), values={"calls": n}) for pk, question, n in rows]


def unanswered_searches(stats: StatsFilter) -> list[Row]:
    rows = (
        stats.unanswered_searches()
        .values("normalized_query")
        .annotate(n=Count("*"), last=Min("query"))
        .order_by("-n", "normalized_query")
        .values_list("normalized_query", "last", "n")[:UNANSWERED_LIMIT]
    )
    return [
        Row(label=shown or query, key=query, values={"searches": n}) for query, shown, n in rows
    ]


# --- The call journal (kobepost.cti) -------------------------------------------------------
# 応答率: answered / (answered + missed + abandoned). 平均処理時間: from answer to hang-up,
# the part of the work the phone system sees. 一次完結率: the answered calls that were
# answered on the spot (an FAQ answer, or a call logged as answered without one) and
# became no case.
CALL_KEYS = ("calls", "answered", "missed", "abandoned", "faq", "talk_n", "talk_seconds")


def _seconds(value: datetime.timedelta | float | None) -> float:
    if value is None:
        return 0.0
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    return float(value) / 1_000_000  # SQLite hands back microseconds


def _call_row(label: str, key: str, values: dict) -> Row:
    answered, calls = values["answered"], values["calls"]
    values["answer_rate"] = round(100 * answered / calls, 1) if calls else None
    values["fcr"] = round(100 * values["faq"] / answered, 1) if answered else None
    values["aht"] = round(values["talk_seconds"] / values["talk_n"]) if values["talk_n"] else None
    return Row(label=label, key=key, values=values)


def call_figures(stats: StatsFilter) -> list[Row]:
    """Per dial, then 全体: calls, answered, missed, abandoned, answer rate (%), average
    handling time (seconds), first-contact resolution (%). One GROUP BY; the overall row
    adds the dials' counts and durations up, so it is exact too."""
    answered = Q(outcome=Call.Outcome.ANSWERED)
    talk = ExpressionWrapper(F("ended_at") - F("answered_at"), output_field=DurationField())
    rows = (
        stats.calls()
        .values("dial_id")
        .annotate(
            calls=Count("*"),
            answered=Count("started_at", filter=answered),
            missed=Count("started_at", filter=Q(outcome=Call.Outcome.MISSED)),
            abandoned=Count("started_at", filter=Q(outcome=Call.Outcome.ABANDONED)),
            faq=Count(
                "started_at", filter=answered & Q(simple_call__isnull=False, case__isnull=True)
            ),
            talk_n=Count("ended_at", filter=answered),
            talk_sum=Sum(talk, filter=answered & Q(ended_at__isnull=False)),
        )
        .values_list(
            "dial_id", "calls", "answered", "missed", "abandoned", "faq", "talk_n", "talk_sum"
        )
    )
    names = dict(routing_table().dials)
    total = dict.fromkeys(CALL_KEYS, 0.0)
    by_dial = []
    for dial_id, *numbers in rows:
        values = dict(zip(CALL_KEYS, [*numbers[:-1], _seconds(numbers[-1])], strict=True))
        for name in CALL_KEYS:
            total[name] += values[name]
        label = names.get(dial_id, _("ダイヤル不明")) if dial_id else _("ダイヤル不明")
        by_dial.append(_call_row(label, str(dial_id or ""), values))
    by_dial.sort(key=lambda row: (row.key == "", row.label))
    total = {name: int(value) if name != "talk_seconds" else value for name, value in total.items()}
    return [*by_dial, _call_row(_("全体"), "all", total)]


def calls_by_hour(stats: StatsFilter) -> tuple[list[tuple[str, str]], list[Row]]:
    """Calls per hour of the day (Japan time) and dial: the dials as (key, name) columns,
    then one row per hour from the first to the last hour with a call."""
    counts = (
        stats.calls()
        .annotate(hour=ExtractHour("started_at"))
        .values("hour", "dial_id")
        .annotate(n=Count("*"))
        .values_list("hour", "dial_id", "n")
    )
    table: dict[int, dict[str, int]] = defaultdict(dict)
    used: set[str] = set()
    for hour, dial_id, number in counts:
        key = str(dial_id or "")
        table[hour][key] = table[hour].get(key, 0) + number
        used.add(key)
    columns = [(str(pk), name) for pk, name in routing_table().dials if str(pk) in used]
    if "" in used:
        columns.append(("", _("ダイヤル不明")))
    if not table:
        return columns, []
    rows = []
    for hour in range(min(table), max(table) + 1):
        values: dict[str, float | int | None] = {
            key: table[hour].get(key, 0) for key, _n in columns
        }
        values["total"] = sum(table[hour].values())
        rows.append(Row(label=f"{hour}:00–{hour}:59", key=str(hour), values=values))
    return columns, rows


# --- The period's figures ------------------------------------------------------------------


class PeriodFigures(TypedDict):
    """What period_figures() returns (one entry per table of the dashboard)."""

    version: str
    volume: list[Row]
    dial: list[Row]
    department: list[Row]
    ward: list[Row]
    case_channel: list[Row]
    post_channel: list[Row]
    category: list[Row]
    response_overall: list[Row]
    response_department: list[Row]
    response_category: list[Row]
    top_faq: list[Row]
    unanswered: list[Row]
    calls: list[Row]
    calls_by_hour: tuple[list[tuple[str, str]], list[Row]]


def period_figures(
    stats: StatsFilter,
    granularity: str,
    *,
    with_searches: bool,
    today: datetime.date | None = None,
) -> PeriodFigures:
    """Every figure of the dashboard that depends on the period, by table.

    A period that ended before today (last month, last fiscal year) is computed once per
    STATS_ARCHIVE_CACHE_SECONDS: like the closed months of the monthly report, its rows
    change only by rare edits, and a whole fiscal year costs a third of a second of
    percentiles. A period that reaches today is reused for STATS_LIVE_CACHE_SECONDS (two
    minutes, said on the page). Labels are translated, so the cache is per language.
    ``"version"`` is new with every computation: the page's rendered tables and charts are
    cached under it, so they are never older than these figures.
    """

    def compute() -> PeriodFigures:
        return {
            "version": uuid.uuid4().hex,
            "volume": volume_series(stats, granularity),
            "dial": volume_by_dial(stats),
            "department": cases_by_department(stats),
            "ward": cases_by_ward(stats),
            "case_channel": cases_by_channel(stats),
            "post_channel": posts_by_channel(stats),
            "category": cases_by_category(stats),
            "response_overall": response_times(stats, None),
            "response_department": response_times(stats, "department"),
            "response_category": response_times(stats, "category"),
            "top_faq": top_faq_entries(stats),
            "unanswered": unanswered_searches(stats) if with_searches else [],
            # The call center's own work, like the searches: not for department staff.
            "calls": call_figures(stats) if with_searches else [],
            "calls_by_hour": calls_by_hour(stats) if with_searches else ([], []),
        }

    today = today or timezone.localdate()
    if stats.date_to >= today:
        return _cached(
            f"stats:period-live:v3:{today.isoformat()}:{stats.date_from.isoformat()}:"
            f"{stats.date_to.isoformat()}:{granularity}:searches={int(with_searches)}:"
            f"{_scope_key(stats)}:lang={translation.get_language()}",
            compute,
            seconds=live_cache_seconds(),
        )
    return _cached(
        f"stats:period:v3:{stats.date_from.isoformat()}:{stats.date_to.isoformat()}:"
        f"{granularity}:searches={int(with_searches)}:{_scope_key(stats)}:"
        f"lang={translation.get_language()}",
        compute,
    )


# --- Monthly report (city) ---------------------------------------------------------------


@dataclass
class MonthlyReport:
    fiscal_year: int
    label: str
    months: list[tuple[int, int]]
    month_labels: list[str]
    volumes: list[Row]  # one per month: faq, cases, posts
    by_dial: list[Row]  # one per dial: month keys "YYYY-MM" → cases + FAQ calls
    by_department: list[Row]  # one per department: month keys → cases
    by_ward: list[Row]  # one per ward: month keys → cases
    response: list[Row]  # per department, hours and business days
    by_kind: list[Row] = field(default_factory=list)  # 通報 / 問い合わせ: month keys → cases
    by_channel: list[Row] = field(default_factory=list)  # 電話, FAX, …: month keys → cases
    by_category: list[Row] = field(default_factory=list)  # per category: month keys → cases
    posts: list[Row] = field(default_factory=list)  # per post category: outcome keys → posts
    kpis: list[Row] = field(default_factory=list)  # one per month: the KPI counts
    # The same tables of the previous fiscal year (rows matched by key), for the
    # "previous year" columns: same month and whole fiscal year.
    previous: "MonthlyReport | None" = None

    @property
    def month_keys(self) -> list[str]:
        return [f"{y:04d}-{m:02d}" for y, m in self.months]

    def previous_total(self, table: str, key: str) -> int:
        """The previous fiscal year's total of the row ``key`` of ``table`` (0 if absent)."""
        if self.previous is None:
            return 0
        for row in getattr(self.previous, table):
            if row.key == key:
                return row.total(self.previous.month_keys)
        return 0


def _month_key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


# The counts of a month, kept as plain dicts so that they can be cached and merged:
# "cases" by CASE_GROUP, "faq" by dial id, "posts" by (post category, case link,
# rejection), "kpi" (cases answered by their due date, cases judged) as one group.
MonthCounts = dict[str, dict]


def _month_bounds(months: list[tuple[int, int]]) -> list[datetime.datetime]:
    """The first moment of each month and of the month after the last one (Japan time)."""
    year, month = months[-1]
    following = (year + 1, 1) if month == 12 else (year, month + 1)
    return [start_of_day(datetime.date(y, m, 1)) for y, m in (*months, following)]


def _per_month(queryset: QuerySet, moment: str, months: list[tuple[int, int]], group: list[str]):
    """One COUNT per month, side by side, per group: the rows are compared with the month
    boundaries as stored (UTC) instead of converting every row's time to Japan time and
    extracting its year and month, which cost more than reading the rows. (Django allows
    no filter on COUNT(*); the moment is never NULL, so counting it counts the rows.)"""
    bounds = _month_bounds(months)
    counts = {
        _month_key(y, m): Count(moment, filter=Q(**{f"{moment}__gte": lo, f"{moment}__lt": hi}))
        for (y, m), lo, hi in zip(months, bounds, bounds[1:], strict=False)
    }
    period = queryset.filter(**{f"{moment}__gte": bounds[0], f"{moment}__lt": bounds[-1]})
    if not group:
        return period.aggregate(**counts)
    return period.values(*group).annotate(**counts).values_list(*group, *counts)


CASE_GROUP = [
    "dial_id",
    "department_id",
    "department__name",
    "ward",
    "kind",
    "channel",
    "category_id",
]
POST_GROUP = ["category_id", "category__name", "case_link", "rejection"]


def _month_counts(stats: StatsFilter, months: list[tuple[int, int]]) -> MonthCounts:
    """Cases, FAQ calls and posts of the given months in three queries."""
    keys = [_month_key(y, m) for y, m in months]
    width = len(CASE_GROUP)
    cases = {
        tuple(row[:width]): dict(zip(keys, row[width:], strict=True))
        for row in _per_month(stats.cases(), "received_at", months, CASE_GROUP)
    }
    faq = {
        row[0]: dict(zip(keys, row[1:], strict=True))
        for row in _per_month(stats.simple_calls(), "created_at", months, ["dial_id"])
    }
    posts = {
        tuple(row[:4]): dict(zip(keys, row[4:], strict=True))
        for row in _per_month(stats.posts(), "created_at", months, POST_GROUP)
    }
    return {"cases": cases, "faq": faq, "posts": posts}


def _month_kpis(
    stats: StatsFilter, months: list[tuple[int, int]], today: datetime.date
) -> dict[str, dict[str, int]]:
    """Per month of receipt: cases answered by their due date, and cases that can be judged
    (answered, or still unanswered past the due date). One query.

    The first answer counts (Case.first_answered_at), in Japan time: answered on the due
    date itself is in time, as on the department screens.
    """
    bounds = _month_bounds(months)
    on_time = Q(reply_due_date__isnull=False, first_answered_at__date__lte=F("reply_due_date"))
    judged = Q(reply_due_date__isnull=False) & (
        Q(first_answered_at__isnull=False) | Q(reply_due_date__lt=today)
    )
    aggregates = {}
    for (y, m), lo, hi in zip(months, bounds, bounds[1:], strict=False):
        in_month = Q(received_at__gte=lo, received_at__lt=hi)
        aggregates[f"{_month_key(y, m)}:on_time"] = Count("received_at", filter=in_month & on_time)
        aggregates[f"{_month_key(y, m)}:judged"] = Count("received_at", filter=in_month & judged)
    counts = (
        stats.cases()
        .filter(received_at__gte=bounds[0], received_at__lt=bounds[-1])
        .aggregate(**aggregates)
    )
    return {
        _month_key(y, m): {
            "on_time": counts[f"{_month_key(y, m)}:on_time"],
            "judged": counts[f"{_month_key(y, m)}:judged"],
        }
        for y, m in months
    }


def _merge_month_counts(parts: list[MonthCounts]) -> MonthCounts:
    """The counts of disjoint sets of months as one (each part has its own months)."""
    merged: MonthCounts = {
        "cases": defaultdict(dict),
        "faq": defaultdict(dict),
        "posts": defaultdict(dict),
    }
    for part in parts:
        for source in ("cases", "faq", "posts"):
            for group, by_month in part[source].items():
                merged[source][group].update(by_month)
    return merged


def _cached(key: str, compute, *, seconds: int | None = None):
    """``compute()`` through the cache for ``seconds`` (STATS_ARCHIVE_CACHE_SECONDS unless
    given); a cache that is down only costs the time of computing."""
    return cached_or_computed(
        key, compute, seconds=archive_cache_seconds() if seconds is None else seconds
    )


def _scope_key(stats: StatsFilter) -> str:
    return f"dial={stats.dial_id or ''}:department={stats.department_id or ''}"


POST_OUTCOMES = {
    "forwarded": gettext_lazy("所管課へ送付"),
    "duplicate": gettext_lazy("既存の案件と重複"),
    "rejected": gettext_lazy("不採用"),
    "pending": gettext_lazy("未処理"),
}


def post_outcome(case_link: str, rejection: str) -> str:
    """What became of a post: rejected first (a rejected post keeps no case), then its link."""
    if rejection:
        return "rejected"
    if case_link == Post.CaseLink.FORWARDED:
        return "forwarded"
    if case_link == Post.CaseLink.DUPLICATE:
        return "duplicate"
    return "pending"


def _fiscal_year_figures(
    stats: StatsFilter, fiscal_year: int, today: datetime.date, *, with_response: bool
) -> tuple[MonthCounts, list[Row], dict[str, dict[str, int]]]:
    """The counts, response times and KPI counts of one fiscal year, through the cache.

    A whole fiscal year is ~100,000 rows. The months that ended before this month are
    counted once per STATS_ARCHIVE_CACHE_SECONDS (like the fiscal-year table of the
    dashboard, they change only by rare edits: a transfer, a call entered afterwards);
    this month and the later ones, with the response times and the KPIs of the whole year
    (medians and 90th percentiles cannot be added up from parts, and "overdue" moves with
    the day), are reused for STATS_LIVE_CACHE_SECONDS. A fiscal year that is over is
    cached whole.
    """
    months = fiscal_year_months(fiscal_year)
    this_month = (today.year, today.month)
    closed = [month for month in months if month < this_month]
    current = [month for month in months if month >= this_month]
    scope_key = _scope_key(stats)

    def year_wide() -> tuple[list[Row], dict[str, dict[str, int]]]:
        # The previous year's report only lends its counts to the comparison columns.
        response = response_times(stats, "department", business_days=True) if with_response else []
        return response, _month_kpis(stats, months, today)

    wide_key = f"{scope_key}:response={int(with_response)}"
    if not current:
        counts, response, kpis = _cached(
            f"stats:monthly:v2:fy={fiscal_year}:{wide_key}",
            lambda: (_month_counts(stats, months), *year_wide()),
        )
        return counts, response, kpis
    live_counts, response, kpis = _cached(
        f"stats:monthly-live:v2:fy={fiscal_year}:{today.isoformat()}:{wide_key}",
        lambda: (_month_counts(stats, current), *year_wide()),
        seconds=live_cache_seconds(),
    )
    parts = [live_counts]
    if closed:
        parts.append(
            _cached(
                f"stats:monthly-closed:v2:fy={fiscal_year}:to={_month_key(*closed[-1])}:"
                f"{scope_key}",
                lambda: _month_counts(stats, closed),
            )
        )
    return _merge_month_counts(parts), response, kpis


def monthly_report(
    stats_for_scope: StatsFilter,
    fiscal_year: int,
    today: datetime.date | None = None,
    *,
    with_previous: bool = True,
    dials: list | None = None,
) -> MonthlyReport:
    """The city's monthly figures of one fiscal year (April – March), with the previous
    fiscal year's report for the "previous year" columns (same month, whole year).

    ``stats_for_scope`` carries the dial/department scope; its period is replaced by the
    fiscal year.
    """
    from tickets.models import Dial

    first, last = fiscal_year_bounds(fiscal_year)
    stats = StatsFilter(
        date_from=first,
        date_to=last,
        dial_id=stats_for_scope.dial_id,
        department_id=stats_for_scope.department_id,
    )
    months = fiscal_year_months(fiscal_year)
    keys = [_month_key(y, m) for y, m in months]
    today = today or timezone.localdate()
    counts, response, kpis = _fiscal_year_figures(
        stats, fiscal_year, today, with_response=with_previous
    )

    def empty_row(label: str, key: str) -> Row:
        return Row(label=label, key=key, values=dict.fromkeys(keys, 0))

    volumes = {key: dict.fromkeys(VOLUME_KEYS, 0) for key in keys}
    if dials is None:
        in_scope = Dial.objects.order_by("sort_order", "code")
        if stats.dial_id:
            in_scope = in_scope.filter(pk=stats.dial_id)
        dials = list(in_scope)
    dial_rows = {d.pk: empty_row(d.name, d.code) for d in dials}
    department_rows: dict = {}
    ward_rows = {code: empty_row(str(label), code) for code, label in Ward.choices}
    ward_rows[""] = empty_row(_("区不明"), "")
    kind_rows = {value: empty_row(str(label), value) for value, label in Case.Kind.choices}
    channel_rows = {value: empty_row(str(label), value) for value, label in Case.Channel.choices}
    routing = routing_table()
    category_names = {row.pk: (row.dial_name, row.name) for row in routing.categories}
    category_rows: dict = {}

    for group, by_month in counts["cases"].items():
        dial_id, department_id, department_name, ward, kind, channel, category_id = group
        department = department_rows.setdefault(
            department_id, empty_row(department_name, str(department_id))
        )
        dial_name, category_name = category_names.get(category_id, ("", str(category_id)))
        category = category_rows.setdefault(
            category_id, empty_row(f"{dial_name} {category_name}".strip(), str(category_id))
        )
        targets = [department, category]
        for table, key in (
            (dial_rows, dial_id),
            (ward_rows, ward),
            (kind_rows, kind),
            (channel_rows, channel),
        ):
            if key in table:
                targets.append(table[key])
        for key, number in by_month.items():
            volumes[key]["cases"] += number
            for row in targets:
                row.values[key] += number
    for dial_id, by_month in counts["faq"].items():
        for key, number in by_month.items():
            volumes[key]["faq"] += number
            if dial_id in dial_rows:
                dial_rows[dial_id].values[key] += number
    post_rows: dict = {}
    for (category_id, category_name, case_link, rejection), by_month in counts["posts"].items():
        row = post_rows.setdefault(
            category_id,
            Row(
                label=category_name or _("分類なし"),
                key=str(category_id),
                values=dict.fromkeys(POST_OUTCOMES, 0),
            ),
        )
        outcome = post_outcome(case_link, rejection)
        for key, number in by_month.items():
            volumes[key]["posts"] += number
            row.values[outcome] += number

    kpi_rows = []
    for (y, m), key in zip(months, keys, strict=True):
        faq, cases = volumes[key]["faq"], volumes[key]["cases"]
        kpi_rows.append(
            Row(
                label=month_label(y, m),
                key=key,
                values={
                    "faq": faq,
                    "contacts": faq + cases,
                    "on_time": kpis[key]["on_time"],
                    "judged": kpis[key]["judged"],
                },
            )
        )

    previous = None
    if with_previous:
        previous = monthly_report(
            stats_for_scope, fiscal_year - 1, today, with_previous=False, dials=dials
        )
    return MonthlyReport(
        fiscal_year=fiscal_year,
        label=fiscal_year_label(fiscal_year),
        months=months,
        month_labels=[month_label(y, m) for y, m in months],
        volumes=[
            Row(label=month_label(y, m), key=k, values=volumes[k])
            for (y, m), k in zip(months, keys, strict=True)
        ],
        by_dial=list(dial_rows.values()),
        by_department=sorted(department_rows.values(), key=lambda row: row.label),
        by_ward=list(ward_rows.values()),
        response=response,
        by_kind=list(kind_rows.values()),
        by_channel=[
            row
            for value, row in channel_rows.items()
            # 窓口 (a department's own counter) only when it was used: the call center's
            # report is about the four channels the city publishes.
            if value != Case.Channel.COUNTER or row.total(keys)
        ],
        by_category=sorted(category_rows.values(), key=lambda row: row.label),
        posts=sorted(post_rows.values(), key=lambda row: row.label),
        kpis=kpi_rows,
        previous=previous,
    )


def share(part: int, whole: int) -> float | None:
    """A percentage with one decimal, None when there is nothing to divide."""
    return round(100 * part / whole, 1) if whole else None
