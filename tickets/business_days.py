"""Reply due dates in business days: weekends and Japanese public holidays do not count.

City offices are also closed 12/29–1/3 (年末年始, 神戸市の休日を定める条例); those days are
skipped too although only 1/1 is a national holiday.
"""

import datetime

import jpholiday


def is_business_day(day: datetime.date) -> bool:
    if day.weekday() >= 5 or jpholiday.is_holiday(day):
        return False
    year_end = (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)
    return not year_end


def add_business_days(start: datetime.date, days: int) -> datetime.date:
    """The ``days``-th business day after ``start`` (``start`` itself never counts).

    A case received on Friday with 1 day is due on Monday; 0 days means the next business
    day on or after ``start``.
    """
    day = start
    if days <= 0:
        while not is_business_day(day):
            day += datetime.timedelta(days=1)
        return day
    counted = 0
    while counted < days:
        day += datetime.timedelta(days=1)
        if is_business_day(day):
            counted += 1
    return day


def next_business_day(day: datetime.date) -> datetime.date:
    """The first business day after ``day`` ("tomorrow" for a reply due date)."""
    return add_business_days(day, 1)
