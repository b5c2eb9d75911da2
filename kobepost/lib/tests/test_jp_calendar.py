"""The Japanese calendar: era labels, fiscal years, start of day (business days:
tickets/tests/test_due_dates.py)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from kobepost.lib.jp_calendar import (
    era_label,
    fiscal_year_heading,
    fiscal_year_label,
    fiscal_year_months,
    fiscal_year_of,
    fiscal_year_of_date,
    month_label,
    start_of_day,
)

JST = ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize(
    ("day", "label"),
    [
        (datetime.date(2019, 4, 30), "平成31年"),
        (datetime.date(2019, 5, 1), "令和元年"),
        (datetime.date(2020, 1, 1), "令和2年"),
        (datetime.date(2026, 6, 1), "令和8年"),
        (datetime.date(1989, 1, 8), "平成元年"),
    ],
)
def test_era_label(day, label):
    assert era_label(day) == label


@pytest.mark.parametrize(
    ("fiscal_year", "label"),
    [(2026, "令和8年度"), (2027, "令和9年度"), (2020, "令和2年度"), (2019, "平成31年度")],
)
def test_fiscal_year_label_uses_the_year_of_april(fiscal_year, label):
    assert fiscal_year_label(fiscal_year) == label


def test_era_before_heisei_is_refused():
    with pytest.raises(ValueError):
        era_label(datetime.date(1989, 1, 7))


def test_fiscal_year_months_run_april_to_march():
    months = fiscal_year_months(2026)
    assert months[0] == (2026, 4) and months[-1] == (2027, 3) and len(months) == 12
    assert month_label(2027, 3) == "令和9年3月"


def test_fiscal_year_turns_on_april_first_in_japan_time():
    assert fiscal_year_of_date(datetime.date(2027, 3, 31)) == 2026
    assert fiscal_year_of_date(datetime.date(2027, 4, 1)) == 2027
    # 1 April 00:30 in Japan is still 31 March in UTC: the Japanese day decides.
    april_first = datetime.datetime(2027, 4, 1, 0, 30, tzinfo=JST)
    assert fiscal_year_of(april_first.astimezone(datetime.UTC)) == 2027
    assert fiscal_year_of(datetime.datetime(2027, 3, 31, 23, 59, tzinfo=JST)) == 2026


def test_start_of_day_is_midnight_in_japan():
    start = start_of_day(datetime.date(2026, 6, 10))
    assert start == datetime.datetime(2026, 6, 10, 0, 0, tzinfo=JST)
    assert start.astimezone(datetime.UTC).hour == 15  # 9 June 15:00 UTC


def test_english_readers_get_western_years():
    with translation.override("en"):
        assert fiscal_year_label(2026) == "FY2026"
        assert fiscal_year_heading(2026) == "FY2026"
        assert month_label(2026, 4) == "Apr 2026"
    assert fiscal_year_heading(2026) == "令和8年度（2026年度）"
