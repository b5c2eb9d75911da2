"""How fast cases were answered, from the case timeline.

Response times come from the case timeline, not from the columns a later change may
overwrite (replied_at, citizen_told_at): intake → the FIRST change to 回答済, 回答済 → the
FIRST change to 市民回答済, intake → the FIRST change to 完了. Those firsts are kept on the
case itself (Case.first_answered_at, first_told_at, first_closed_at, written with the
timeline line by tickets.services), so the figures aggregate plain columns of the cases
received in the period instead of searching each case's timeline. Medians and 90th
percentiles are computed with PostgreSQL's ``percentile_cont``; SQLite (the dev default)
has no such aggregate, so there only the average is shown, with a note on the page.
Business days are counted with kobepost.lib.jp_calendar, the calendar of the due dates.
"""

import datetime
from collections import defaultdict

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import Aggregate, Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kobepost.lib.jp_calendar import business_days_between
from kobepost.stats.filters import Row, StatsFilter
from tickets.models import Case


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
