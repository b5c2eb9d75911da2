"""The city's monthly report of one fiscal year (April – March), with the previous
fiscal year beside it, and its caching (closed months long, the current ones briefly).
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kobepost.lib.jp_calendar import (
    fiscal_year_bounds,
    fiscal_year_label,
    fiscal_year_months,
    month_label,
    start_of_day,
)
from kobepost.public.models import Post
from kobepost.stats import rollup
from kobepost.stats.filters import Row, StatsFilter, cached, live_cache_seconds, scope_key
from kobepost.stats.models import CaseMonthCount
from kobepost.stats.response_times import response_times
from kobepost.stats.volumes import VOLUME_KEYS
from tickets.geo.places import Ward
from tickets.models import Case
from tickets.routing import routing_table


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
# "cases" per table of the report (CASE_TABLES: key → month → cases), "faq" by dial id,
# "posts" by (post category, case link, rejection).
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
# The report's case tables and the key of each in a CASE_GROUP row; "total" has one row.
CASE_TABLES: dict[str, Callable[[tuple], Any]] = {
    "total": lambda group: None,
    "dial": lambda group: group[0],
    "department": lambda group: (group[1], group[2]),
    "ward": lambda group: group[3],
    "kind": lambda group: group[4],
    "channel": lambda group: group[5],
    "category": lambda group: group[6],
}


def _case_tables(rows: Iterable[tuple], keys: list[str]) -> dict[str, dict]:
    """CASE_GROUP rows with their month counts, added up per table of the report (months
    without cases left out). Done before caching: a fiscal year has some 500 groups, and
    adding them into the tables on every view took 5 ms of the report's 12."""
    width = len(CASE_GROUP)
    tables: dict[str, dict] = {name: {} for name in CASE_TABLES}
    for row in rows:
        group = tuple(row[:width])
        for name, key_of in CASE_TABLES.items():
            by_month = tables[name].setdefault(key_of(group), {})
            for month, number in zip(keys, row[width:], strict=True):
                if number:
                    by_month[month] = by_month.get(month, 0) + number
    return tables


# The report's tables that are a dimension of CaseMonthCount (the total, dials and
# departments come from rollup.TOTAL_DIMENSION's rows).
COUNTED_DIMENSIONS = ("kind", "ward", "channel", "category")


def _months_filter(stats: StatsFilter, months: list[tuple[int, int]]) -> StatsFilter:
    """``stats`` narrowed to the given (consecutive) months: ``stats`` itself when they are
    its period, so that its plan (one query) is looked up once."""
    bounds = _month_bounds(months)
    date_from = timezone.localtime(bounds[0]).date()
    date_to = timezone.localtime(bounds[-1]).date() - datetime.timedelta(days=1)
    if (date_from, date_to) == (stats.date_from, stats.date_to):
        return stats
    return StatsFilter(
        date_from=date_from,
        date_to=date_to,
        dial_id=stats.dial_id,
        department_id=stats.department_id,
    )


def _runs(months: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Consecutive months together (the months of one _per_month query)."""
    runs: list[list[tuple[int, int]]] = []
    for year, month in months:
        previous = runs[-1][-1] if runs else None
        if previous is not None and (previous[0] * 12 + previous[1]) + 1 == year * 12 + month:
            runs[-1].append((year, month))
        else:
            runs.append([(year, month)])
    return runs


def _add(table: dict, key, month_key: str, number: int) -> None:
    by_month = table.setdefault(key, {})
    by_month[month_key] = by_month.get(month_key, 0) + number


def _counted_tables(stats: StatsFilter, months: list[tuple[int, int]]) -> tuple[dict, dict]:
    """The case tables and the FAQ calls per dial of the given months: the counted months
    from the counts of closed months (kobepost.stats.rollup), one query each, instead of
    grouping a fiscal year's cases (310 ms for the 200,000 cases of a year of the
    2,000,000-case archive) and calls; the other months from their rows as before."""
    counted = set(_months_filter(stats, months).plan.months)
    tables: dict[str, dict] = {name: {} for name in CASE_TABLES}
    faq: dict = defaultdict(dict)
    if counted:
        names = {row.pk: row.name for row in routing_table().departments}
        rows = CaseMonthCount.objects.filter(
            month__in=sorted(counted), dimension__in=COUNTED_DIMENSIONS
        )
        if stats.dial_id:
            rows = rows.filter(dial_id=stats.dial_id)
        if stats.department_id:
            rows = rows.filter(department_id=stats.department_id)
        fields = ("month", "dimension", "dial_id", "department_id", "value", "n")
        for month, dimension, dial_id, department_id, value, number in rows.values_list(*fields):
            key = _month_key(month.year, month.month)
            if dimension == rollup.TOTAL_DIMENSION:  # every case in one row of it
                _add(tables["total"], None, key, number)
                _add(tables["dial"], dial_id, key, number)
                department = (department_id, names.get(department_id, str(department_id)))
                _add(tables["department"], department, key, number)
            _add(tables[dimension], int(value) if dimension == "category" else value, key, number)
        only_counted = rollup.Plan(months=tuple(sorted(counted)), live=())
        for (month, dial_id), number in stats.faq_counts(
            "month", "dial_id", plan=only_counted
        ).items():
            faq[dial_id][_month_key(month.year, month.month)] = number
    live = [month for month in months if datetime.date(*month, 1) not in counted]
    for run in _runs(live):
        keys = [_month_key(y, m) for y, m in run]
        rows_of_run = _per_month(stats.cases(), "received_at", run, CASE_GROUP)
        for name, table in _case_tables(rows_of_run, keys).items():
            for key, by_month in table.items():
                for month_key, number in by_month.items():
                    _add(tables[name], key, month_key, number)
        for row in _per_month(stats.simple_calls(), "created_at", run, ["dial_id"]):
            faq[row[0]].update(dict(zip(keys, row[1:], strict=True)))
    return tables, dict(faq)


def _month_counts(stats: StatsFilter, months: list[tuple[int, int]]) -> MonthCounts:
    """Cases, FAQ calls and posts of the given months: from the counts of closed months
    where they are kept, else in three queries of the rows."""
    keys = [_month_key(y, m) for y, m in months]
    if rollup.counts_kept():
        cases, faq = _counted_tables(stats, months)
    else:
        cases = _case_tables(_per_month(stats.cases(), "received_at", months, CASE_GROUP), keys)
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
    (answered, or still unanswered past the due date); counted months from their counts,
    the others from the rows (rollup.due_counts, one query each). ``stats`` is the filter
    of the period of ``months`` (its plan is shared with the response times).

    The first answer counts (Case.first_answered_at), in Japan time: answered on the due
    date itself is in time, as on the department screens.
    """
    counts = rollup.due_counts(
        stats.cases(with_period=False),
        stats.plan,
        dial_id=stats.dial_id,
        department_id=stats.department_id,
    )
    kpis = {_month_key(y, m): {"on_time": 0, "judged": 0} for y, m in months}
    past_due = f"{rollup.DUE_OPEN}{today.isoformat()}"  # open:YYYY-MM-DD sorts as dates do
    for (month, due), number in counts.items():
        kpi = kpis.get(_month_key(month.year, month.month))
        if kpi is None:
            continue
        if due == rollup.DUE_ON_TIME:
            kpi["on_time"] += number
        if due in (rollup.DUE_ON_TIME, rollup.DUE_LATE) or (
            due.startswith(rollup.DUE_OPEN) and due < past_due
        ):
            kpi["judged"] += number
    return kpis


def _merge_month_counts(parts: list[MonthCounts]) -> MonthCounts:
    """The counts of disjoint sets of months as one (each part has its own months)."""
    merged: MonthCounts = {
        "cases": {name: defaultdict(dict) for name in CASE_TABLES},
        "faq": defaultdict(dict),
        "posts": defaultdict(dict),
    }
    for part in parts:
        for name, table in part["cases"].items():
            for key, by_month in table.items():
                merged["cases"][name][key].update(by_month)
        for source in ("faq", "posts"):
            for group, by_month in part[source].items():
                merged[source][group].update(by_month)
    return merged


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
    scope = scope_key(stats)

    def year_wide() -> tuple[list[Row], dict[str, dict[str, int]]]:
        # The previous year's report only lends its counts to the comparison columns.
        response = response_times(stats, "department", business_days=True) if with_response else []
        return response, _month_kpis(stats, months, today)

    wide_key = f"{scope}:response={int(with_response)}"
    if not current:
        counts, response, kpis = cached(
            f"stats:monthly:v4:fy={fiscal_year}:{wide_key}",
            lambda: (_month_counts(stats, months), *year_wide()),
        )
        return counts, response, kpis
    live_counts, response, kpis = cached(
        f"stats:monthly-live:v4:fy={fiscal_year}:{today.isoformat()}:{wide_key}",
        lambda: (_month_counts(stats, current), *year_wide()),
        seconds=live_cache_seconds(),
    )
    parts = [live_counts]
    if closed:
        parts.append(
            cached(
                f"stats:monthly-closed:v4:fy={fiscal_year}:to={_month_key(*closed[-1])}:{scope}",
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

    case_tables = counts["cases"]
    for key, number in case_tables["total"].get(None, {}).items():
        volumes[key]["cases"] += number
    for (department_id, department_name), by_month in case_tables["department"].items():
        department_rows[department_id] = row = empty_row(department_name, str(department_id))
        row.values.update(by_month)
    for category_id, by_month in case_tables["category"].items():
        dial_name, category_name = category_names.get(category_id, ("", str(category_id)))
        category_rows[category_id] = row = empty_row(
            f"{dial_name} {category_name}".strip(), str(category_id)
        )
        row.values.update(by_month)
    for table, rows in (
        ("dial", dial_rows),
        ("ward", ward_rows),
        ("kind", kind_rows),
        ("channel", channel_rows),
    ):
        for key, by_month in case_tables[table].items():
            if key in rows:
                rows[key].values.update(by_month)
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
