"""The dashboard's figures of a period, computed together and cached together."""

import datetime
import uuid
from typing import TypedDict

from django.utils import timezone, translation

from kobepost.stats.calls import call_figures, calls_by_hour
from kobepost.stats.filters import Row, StatsFilter, cached, live_cache_seconds, scope_key
from kobepost.stats.response_times import response_times
from kobepost.stats.volumes import (
    cases_by_category,
    cases_by_channel,
    cases_by_department,
    cases_by_ward,
    posts_by_channel,
    top_faq_entries,
    unanswered_searches,
    volume_by_dial,
    volume_series,
)


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
        return cached(
            f"stats:period-live:v3:{today.isoformat()}:{stats.date_from.isoformat()}:"
            f"{stats.date_to.isoformat()}:{granularity}:searches={int(with_searches)}:"
            f"{scope_key(stats)}:lang={translation.get_language()}",
            compute,
            seconds=live_cache_seconds(),
        )
    return cached(
        f"stats:period:v3:{stats.date_from.isoformat()}:{stats.date_to.isoformat()}:"
        f"{granularity}:searches={int(with_searches)}:{scope_key(stats)}:"
        f"lang={translation.get_language()}",
        compute,
    )
