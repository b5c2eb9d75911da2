"""The Japanese calendar of the city offices, in one place: every area uses this module.

- Start of a day: the first moment of a date in Japan time (periods are half-open
  ``[start_of_day(first), start_of_day(last + 1 day))``).
- Fiscal year (年度): 1 April to 31 March, in Japan time.
- Eras (和暦): 令和8年, 令和8年度 and the 年度 box's 「令和8」「R8」; English readers get
  Western years (FY2026, Apr 2026), era names mean nothing to them.
- Business days (開庁日) for reply due dates: weekends and Japanese public holidays do not
  count. City offices are also closed 12/29–1/3 (年末年始, 神戸市の休日を定める条例); those
  days are skipped too although only 1/1 is a national holiday.
"""

import datetime
import functools
import re
import unicodedata

import jpholiday
from django.utils import timezone, translation
from django.utils.formats import date_format

# --- Start of day --------------------------------------------------------------------------


def start_of_day(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``day`` in the site's time zone (Asia/Tokyo): a date filter
    "from" a day compares with this, one "to" a day with the next day's."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# --- Fiscal year ---------------------------------------------------------------------------


def fiscal_year_of_date(day: datetime.date) -> int:
    """Fiscal year of a date: 2027-03-31 → 2026, 2027-04-01 → 2027."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_of(moment: datetime.datetime) -> int:
    """Fiscal year of a moment, in Japan time: 2027-03-31 23:59 JST → 2026."""
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    return fiscal_year_of_date(local.date())


def fiscal_year_bounds(fiscal_year: int) -> tuple[datetime.date, datetime.date]:
    """First and last day of a fiscal year: 1 April to 31 March."""
    return datetime.date(fiscal_year, 4, 1), datetime.date(fiscal_year + 1, 3, 31)


def fiscal_year_months(fiscal_year: int) -> list[tuple[int, int]]:
    """(year, month) from April to March."""
    return [(fiscal_year + (month < 4), month) for month in (*range(4, 13), 1, 2, 3)]


# --- Eras (和暦) ----------------------------------------------------------------------------

# (first day, name): newest first.
ERAS: list[tuple[datetime.date, str]] = [
    (datetime.date(2019, 5, 1), "令和"),
    (datetime.date(1989, 1, 8), "平成"),
]


def era_year(day: datetime.date) -> tuple[str, int]:
    """("令和", 8) for 2026-06-01; the era that was in force on that day."""
    for start, name in ERAS:
        if day >= start:
            return name, day.year - start.year + 1
    raise ValueError(f"no era known before 1989-01-08: {day}")


def era_label(day: datetime.date) -> str:
    """令和8年 / 令和元年 for a day (the first year of an era is 元年)."""
    name, year = era_year(day)
    return f"{name}{'元' if year == 1 else year}年"


def in_japanese() -> bool:
    return (translation.get_language() or "ja").startswith("ja")


def fiscal_year_label(fiscal_year: int) -> str:
    """令和8年度 for FY2026: the era of the fiscal year's 1 April (FY2019 is 平成31年度).

    English readers get the Western fiscal year (FY2026): era names mean nothing to them.
    """
    if not in_japanese():
        return f"FY{fiscal_year}"
    return f"{era_label(datetime.date(fiscal_year, 4, 1))}度"


def fiscal_year_heading(fiscal_year: int) -> str:
    """令和8年度（2026年度）: the era with the Western year beside it; FY2026 in English."""
    if not in_japanese():
        return fiscal_year_label(fiscal_year)
    return f"{fiscal_year_label(fiscal_year)}（{fiscal_year}年度）"


def month_label(year: int, month: int) -> str:
    """令和8年4月; Apr 2026 in English."""
    if not in_japanese():
        return date_format(datetime.date(year, month, 1), "M Y")
    return f"{era_label(datetime.date(year, month, 1))}{month}月"


# 「令和8」「R8」「令和８年度」「r.8」「令和元年度」「平成31」: the era's name or initial, a year.
_ERA_INITIALS = {"令和": "令和", "R": "令和", "平成": "平成", "H": "平成"}
_ERA_YEAR = re.compile(r"^(令和|平成|R|H)\.?\s*(元|\d{1,2})(?:年度?)?$")
_WESTERN_YEAR = re.compile(r"^(\d{4})(?:年度?)?$")


def parse_fiscal_year(text: str) -> int | None:
    """The fiscal year typed in a 年度 box, Western (2026, 2026年度) or in an era (令和8,
    R8, 令和元年度, 平成31); None when it is neither. Full-width digits and letters are
    folded first, as people type them with the Japanese input method on."""
    folded = unicodedata.normalize("NFKC", text).strip().upper()
    if match := _WESTERN_YEAR.match(folded):
        return int(match.group(1))
    if match := _ERA_YEAR.match(folded):
        name = _ERA_INITIALS[match.group(1)]
        year = 1 if match.group(2) == "元" else int(match.group(2))
        start = next(day for day, era in ERAS if era == name)
        return start.year + year - 1 if year >= 1 else None
    return None


# --- Business days (開庁日) -----------------------------------------------------------------


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


# --- Months --------------------------------------------------------------------------------


def next_month(day: datetime.date) -> datetime.date:
    """The first day of the month after the month of ``day``."""
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def month_of(moment: datetime.datetime) -> datetime.date:
    """The first day of the month of a moment, in Japan time: 2026-04-30 23:59 JST is April."""
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    return local.date().replace(day=1)
