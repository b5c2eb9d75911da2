"""Chart x labels never run into each other, and read like the tables (令和 / English)."""

import datetime
import itertools

import pytest
from django.utils import translation

from kobepost.lib.jp_calendar import fiscal_year_label, month_label
from kobepost.stats.charts import label_width, line_chart
from kobepost.stats.filters import Row
from kobepost.stats.volumes import _bucket_label, _buckets

SERIES = [("cases", "案件")]


def rows_for(date_from: datetime.date, date_to: datetime.date, granularity: str):
    return [
        Row(label=_bucket_label(day, granularity), values={"cases": 1})
        for day in _buckets(date_from, date_to, granularity)
    ]


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize(
    ("date_from", "date_to", "granularity"),
    [
        (datetime.date(2026, 4, 1), datetime.date(2027, 3, 31), "month"),
        (datetime.date(2026, 4, 1), datetime.date(2026, 5, 31), "day"),
        (datetime.date(2026, 4, 1), datetime.date(2026, 9, 30), "week"),
        (datetime.date(2016, 4, 1), datetime.date(2027, 3, 31), "month"),
    ],
)
def test_shown_labels_never_overlap(language, date_from, date_to, granularity):
    with translation.override(language):
        chart = line_chart(rows_for(date_from, date_to, granularity), SERIES)
    shown = chart["labels"]
    assert len(shown) >= 2
    for before, after in itertools.pairwise(shown):
        room = float(after.x) - float(before.x)
        assert room >= (label_width(before.text) + label_width(after.text)) / 2, (before, after)


def test_month_labels_match_the_tables():
    rows = rows_for(datetime.date(2026, 4, 1), datetime.date(2027, 3, 31), "month")
    assert rows[0].label == "令和8年4月" and rows[-1].label == "令和9年3月"
    with translation.override("en"):
        rows = rows_for(datetime.date(2026, 4, 1), datetime.date(2027, 3, 31), "month")
        assert rows[0].label == "Apr 2026"
        assert fiscal_year_label(2026) == "FY2026"
        assert month_label(2027, 3) == "Mar 2027"
