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
bucket a percentile lies and at which rank within it, and only the cases at those ranks
are read, by walking the time's index (_counted_response_rows, _bucket_values).
Business days are counted with kobepost.lib.jp_calendar, the calendar of the due dates,
and kept per counted month and department too (rollup.business_day_counts).
"""

import datetime
import logging
import math
from collections import defaultdict
from dataclasses import dataclass

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
    business_day_counts,
    response_histograms,
)
from tickets.models import Case
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
log = logging.getLogger(__name__)

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
    rows: list[Row] | None = None
    if counted:
        try:
            rows = _counted_response_rows(stats, group)
        except _StaleCounts:
            # A counted month no longer matches its cases (a write that recorded no change):
            # the figures come from the cases; `stats_rollup --rebuild` mends the counts.
            log.warning("response-time counts disagree with the cases; read live", exc_info=True)
            counted = False
    if rows is None and group is None:
        rows = [_response_row(_("全体"), "", cases.aggregate(**aggregates))]
    elif rows is None:
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
    values = _bucket_values(stats, column, histograms, wanted)
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


class _StaleCounts(Exception):
    """A bucket holds fewer of the period's cases than its counts say."""


@dataclass(frozen=True)
class _Walk:
    """Consecutive ranks of one (group, measure) in one bucket, read by walking the
    measure's index from the nearer end of the bucket: ``offset`` rows past ``bound``
    (upwards from the lower bound, or downwards from the upper one), then the ranks."""

    key: tuple
    ranks: tuple[int, ...]
    upwards: bool
    bound: datetime.timedelta
    offset: int


def _walks(
    histograms: dict[tuple, dict[int, list[int]]], wanted: dict[tuple, dict[int, tuple[int, int]]]
) -> list[_Walk]:
    walks = []
    for key, placed in wanted.items():
        runs: list[list[int]] = []
        for rank in sorted(placed):
            if runs and runs[-1][-1] + 1 == rank and placed[runs[-1][-1]][0] == placed[rank][0]:
                runs[-1].append(rank)
            else:
                runs.append([rank])
        for run in runs:
            bucket, within = placed[run[0]]
            number = histograms[key][bucket][0]
            above = number - 1 - placed[run[-1]][1]  # rows after the run in the bucket
            # The last bucket has no upper bound, the first (negative times) no lower one.
            upwards = bucket > 0 and (bucket == len(BUCKET_BOUNDS) or within <= above)
            walks.append(
                _Walk(
                    key=key,
                    ranks=tuple(run),
                    upwards=upwards,
                    bound=BUCKET_BOUNDS[bucket - 1] if upwards else BUCKET_BOUNDS[bucket],
                    offset=within if upwards else above,
                )
            )
    return walks


def _bucket_values(
    stats: StatsFilter,
    column: str | None,
    histograms: dict[tuple, dict[int, list[int]]],
    wanted: dict[tuple, dict[int, tuple[int, int]]],
) -> dict[tuple, dict[int, datetime.timedelta]]:
    """(group, measure) → rank → the response time at that rank: one query per measure.

    Each run of wanted ranks is read by walking the measure's index (with a group, the
    group's index: tickets.models) from the nearer bound of its bucket, skipping the rows
    before the run inside PostgreSQL (OFFSET) and returning the ranks alone: the
    histograms say how many of the period's rows lie in the bucket before them. Reading
    the buckets' rows and sorting them here sent some 600,000 rows for a ten-year
    dashboard of the 500,000-case archive.
    """
    found: dict[tuple, dict[int, datetime.timedelta]] = defaultdict(dict)
    walks = _walks(histograms, wanted)
    table = Case._meta.db_table
    conditions = ["c.received_at >= %(start)s", "c.received_at < %(stop)s"]
    params: dict = {"start": stats.start, "stop": stats.end}
    if stats.dial_id:
        conditions.append("c.dial_id = %(dial)s")
        params["dial"] = stats.dial_id
    if stats.department_id:
        conditions.append("c.department_id = %(department)s")
        params["department"] = stats.department_id
    if column is not None:
        conditions.append(f"c.{column} = w.g")  # a column name of ours, never input
    for measure, (_label, start, end) in RESPONSE_MEASURES.items():
        mine = [walk for walk in walks if walk.key[1] == measure]
        if not mine:
            continue
        span = f"(c.{end} - c.{start})"  # the expression of the measure's indexes
        parts = []
        for direction, upwards in (("up", True), ("down", False)):
            chosen = [(n, walk) for n, walk in enumerate(mine) if walk.upwards == upwards]
            if not chosen:
                continue
            compare, order = (">=", "") if upwards else ("<", " DESC")
            parts.append(
                f"SELECT w.ord, s.span FROM unnest(%({direction}_ord)s::int[], "  # noqa: S608  # nosec B608
                f"%({direction}_g)s::bigint[], %({direction}_bound)s::interval[], "
                f"%({direction}_off)s::int[], %({direction}_lim)s::int[]) "
                "AS w(ord, g, bound, off, lim) CROSS JOIN LATERAL ("
                f"SELECT {span} AS span FROM {table} c WHERE c.{end} IS NOT NULL AND "
                f"{' AND '.join(conditions)} AND {span} {compare} w.bound "
                f"ORDER BY {span}{order} OFFSET w.off LIMIT w.lim) s"
            )
            params[f"{direction}_ord"] = [n for n, _walk in chosen]
            params[f"{direction}_g"] = [walk.key[0] or 0 for _n, walk in chosen]
            params[f"{direction}_bound"] = [walk.bound for _n, walk in chosen]
            params[f"{direction}_off"] = [walk.offset for _n, walk in chosen]
            params[f"{direction}_lim"] = [len(walk.ranks) for _n, walk in chosen]
        read: dict[int, list[datetime.timedelta]] = defaultdict(list)
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            for number, value in cursor.fetchall():
                read[number].append(value)
        for number, walk in enumerate(mine):
            if len(read[number]) != len(walk.ranks):
                raise _StaleCounts(walk)
            for rank, value in zip(walk.ranks, sorted(read[number]), strict=True):
                found[walk.key][rank] = value
    return found


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
