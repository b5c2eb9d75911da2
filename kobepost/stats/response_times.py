"""How fast cases were answered, from the case timeline.

Response times come from the case timeline, not from the columns a later change may
overwrite (replied_at, citizen_told_at): intake → the FIRST change to 回答済, 回答済 → the
FIRST change to 市民回答済, intake → the FIRST change to 完了. Those firsts are kept on the
case itself (Case.first_answered_at, first_told_at, first_closed_at, written with the
timeline line by tickets.services), so the figures aggregate plain columns of the cases
received in the period instead of searching each case's timeline. Medians and 90th
percentiles are computed with PostgreSQL's ``percentile_cont``; SQLite (the dev default)
has no such aggregate, so there only the average is shown, with a note on the page.
A period with counted months (kobepost.stats.rollup) gives the same figures without
sorting its cases: the months' buckets of each time, plus the live edges, tell in which
bucket a percentile lies, and only that bucket's cases are read (_counted_response_rows).
Business days are counted with kobepost.lib.jp_calendar, the calendar of the due dates,
and kept per counted month and department too (rollup.business_day_counts).
"""

import bisect
import datetime
import math
from collections import defaultdict

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import Aggregate, Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kobepost.stats.filters import Row, StatsFilter
from kobepost.stats.rollup import (
    BUCKET_BOUNDS,
    RESPONSE_SPANS,
    Plan,
    bucket_range,
    business_day_counts,
    response_histograms,
    response_span,
)
from tickets.routing import routing_table


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


_LABELS = {
    "reply": gettext_lazy("受付→所管課回答"),
    "told": gettext_lazy("所管課回答→市民回答"),
    "closed": gettext_lazy("受付→完了"),
}
# key: (label, start, end); the ends are the case's milestone columns (Case.MILESTONES).
RESPONSE_MEASURES = {key: (_LABELS[key], *span) for key, span in RESPONSE_SPANS.items()}
FRACTIONS = (0.5, 0.9)


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
    # The counts keep business days per department only (rollup.BUSINESS_DAY_DIMENSIONS).
    counted = _from_buckets(stats) and not (business_days and group == "category")
    if counted:
        rows = _counted_response_rows(stats, group)
    elif group is None:
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
        spans = business_day_counts(
            stats.cases(with_period=False),
            stats.plan if counted else Plan(months=(), live=((stats.start, stats.end),)),
            dial_id=stats.dial_id,
            department_id=stats.department_id,
            group=f"{group}_id" if group else None,
        )
        for measure in RESPONSE_MEASURES:
            # Row keys are text ("" overall), as the rows above give them.
            taken = {"" if key is None else str(key): days for key, days in spans[measure].items()}
            for row in rows:
                row.values.update(_spread(measure, taken.get(row.key, {})))
    return rows


# A period shorter than this (a month's report, a quarter) sorts its own cases through the
# period index, a few thousand at most, in one query: the buckets pay from a longer one.
BUCKETS_FROM_DAYS = 92


def _from_buckets(stats: StatsFilter) -> bool:
    """Whether the period's response times are read from the counted months' buckets."""
    long_enough = (stats.date_to - stats.date_from).days >= BUCKETS_FROM_DAYS
    return percentiles_supported() and long_enough and bool(stats.plan.months)


def _counted_response_rows(stats: StatsFilter, group: str | None) -> list[Row]:
    """The rows of response_times from the histograms of the counted months plus the live
    edges (kobepost.stats.rollup.response_histograms): each percentile's bucket is found
    from the counts, and only the cases of that bucket are read, to interpolate between
    the two values around the percentile's position exactly as percentile_cont does."""
    column = f"{group}_id" if group else None
    histograms = response_histograms(
        stats.cases(with_period=False),
        stats.plan,
        dial_id=stats.dial_id,
        department_id=stats.department_id,
        group=column,
    )
    # (group, measure) → the sorted ranks wanted, and the buckets they fall in.
    wanted: dict[tuple, dict[int, tuple[int, int]]] = {}
    for key, histogram in histograms.items():
        total = sum(number for number, _total in histogram.values())
        ranks = set()
        for fraction in FRACTIONS:
            position = fraction * (total - 1)
            ranks |= {math.floor(position), math.ceil(position)}
        wanted[key] = _ranks_in_buckets(histogram, ranks)
    values = _bucket_values(stats, column, wanted)
    if group is None:
        keys: list = [None]
        labels = {None: _("全体")}
    else:
        keys, labels = _groups(stats, group)
    rows = []
    for group_key in keys:
        data: dict = {}
        for measure in RESPONSE_MEASURES:
            histogram = histograms.get((group_key, measure), {})
            total = sum(number for number, _sum in histogram.values())
            data[f"{measure}_n"] = total
            if not total:
                continue
            spent = sum(summed for _number, summed in histogram.values())
            data[f"{measure}_avg"] = datetime.timedelta(microseconds=spent / total)
            found = values[(group_key, measure)]
            data[f"{measure}_pct"] = [
                _interpolated(found, fraction * (total - 1)) for fraction in FRACTIONS
            ]
        rows.append(_response_row(labels[group_key], "" if group is None else str(group_key), data))
    return rows


def _ranks_in_buckets(
    histogram: dict[int, list[int]], ranks: set[int]
) -> dict[int, tuple[int, int]]:
    """rank → (bucket, rank within the bucket), for ranks counted from 0 over the buckets
    in order."""
    placed: dict[int, tuple[int, int]] = {}
    seen = 0
    for bucket in sorted(histogram):
        number = histogram[bucket][0]
        for rank in ranks:
            if seen <= rank < seen + number:
                placed[rank] = (bucket, rank - seen)
        seen += number
    return placed


def _bucket_values(
    stats: StatsFilter, column: str | None, wanted: dict[tuple, dict[int, tuple[int, int]]]
) -> dict[tuple, dict[int, datetime.timedelta]]:
    """(group, measure) → rank → the response time at that rank: one query per measure,
    reading the cases of the period in the wanted buckets only (the case's index on the
    measure's time serves it)."""
    found: dict[tuple, dict[int, datetime.timedelta]] = defaultdict(dict)
    for measure, (_label, _start, end) in RESPONSE_MEASURES.items():
        buckets: dict[int, set] = defaultdict(set)
        for (group_key, wanted_measure), placed in wanted.items():
            if wanted_measure == measure:
                for bucket, _within in placed.values():
                    buckets[bucket].add(group_key)
        if not buckets:
            continue
        # One index-only range scan per bucket, appended (UNION ALL): an OR of the ranges
        # made PostgreSQL visit the table for every row (283 ms instead of 10 ms, 500k).
        fields = [column] if column else []
        cases = (
            stats.cases().filter(**{f"{end}__isnull": False}).annotate(span=response_span(measure))
        )
        parts = []
        for bucket, groups in sorted(buckets.items()):
            part = cases.filter(bucket_range(bucket))
            if column is not None:
                part = part.filter(**{f"{column}__in": groups})
            parts.append(part.values_list(*fields, "span").order_by())
        rows = parts[0].union(*parts[1:], all=True).order_by() if len(parts) > 1 else parts[0]
        spans: dict[tuple, list[datetime.timedelta]] = defaultdict(list)
        for row in rows:
            spans[(row[0] if column else None, measure)].append(row[-1])
        for key, times in spans.items():
            times.sort()
            by_bucket: dict[int, list[datetime.timedelta]] = defaultdict(list)
            for time in times:
                by_bucket[_bucket_of(time)].append(time)
            for rank, (bucket, within) in wanted.get(key, {}).items():
                found[key][rank] = by_bucket[bucket][within]
    return found


def _bucket_of(time: datetime.timedelta) -> int:
    """The bucket of a response time, as width_bucket gives it in SQL."""
    return bisect.bisect_right(BUCKET_BOUNDS, time)


def _interpolated(found: dict[int, datetime.timedelta], position: float) -> datetime.timedelta:
    """percentile_cont's value at a position: the value there, or the linear interpolation
    between the two values around it."""
    low, high = math.floor(position), math.ceil(position)
    if low == high:
        return found[low]
    return found[low] + (found[high] - found[low]) * (position - low)


def _groups(stats: StatsFilter, group: str) -> tuple[list, dict]:
    """The departments or categories with cases in the period, by name, and their names."""
    if group == "department":
        names = {row.pk: row.name for row in routing_table().departments}
        counted = stats.case_counts("department_id")
    else:
        names = {row.pk: row.name for row in routing_table().categories}
        counted = stats.case_counts("category")
    keys = sorted((key for (key,) in counted), key=lambda pk: (names.get(pk, ""), pk))
    return keys, {pk: names.get(pk, str(pk)) for pk in keys}


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
