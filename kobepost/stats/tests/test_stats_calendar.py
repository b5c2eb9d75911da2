"""Japanese era labels and fiscal years (business days: tickets/tests/test_due_dates.py)."""

import datetime

import pytest

from kobepost.stats import figures as stats


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
    assert stats.era_label(day) == label


@pytest.mark.parametrize(
    ("fiscal_year", "label"),
    [(2026, "令和8年度"), (2027, "令和9年度"), (2020, "令和2年度"), (2019, "平成31年度")],
)
def test_fiscal_year_label_uses_the_year_of_april(fiscal_year, label):
    assert stats.fiscal_year_label(fiscal_year) == label


def test_era_before_heisei_is_refused():
    with pytest.raises(ValueError):
        stats.era_label(datetime.date(1989, 1, 7))


def test_fiscal_year_months_run_april_to_march():
    months = stats.fiscal_year_months(2026)
    assert months[0] == (2026, 4) and months[-1] == (2027, 3) and len(months) == 12
    assert stats.month_label(2027, 3) == "令和9年3月"
