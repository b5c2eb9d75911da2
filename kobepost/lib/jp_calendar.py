"""The Japanese calendar of the tool: reply due dates in business days (weekends and
Japanese public holidays do not count), and where a day starts.

City offices are also closed 12/29–1/3 (年末年始, 神戸市の休日を定める条例); those days are
skipped too although only 1/1 is a national holiday.
"""

import datetime
import functools

import jpholiday
from django.utils import timezone


def start_of_day(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``day`` in the site's time zone (Asia/Tokyo): a date filter
    "from" a day compares with this, one "to" a day with the next day's."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


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


@functools.cache
def _running_count(year: int) -> tuple[int, ...]:
    """For each day of ``year`` (by day of the year, from 0): the business days of the year
    up to and including it. Cached per year: statistics count thousands of spans, and
    asking jpholiday day by day for each would cost seconds."""
    day = datetime.date(year, 1, 1)
    counted, running = [], 0
    while day.year == year:
        running += is_business_day(day)
        counted.append(running)
        day += datetime.timedelta(days=1)
    return tuple(counted)


def _count_in_year(day: datetime.date) -> int:
    return _running_count(day.year)[day.timetuple().tm_yday - 1]


def business_days_between(start: datetime.date, end: datetime.date) -> int:
    """Business days after ``start`` up to and including ``end``: the inverse of
    add_business_days (a reply on the due date of a 5-day category took 5 business days;
    a reply on the day of receipt took 0)."""
    if end <= start:
        return 0
    # Only the years the span touches are looked at.
    taken = -_count_in_year(start)
    for year in range(start.year, end.year):
        taken += _running_count(year)[-1]
    return taken + _count_in_year(end)
