"""Counts of closed months (kobepost.stats.models): building them, invalidating them, and
reading a period as "counted months + the rest live".

Why months, not days: the archive receives ~140 cases and ~270 FAQ calls a day, spread
over ~60 categories, 10 wards, 5 channels and thousands of FAQ entries, so a day's rows
would be nearly as many as its cases. A month's rows are a few hundred, so ten years of
any breakdown is a sum over at most a few tens of thousands of narrow index rows, and a
whole period's totals over a few hundred. The partial months at the two edges of a period
(at most two, ~60 days) and the current month are read from the cases and calls
themselves through their period indexes, as before.

Consistency, whatever writes: a month is read from the counts only with a StatsMonth
marker and no tickets.CountedMonthChange row. The writers below the statistics (the
tickets services: department, category, channel, kind, ward, a new case dated in a closed
month; retention disposal, which blanks no counted field today; FAQ calls logged with an
earlier time) record the change in their own transaction (tickets/counted_months.py).
stats_month_build rewrites a month's counts and marker and clears its change in one
transaction; both sides take the month's advisory lock, so a build either sees a change
committed or is followed by its record. A month not counted costs time only: its figures
are read live.

Response times (kobepost.stats.response_times) are kept the same way, as the number of
cases and the sum of their times per month, dial, department, category and coarse bucket
of each time (ResponseMonthBucket): a percentile of a period finds its bucket there and
reads only the cases of that bucket. A milestone reached after its month closed (a reply
recorded late) records the month as changed like any counted field.

SQLite (the development default) keeps no counts: every figure is read live.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    CharField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Func,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models import Case as Cases
from django.db.models.functions import Concat, TruncDate, TruncMonth
from django.utils import timezone

from faq.models import SimpleCall
from kobepost.lib.jp_calendar import (
    business_days_between,
    fiscal_year_months,
    fiscal_year_of_date,
    month_of,
    next_month,
    start_of_day,
)
from kobepost.stats.models import (
    CaseMonthCount,
    FaqEntryMonthCount,
    FaqEntryYearCount,
    FaqMonthCount,
    ResponseMonthBucket,
    ResponseYearBucket,
    StatsMonth,
)
from tickets.counted_months import CASE_DIMENSIONS, counts_kept, month_lock
from tickets.models import STATS_RESPONSE_SPANS, Case, CountedMonthChange

# Every case has exactly one kind: the rows of this dimension count all the cases.
TOTAL_DIMENSION = "kind"

# The monthly report's on-time rate (kobepost.stats.monthly) as a derived dimension of
# CaseMonthCount: a case with a due date was first answered by it (Japan time), after it,
# or not yet; one not answered yet keeps its due date ("open:2026-05-07"), because whether
# it is overdue moves with the day. A case without a due date is counted under "".
DUE_DIMENSION = "reply_due"
DUE_ON_TIME, DUE_LATE, DUE_OPEN = "on_time", "late", "open:"
# The business days each response time took (kobepost.lib.jp_calendar), as derived
# dimensions too: the cases that reached the measure's end, per number of days (as text).
BUSINESS_DAY_DIMENSIONS = {measure: f"bd_{measure}" for measure in STATS_RESPONSE_SPANS}


# Response times (kobepost.stats.response_times): key → (start, end) columns of the case.
RESPONSE_SPANS = STATS_RESPONSE_SPANS
# The upper bounds of the coarse buckets of a response time, in hours: bucket 0 holds the
# negative times (a receipt time corrected to after the reply), bucket i the times in
# [bound i-1, bound i), the last bucket the times from the last bound on. Narrower where
# most cases are (the first days), so that a percentile reads few cases.
RESPONSE_BUCKET_HOURS = (
    *(0, 0.5, 1, 2, 3, 4, 6, 8, 10, 12, 15, 18, 21, 24, 30, 36, 42, 48, 60, 72, 84, 96),
    *(108, 120, 132, 144, 156, 168, 180, 192, 204, 216, 228, 240, 264, 288, 312, 336),
    *(384, 432, 480, 540, 600, 720, 900, 1080, 1440, 2160, 2880, 4320, 8760, 17520),
)
_BUCKET_SECONDS = tuple(int(hours * 3600) for hours in RESPONSE_BUCKET_HOURS)
BUCKET_BOUNDS = tuple(datetime.timedelta(seconds=seconds) for seconds in _BUCKET_SECONDS)


def response_span(measure: str) -> ExpressionWrapper:
    """end - start of a response measure, as the case's expression indexes spell it."""
    start, end = RESPONSE_SPANS[measure]
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


def due_class() -> Cases:
    """A case's value of DUE_DIMENSION, in SQL."""
    due_text = Func(
        F("reply_due_date"), Value("YYYY-MM-DD"), function="to_char", output_field=CharField()
    )
    return Cases(
        When(reply_due_date__isnull=True, then=Value("")),
        When(first_answered_at__isnull=True, then=Concat(Value(DUE_OPEN), due_text)),
        When(first_answered_at__date__lte=F("reply_due_date"), then=Value(DUE_ON_TIME)),
        default=Value(DUE_LATE),
        output_field=CharField(),
    )


def business_day_rows(
    cases: QuerySet[Case], measure: str, columns: list[str], *, plan: "Plan | None" = None
) -> dict[tuple, int]:
    """(columns..., business days taken) → cases, for the cases that reached the measure's
    end (with ``plan``, of its live ranges; "month": the month of receipt, Japan time).

    Business days cannot be summed in SQL without a calendar table: the cases are grouped
    by their (start day, end day) in Japan time instead, a few thousand pairs a year, and
    each pair is counted with kobepost.lib.jp_calendar.
    """
    start, end = RESPONSE_SPANS[measure]
    if "month" in columns:
        cases = cases.annotate(month=TruncMonth("received_at"))
    pairs = _over_live_ranges(
        cases.filter(**{f"{end}__isnull": False}).annotate(
            start_day=TruncDate(start), end_day=TruncDate(end)
        ),
        plan,
        "received_at",
        lambda part: (
            part.values(*columns, "start_day", "end_day")
            .annotate(n=Count("*"))
            .values_list(*columns, "start_day", "end_day", "n")
            .order_by()
        ),
    )
    month_at = columns.index("month") if "month" in columns else None
    counted: dict[tuple, int] = defaultdict(int)
    for *key, start_day, end_day, number in pairs:
        if month_at is not None:
            key[month_at] = _local_month(key[month_at])
        counted[(*key, business_days_between(start_day, end_day))] += number
    return dict(counted)


class _Bucket(Func):
    """The bucket of a response time: PostgreSQL's width_bucket over RESPONSE_BUCKET_HOURS
    (as seconds; EXTRACT gives an exact numeric)."""

    template = (
        "width_bucket(EXTRACT(EPOCH FROM %(expressions)s), ARRAY["
        + ", ".join(str(seconds) for seconds in _BUCKET_SECONDS)
        + "]::numeric[])"
    )
    output_field = BigIntegerField()


class _Micros(Func):
    """A response time in microseconds (exact: EXTRACT(EPOCH FROM interval) is numeric)."""

    template = "(EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint"
    output_field = BigIntegerField()


def response_histogram_rows(
    cases: QuerySet[Case], measure: str, columns: list[str], *, plan: "Plan | None" = None
) -> list:
    """(columns..., bucket, n, total_us) of the cases that reached the measure's end (with
    ``plan``, of its live ranges)."""
    _start, end = RESPONSE_SPANS[measure]
    if "month" in columns:
        cases = cases.annotate(month=TruncMonth("received_at"))
    span = response_span(measure)
    rows = _over_live_ranges(
        cases.filter(**{f"{end}__isnull": False}).annotate(bucket=_Bucket(span)),
        plan,
        "received_at",
        lambda part: (
            part.values(*columns, "bucket")
            .annotate(n=Count("*"), total_us=Sum(_Micros(span)))
            .values_list(*columns, "bucket", "n", "total_us")
            .order_by()
        ),
    )
    month_at = columns.index("month") if "month" in columns else None
    return [
        tuple(_local_month(v) if i == month_at else v for i, v in enumerate(row)) for row in rows
    ]


def response_histograms(
    cases: QuerySet[Case],
    plan: "Plan",
    *,
    dial_id: int | None,
    department_id: int | None,
    group: str | None,
) -> dict[tuple[Any, str], dict[int, list[int]]]:
    """(group value or None, measure) → bucket → [cases, sum of times in µs] over the
    plan's period: the counted months' rows plus the live ranges' cases. ``cases`` is
    the scope's queryset without a period; ``group`` a case column (department_id …)."""
    histograms: dict[tuple[Any, str], dict[int, list[int]]] = defaultdict(
        lambda: defaultdict(lambda: [0, 0])
    )
    columns = [group] if group else []

    def add(measure: str, rows: Iterable[tuple]) -> None:
        for *key, bucket, number, total in rows:
            counted = histograms[(key[0] if key else None, measure)][bucket]
            counted[0] += int(number)
            counted[1] += int(total or 0)

    if plan.months:
        grouped = []
        for stored in _counted_sources(plan, ResponseMonthBucket, ResponseYearBucket):
            if dial_id:
                stored = stored.filter(dial_id=dial_id)
            if department_id:
                stored = stored.filter(department_id=department_id)
            grouped.append(
                stored.values(*columns, "measure", "bucket")
                .annotate(number=Sum("n"), total=Sum("total_us"))
                .values_list(*columns, "measure", "bucket", "number", "total")
            )
        rows = _union(grouped).order_by()
        by_measure: dict[str, list[tuple]] = defaultdict(list)
        for *key, measure, bucket, number, total in rows:
            by_measure[measure].append((*key, bucket, number, total))
        for measure, measured in by_measure.items():
            add(measure, measured)
    if plan.live:
        for measure in RESPONSE_SPANS:
            add(measure, response_histogram_rows(cases, measure, columns, plan=plan))
    return histograms


def business_day_counts(
    cases: QuerySet[Case],
    plan: "Plan",
    *,
    dial_id: int | None,
    department_id: int | None,
    group: str | None,
) -> dict[str, dict[Any, dict[int, int]]]:
    """measure → group value (None without ``group``) → business days taken → cases, over
    the plan's period: the counted months' rows plus the live ranges' cases. ``cases`` is
    the scope's queryset without a period; ``group`` a case column, with counted months
    None or "department_id" (the counts keep no other breakdown of it)."""
    if plan.months and group not in (None, "department_id"):
        raise ValueError("business days are counted per department only")
    counts: dict[str, dict[Any, dict[int, int]]] = {
        measure: defaultdict(lambda: defaultdict(int)) for measure in RESPONSE_SPANS
    }
    columns = [group] if group else []
    if plan.months:
        measures = {dimension: measure for measure, dimension in BUSINESS_DAY_DIMENSIONS.items()}
        stored = _counted_cases(plan, dial_id, department_id).filter(dimension__in=measures)
        rows = (
            stored.values("dimension", *columns, "value")
            .annotate(number=Sum("n"))
            .values_list("dimension", *columns, "value", "number")
            .order_by()
        )
        for dimension, *key, value, number in rows:
            counts[measures[dimension]][key[0] if key else None][int(value)] += number
    if plan.live:
        for measure in RESPONSE_SPANS:
            for (*key, days), number in business_day_rows(
                cases, measure, columns, plan=plan
            ).items():
                counts[measure][key[0] if key else None][days] += number
    return counts


def due_counts(
    cases: QuerySet[Case], plan: "Plan", *, dial_id: int | None, department_id: int | None
) -> dict[tuple[datetime.date, str], int]:
    """(month of receipt, value of DUE_DIMENSION) → cases over the plan's period: the
    counted months' rows plus the live ranges' cases."""
    parts: list[list[tuple]] = []
    if plan.months:
        stored = _counted_cases(plan, dial_id, department_id).filter(dimension=DUE_DIMENSION)
        parts.append(
            list(
                stored.values("month", "value")
                .annotate(n=Sum("n"))
                .values_list("month", "value", "n")
                .order_by()
            )
        )
    if plan.live:
        parts.append(
            _live_rows(
                cases.annotate(reply_due=due_class()),
                "received_at",
                ["month", "reply_due"],
                plan=plan,
            )
        )
    return _merged(parts)


def _counted_cases(
    plan: "Plan", dial_id: int | None, department_id: int | None
) -> QuerySet[CaseMonthCount]:
    stored = CaseMonthCount.objects.filter(month__in=plan.months)
    if dial_id:
        stored = stored.filter(dial_id=dial_id)
    if department_id:
        stored = stored.filter(department_id=department_id)
    return stored


def current_month(today: datetime.date | None = None) -> datetime.date:
    return (today or timezone.localdate()).replace(day=1)


# --- Reading -------------------------------------------------------------------------------

Range = tuple[datetime.datetime | None, datetime.datetime]


@dataclass(frozen=True)
class Plan:
    """How a period is read: ``months`` from the counts, ``live`` ranges from the rows."""

    months: tuple[datetime.date, ...]
    live: tuple[Range, ...]

    def live_ranges(self, moment: str) -> list[Q]:
        """The condition of each live range (none when the counts cover the period)."""
        conditions = []
        for low, high in self.live:
            condition = Q(**{f"{moment}__lt": high})
            if low is not None:
                condition &= Q(**{f"{moment}__gte": low})
            conditions.append(condition)
        return conditions


def _over_live_ranges(
    queryset: QuerySet, plan: Plan | None, moment: str, grouped: Callable[[QuerySet], QuerySet]
) -> QuerySet:
    """``grouped(queryset)``, or with ``plan`` over each of its live ranges apart, in one
    query (UNION ALL): PostgreSQL reads an OR of ranges through a bitmap scan of the table,
    one range through the index alone (the FAQ calls of the two edges of ten years on the
    2,000,000-case archive: 235 → 20 ms). A key may come once per range: callers add up."""
    if plan is None:
        return grouped(queryset)
    return _union([grouped(queryset.filter(condition)) for condition in plan.live_ranges(moment)])


def _union(parts: list[QuerySet]) -> QuerySet:
    """The rows of the parts in one query (UNION ALL; one part alone as it is)."""
    if len(parts) == 1:
        return parts[0]
    # The model's default order would be asked of the union, whose columns lack it.
    return parts[0].union(*parts[1:], all=True).order_by()


def _counted_sources(
    plan: Plan, month_model: type[Any], year_model: type[Any] | None = None
) -> list[QuerySet[Any]]:
    """The stored rows of the plan's counted months: the fiscal years whose twelve months
    are all among them from ``year_model`` (when the counts keep one), the other months
    from ``month_model``."""
    years = _whole_fiscal_years(plan.months) if year_model is not None else []
    months = [month for month in plan.months if fiscal_year_of_date(month) not in years]
    sources = []
    if months:
        sources.append(month_model.objects.filter(month__in=months))
    if years and year_model is not None:  # years only come with a model
        sources.append(year_model.objects.filter(fiscal_year__in=years))
    return sources


def period_plan(
    date_from: datetime.date | None, date_to: datetime.date, *, today: datetime.date | None = None
) -> Plan:
    """The counted months wholly inside [date_from, date_to] (None: since the beginning)
    and before the current month, and the live ranges that cover the rest. One query, or
    none when no whole closed month is in the period."""
    end = start_of_day(date_to + datetime.timedelta(days=1))
    start = start_of_day(date_from) if date_from else None
    first = None if date_from is None else next_month(date_from - datetime.timedelta(days=1))
    # The last whole month: the one before the month of the day after date_to.
    after = date_to + datetime.timedelta(days=1)
    last_end = min(after.replace(day=1), current_month(today))
    months: list[datetime.date] = []
    if counts_kept() and (first is None or first < last_end):
        built = StatsMonth.objects.filter(month__lt=last_end).exclude(
            month__in=CountedMonthChange.objects.values("month")
        )
        if first is not None:
            built = built.filter(month__gte=first)
        months = sorted(built.values_list("month", flat=True))
    live: list[Range] = []
    cursor = start
    for month in months:
        month_start = start_of_day(month)
        if cursor is None or cursor < month_start:
            live.append((cursor, month_start))
        cursor = start_of_day(next_month(month))
    if cursor is None or cursor < end:
        live.append((cursor, end))
    return Plan(months=tuple(months), live=tuple(live))


def _merged(parts: Iterable[Iterable[tuple]]) -> dict[tuple, int]:
    """Rows of (key..., n) from several sources, added up per key."""
    counts: dict[tuple, int] = defaultdict(int)
    for rows in parts:
        for *key, number in rows:
            counts[tuple(key)] += int(number or 0)
    return dict(counts)


def _local_month(value: datetime.datetime | datetime.date) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return month_of(value)
    return value.replace(day=1)


def _live_rows(
    queryset: QuerySet, moment: str, columns: list[str], *, plan: Plan | None = None
) -> list[tuple]:
    """(columns..., n) counted from the rows (with ``plan``, of its live ranges); "month"
    is the moment's month in Japan time."""
    if "month" in columns:
        queryset = queryset.annotate(month=TruncMonth(moment))
    rows = _over_live_ranges(
        queryset,
        plan,
        moment,
        lambda part: part.values(*columns).annotate(n=Count("*")).values_list(*columns, "n"),
    )
    month_at = columns.index("month") if "month" in columns else None
    return [
        tuple(_local_month(v) if i == month_at else v for i, v in enumerate(row))
        for row in rows.order_by()
    ]


def case_counts(
    cases: QuerySet[Case],
    plan: Plan,
    *,
    dial_id: int | None,
    department_id: int | None,
    keys: tuple[str, ...],
) -> dict[tuple, int]:
    """Cases per ``keys`` (any of "dial_id", "department_id", "month" and at most one of
    CASE_DIMENSIONS) over the plan's period: ``cases`` is the scope's queryset without a
    period. Dimension values come back as the case's column gives them (ids as int)."""
    dimensions = [key for key in keys if key in CASE_DIMENSIONS]
    if len(dimensions) > 1:
        raise ValueError("one dimension at a time")
    dimension = dimensions[0] if dimensions else TOTAL_DIMENSION
    parts: list[list[tuple]] = []
    if plan.months:
        counted = _counted_cases(plan, dial_id, department_id).filter(dimension=dimension)
        columns = ["value" if key in CASE_DIMENSIONS else key for key in keys]
        rows = counted.values(*columns).annotate(n=Sum("n")).values_list(*columns, "n")
        dimension_at = keys.index(dimensions[0]) if dimensions else None
        cast = _case_value(dimension)
        parts.append(
            [
                tuple(cast(v) if i == dimension_at else v for i, v in enumerate(row))
                for row in rows.order_by()
            ]
        )
    if plan.live:
        columns = [CASE_DIMENSIONS.get(key, key) for key in keys]
        parts.append(_live_rows(cases, "received_at", columns, plan=plan))
    return _merged(parts)


def _case_value(dimension: str):
    """Text in CaseMonthCount.value back to the case's column type."""
    field = Case._meta.get_field(CASE_DIMENSIONS[dimension].removesuffix("_id"))
    if field.is_relation or field.get_internal_type().endswith("IntegerField"):
        return int
    return str


def faq_counts(
    calls: QuerySet[SimpleCall],
    plan: Plan,
    *,
    dial_id: int | None,
    department_id: int | None,
    keys: tuple[str, ...],
) -> dict[tuple, int]:
    """FAQ calls per ``keys`` (any of "dial_id", "month", "faq_entry_id") over the plan's
    period; ``calls`` is the scope's queryset without a period. Per entry, or with a
    department (a call belongs to its entry's department), only calls with an entry."""
    parts: list[list[tuple]] = []
    if plan.months:
        by_entry = "faq_entry_id" in keys or department_id
        sources = (
            _counted_sources(
                plan,
                FaqEntryMonthCount,
                FaqEntryYearCount if "month" not in keys else None,
            )
            if by_entry
            else _counted_sources(plan, FaqMonthCount)
        )
        grouped = []
        for counted in sources:
            if dial_id:
                counted = counted.filter(dial_id=dial_id)
            if department_id:
                counted = counted.filter(faq_entry__department_id=department_id)
            grouped.append(counted.values(*keys).annotate(n=Sum("n")).values_list(*keys, "n"))
        parts.append(list(_union(grouped).order_by()))
    if plan.live:
        queryset = calls
        if "faq_entry_id" in keys:
            queryset = queryset.filter(faq_entry__isnull=False)
        parts.append(_live_rows(queryset, "created_at", list(keys), plan=plan))
    return _merged(parts)


def _whole_fiscal_years(months: Iterable[datetime.date]) -> list[int]:
    """The fiscal years all twelve months of which are among ``months``."""
    per_year: dict[int, int] = defaultdict(int)
    for month in set(months):
        per_year[fiscal_year_of_date(month)] += 1
    return sorted(year for year, number in per_year.items() if number == 12)


# --- Building and invalidating -------------------------------------------------------------

_YEAR_LOCK_CLASS = 0x5359  # "SY": pg_advisory_xact_lock(class, fiscal year), builders only


def stats_month_build(*, month: datetime.date) -> None:
    """Count one closed month again and mark it built: idempotent, safe beside writers."""
    _months_build([month.replace(day=1)])


# Months counted in one transaction by a backfill: each pass reads the rows of the whole
# stretch once, instead of once per month (a seq scan per month on a big archive).
BUILD_CHUNK_MONTHS = 24


def _months_build(months: list[datetime.date]) -> None:
    """Count these closed months (contiguous or not) again and mark them built."""
    if any(month >= current_month() for month in months):
        raise ValueError("only months that are over can be counted")
    wanted = set(months)
    low, high = start_of_day(min(months)), start_of_day(next_month(max(months)))
    with transaction.atomic():
        month_lock(wanted)
        for model in (CaseMonthCount, FaqMonthCount, FaqEntryMonthCount, ResponseMonthBucket):
            model.objects.filter(month__in=wanted).delete()
        cases = Case.objects.filter(received_at__gte=low, received_at__lt=high)
        by_dimension: dict[str, Iterable[tuple]] = {
            dimension: _live_rows(
                cases, "received_at", ["month", "dial_id", "department_id", column]
            )
            for dimension, column in CASE_DIMENSIONS.items()
        }
        by_dimension[DUE_DIMENSION] = _live_rows(
            cases.annotate(reply_due=due_class()),
            "received_at",
            ["month", "dial_id", "department_id", "reply_due"],
        )
        for measure, dimension in BUSINESS_DAY_DIMENSIONS.items():
            counted = business_day_rows(cases, measure, ["month", "dial_id", "department_id"])
            by_dimension[dimension] = [(*key, n) for key, n in counted.items()]
        rows = [
            CaseMonthCount(
                month=month,
                dial_id=dial,
                department_id=department,
                dimension=dimension,
                value=str(value),
                n=n,
            )
            for dimension, counted_rows in by_dimension.items()
            for month, dial, department, value, n in counted_rows
            if month in wanted
        ]
        CaseMonthCount.objects.bulk_create(rows, batch_size=2000)
        calls = SimpleCall.objects.filter(created_at__gte=low, created_at__lt=high)
        FaqMonthCount.objects.bulk_create(
            (
                FaqMonthCount(month=month, dial_id=dial, n=n)
                for month, dial, n in _live_rows(calls, "created_at", ["month", "dial_id"])
                if month in wanted
            ),
            batch_size=2000,
        )
        FaqEntryMonthCount.objects.bulk_create(
            (
                FaqEntryMonthCount(month=month, dial_id=dial, faq_entry_id=entry, n=n)
                for month, dial, entry, n in _live_rows(
                    calls.filter(faq_entry__isnull=False),
                    "created_at",
                    ["month", "dial_id", "faq_entry_id"],
                )
                if month in wanted
            ),
            batch_size=2000,
        )
        for measure in RESPONSE_SPANS:
            ResponseMonthBucket.objects.bulk_create(
                (
                    ResponseMonthBucket(
                        month=month,
                        measure=measure,
                        dial_id=dial,
                        department_id=department,
                        category_id=category,
                        bucket=bucket,
                        n=n,
                        total_us=total,
                    )
                    for month, dial, department, category, bucket, n, total in (
                        response_histogram_rows(
                            cases, measure, ["month", "dial_id", "department_id", "category_id"]
                        )
                    )
                    if month in wanted
                ),
                batch_size=2000,
            )
        now = timezone.now()
        StatsMonth.objects.filter(month__in=wanted).delete()
        StatsMonth.objects.bulk_create(StatsMonth(month=month, built_at=now) for month in wanted)
        CountedMonthChange.objects.filter(month__in=wanted).delete()
        _fiscal_years_build({fiscal_year_of_date(month) for month in wanted})


def _fiscal_years_build(years: set[int]) -> None:
    """Rewrite the FAQ entry counts and response-time buckets of these fiscal years as the
    sums of their months' rows, for the years whose twelve months are counted. Builders of
    other months of a year take its lock first, so the last to commit sums every month's
    rows as committed."""
    with connection.cursor() as cursor:
        for year in sorted(years):
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_YEAR_LOCK_CLASS, year])
    FaqEntryYearCount.objects.filter(fiscal_year__in=years).delete()
    ResponseYearBucket.objects.filter(fiscal_year__in=years).delete()
    months_of = {
        year: [datetime.date(y, m, 1) for y, m in fiscal_year_months(year)] for year in years
    }
    counted = set(
        StatsMonth.objects.filter(
            month__in=[month for months in months_of.values() for month in months]
        ).values_list("month", flat=True)
    )
    for year, months in months_of.items():
        if not counted.issuperset(months):
            continue
        sums = (
            FaqEntryMonthCount.objects.filter(month__in=months)
            .values("dial_id", "faq_entry_id")
            .annotate(total=Sum("n"))
            .values_list("dial_id", "faq_entry_id", "total")
            .order_by()
        )
        FaqEntryYearCount.objects.bulk_create(
            (
                FaqEntryYearCount(fiscal_year=year, dial_id=dial, faq_entry_id=entry, n=total)
                for dial, entry, total in sums
            ),
            batch_size=2000,
        )
        group = ("measure", "dial_id", "department_id", "category_id", "bucket")
        buckets = (
            ResponseMonthBucket.objects.filter(month__in=months)
            .values(*group)
            .annotate(number=Sum("n"), total=Sum("total_us"))
            .values_list(*group, "number", "total")
            .order_by()
        )
        ResponseYearBucket.objects.bulk_create(
            (
                ResponseYearBucket(
                    fiscal_year=year,
                    measure=measure,
                    dial_id=dial,
                    department_id=department,
                    category_id=category,
                    bucket=bucket,
                    n=number,
                    total_us=total,
                )
                for measure, dial, department, category, bucket, number, total in buckets
            ),
            batch_size=2000,
        )


def stats_months_build(*, rebuild: bool = False, today: datetime.date | None = None) -> int:
    """Count every closed month not counted yet (all of them with ``rebuild``), from the
    first case or FAQ call on; returns how many months were counted. Idempotent."""
    if not counts_kept():
        return 0
    firsts = [
        Case.objects.aggregate(first=Min("received_at"))["first"],
        SimpleCall.objects.aggregate(first=Min("created_at"))["first"],
    ]
    known = [month_of(first) for first in firsts if first is not None]
    if not known:
        return 0
    this_month = current_month(today)
    built = set()
    if not rebuild:
        built = set(
            StatsMonth.objects.exclude(
                month__in=CountedMonthChange.objects.values("month")
            ).values_list("month", flat=True)
        )
    missing, month = [], min(known)
    while month < this_month:
        if month not in built:
            missing.append(month)
        month = next_month(month)
    for start in range(0, len(missing), BUILD_CHUNK_MONTHS):
        _months_build(missing[start : start + BUILD_CHUNK_MONTHS])
    return len(missing)
