"""How much arrived: FAQ calls, cases and posts per period bucket, fiscal year, dial,
channel, category, department and ward, and the FAQ entries and searches behind them.
"""

import datetime
from collections import defaultdict

from django.db.models import Case as Conditional
from django.db.models import Count, ExpressionWrapper, IntegerField, Min, Q, QuerySet, Value, When
from django.db.models.functions import ExtractYear, TruncDay, TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from faq.models import FaqEntry
from kobepost.lib.jp_calendar import (
    fiscal_year_heading,
    fiscal_year_of_date,
    month_label,
    start_of_day,
)
from kobepost.public.models import Post
from kobepost.stats.filters import Row, StatsFilter, cached, live_cache_seconds
from kobepost.stats.rollup import period_plan
from tickets.geo.places import Ward
from tickets.models import Case
from tickets.routing import routing_table

TOP_FAQ_LIMIT = 20
UNANSWERED_LIMIT = 20


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
    """FAQ calls, cases and posts per day/week/month of the period, empty buckets included.

    Per month, cases and FAQ calls come from the counts of closed months and the rest of
    the period live (kobepost.stats.rollup); days and weeks (a period of half a year at
    most, unless asked for) are counted from the rows."""
    trunc = GRANULARITIES[granularity]
    sources = {
        "faq": (stats.simple_calls(), "created_at"),
        "cases": (stats.cases(), "received_at"),
        "posts": (stats.posts(), "created_at"),
    }
    counts: dict[datetime.date, dict[str, int]] = defaultdict(dict)
    if granularity == "month":
        for key, counted in (
            ("faq", stats.faq_counts("month")),
            ("cases", stats.case_counts("month")),
        ):
            for (month,), number in counted.items():
                counts[month][key] = number
    for key, (queryset, moment) in sources.items():
        if granularity == "month" and key != "posts":
            continue
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
    """Cases, FAQ calls and posts per fiscal year, of the moments before or since a time.

    Before a time (the start of a day), cases and FAQ calls come from the counts of closed
    months and the rest live (kobepost.stats.rollup), as a period from the beginning."""
    sources: tuple[tuple[str, QuerySet, str], ...] = (
        ("cases", stats.cases(with_period=False), "received_at"),
        ("faq", stats.simple_calls(with_period=False), "created_at"),
        ("posts", stats.posts(with_period=False), "created_at"),
    )
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    if before is not None and since is None:
        plan = period_plan(None, timezone.localtime(before).date() - datetime.timedelta(days=1))
        for (year,), number in stats.case_counts("fiscal_year", plan=plan).items():
            counts[year]["cases"] = number
        for (month,), number in stats.faq_counts("month", plan=plan).items():
            year = fiscal_year_of_date(month)
            counts[year]["faq"] = counts[year].get("faq", 0) + number
        sources = sources[2:]
    for key, queryset, moment in sources:
        if before is not None:
            queryset = queryset.filter(**{f"{moment}__lt": before})
        if since is not None:
            queryset = queryset.filter(**{f"{moment}__gte": since})
        if key == "cases":  # cases carry their fiscal year
            years = queryset.values("fiscal_year").annotate(n=Count("*"))
            per_year = dict(years.values_list("fiscal_year", "n"))
        else:
            # The years of the cases counted so far, and this one (or the one of ``since``).
            start = timezone.localdate(since) if since else timezone.localdate()
            years = [fiscal_year_of_date(start), *counts]
            per_year = _per_fiscal_year(queryset, moment, min(years), max(years))
        for fiscal_year, number in per_year.items():
            counts[fiscal_year][key] = number
    return counts


def _per_fiscal_year(queryset: QuerySet, moment: str, first: int, last: int) -> dict[int, int]:
    """Rows per fiscal year, from ``first`` to ``last``: each year's rows counted between
    its first moments as stored (UTC), instead of converting every row's time to Japan time
    to extract its year, which cost 58 ms for 120,000 posts. A row outside those years (a
    post in a year without a case or a call) makes it count by the expression after all."""
    bounds = [start_of_day(datetime.date(year, 4, 1)) for year in range(first, last + 2)]
    years = range(first, last + 1)
    counts = queryset.aggregate(
        outside=Count(
            moment, filter=Q(**{f"{moment}__lt": bounds[0]}) | Q(**{f"{moment}__gte": bounds[-1]})
        ),
        **{
            f"fy{year}": Count(moment, filter=Q(**{f"{moment}__gte": low, f"{moment}__lt": high}))
            for year, low, high in zip(years, bounds, bounds[1:], strict=False)
        },
    )
    if counts["outside"]:
        rows = (
            queryset.annotate(fy=_fiscal_year_expression(moment))
            .values("fy")
            .annotate(n=Count("*"))
        )
        return dict(rows.values_list("fy", "n"))
    return {year: counts[f"fy{year}"] for year in years if counts[f"fy{year}"]}


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
        f"stats:fy-volume:v2:{before.isoformat()}:"
        f"dial={stats.dial_id or ''}:department={stats.department_id or ''}"
    )
    return cached(key, lambda: dict(_fiscal_year_counts(stats, before=before)))


def volume_by_fiscal_year(stats: StatsFilter) -> list[Row]:
    """Every fiscal year in the archive (dial and department filters apply, not the period)."""
    today = start_of_day(timezone.localdate())
    # Today's rows within STATS_LIVE_CACHE_SECONDS, like every figure of a period that
    # reaches today (the page says so): counting them live cost 6 ms of every dashboard
    # view, mostly building the fiscal-year expression, for a yearly total.
    todays = cached(
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
    counted = {
        "faq": stats.faq_counts("dial_id"),
        "cases": stats.case_counts("dial_id"),
    }
    for key, by_dial in counted.items():
        for (dial_id,), number in by_dial.items():
            if dial_id in rows:
                rows[dial_id].values[key] = number
    posts = stats.posts()
    dial_field = "category__ticket_category__dial_id"
    for dial_id, number in (
        posts.values(dial_field).annotate(n=Count("*")).values_list(dial_field, "n")
    ):
        if dial_id is None:
            unmapped = rows.setdefault(
                None, Row(label=_("ダイヤル未設定"), values={"faq": 0, "cases": 0, "posts": 0})
            )
            unmapped.values["posts"] = number
        elif dial_id in rows:
            rows[dial_id].values["posts"] = number
    return list(rows.values())


def _most_first(counts: dict[tuple, int], label) -> list[tuple]:
    """(key, n) most first, then by label: as ORDER BY n DESC, label did."""
    return sorted(((key[0], n) for key, n in counts.items()), key=lambda kn: (-kn[1], label(kn[0])))


def cases_by_channel(stats: StatsFilter) -> list[Row]:
    labels = dict(Case.Channel.choices)
    return [
        Row(label=str(labels.get(c, c)), key=c, values={"cases": n})
        for c, n in _most_first(stats.case_counts("channel"), str)
    ]


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
    # A case's dial is its category's (Case.save): the names come from the routing table.
    names = {row.pk: (row.name, row.dial_name) for row in routing_table().categories}
    rows = _most_first(stats.case_counts("category"), lambda pk: names.get(pk, ("", ""))[0])
    return [
        Row(label=names[pk][0], key=str(pk), values={"cases": n, "dial": names[pk][1]})
        for pk, n in rows
        if pk in names
    ]


def cases_by_department(stats: StatsFilter) -> list[Row]:
    names = {row.pk: row.name for row in routing_table().departments}
    rows = _most_first(stats.case_counts("department_id"), lambda pk: names.get(pk, ""))
    return [Row(label=names.get(pk, str(pk)), key=str(pk), values={"cases": n}) for pk, n in rows]


def cases_by_ward(stats: StatsFilter) -> list[Row]:
    """All nine wards in code order (zero included), then cases without a ward."""
    counts = {ward: n for (ward,), n in stats.case_counts("ward").items()}
    rows = [
        Row(label=str(label), key=code, values={"cases": counts.get(code, 0)})
        for code, label in Ward.choices
    ]
    rows.append(Row(label=_("区不明"), key="", values={"cases": counts.get("", 0)}))
    return rows


# --- FAQ -----------------------------------------------------------------------------------


def top_faq_entries(stats: StatsFilter) -> list[Row]:
    """The FAQ entries used most in the period, ties by question.

    Counted per entry id alone, and the questions read for the leaders only: grouping ten
    years of counts by the question too joined every counted row with its entry (404 ms
    instead of 54 on 500,000 cases, 578,698 rows).
    """
    counts = {pk: n for (pk,), n in stats.faq_counts("faq_entry_id").items() if n}
    ranked = sorted(counts.values(), reverse=True)
    if not ranked:
        return []
    # Every entry tied with the last place competes for it by its question.
    last_place = ranked[min(TOP_FAQ_LIMIT, len(ranked)) - 1]
    candidates = [pk for pk, n in counts.items() if n >= last_place]
    questions = dict(FaqEntry.objects.filter(pk__in=candidates).values_list("pk", "question"))
    rows = sorted(
        ((pk, questions.get(pk, ""), counts[pk]) for pk in candidates),
        key=lambda row: (-row[2], row[1]),
    )[:TOP_FAQ_LIMIT]
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
