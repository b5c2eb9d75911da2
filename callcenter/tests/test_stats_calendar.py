"""Japanese era labels, fiscal years and the business-day reply due date."""

import datetime

import pytest

from callcenter import stats


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


def test_reply_due_skips_weekends_holidays_and_year_end():
    # Fri 2026-05-01; 5/4–5/6 are holidays (振替休日 on 5/6): due Wed 5/13.
    assert stats.reply_due_date(datetime.date(2026, 5, 1), 5) == datetime.date(2026, 5, 13)
    # Year end: 12/29–1/3 closed; Mon 2026-12-28 + 1 business day = Mon 2027-01-04.
    assert stats.reply_due_date(datetime.date(2026, 12, 28), 1) == datetime.date(2027, 1, 4)


def test_overdue_cutoff_is_the_first_day_not_yet_overdue():
    # On 5/14: received 5/6 or earlier is due by 5/13 (overdue); 5/7 is due 5/14 (not yet).
    cutoff = stats.overdue_cutoff(datetime.date(2026, 5, 14), 5)
    assert cutoff == stats.start_of_day(datetime.date(2026, 5, 7))


def test_reply_days_setting(settings):
    settings.STATS_DEFAULT_REPLY_DAYS = 3
    assert stats.reply_days() == 3
