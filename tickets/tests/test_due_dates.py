"""Reply due dates in business days: weekends, Japanese holidays and the year end skipped."""

import datetime

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from kobepost.lib.jp_calendar import add_business_days, business_days_between, is_business_day
from tickets.models import Case, Category
from tickets.tests.factories import make_case

D = datetime.date


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (D(2026, 11, 24), 1, D(2026, 11, 25)),  # Tuesday → Wednesday
        (D(2026, 11, 27), 1, D(2026, 11, 30)),  # Friday → Monday
        # Golden Week 2026: 4/29 昭和の日, 5/3 Sunday, 5/4–5/5, 5/6 振替休日.
        (D(2026, 4, 30), 3, D(2026, 5, 8)),
        (D(2026, 5, 1), 1, D(2026, 5, 7)),
        # New Year: offices close 12/29–1/3, 1/12/2027 is 成人の日.
        (D(2026, 12, 28), 1, D(2027, 1, 4)),
        (D(2027, 1, 8), 1, D(2027, 1, 12)),
        # Substitute holiday: 2025-11-03 文化の日 is Monday; 2026-05-06 振替休日.
        (D(2026, 5, 5), 1, D(2026, 5, 7)),
    ],
)
def test_add_business_days(start, days, due):
    assert add_business_days(start, days) == due


def test_substitute_holiday_is_not_a_business_day():
    assert not is_business_day(D(2026, 5, 6))  # 振替休日 for 憲法記念日 on a Sunday
    assert is_business_day(D(2026, 5, 7))


def test_zero_days_is_the_next_business_day_on_or_after():
    assert add_business_days(D(2026, 5, 2), 0) == D(2026, 5, 7)
    assert add_business_days(D(2026, 5, 7), 0) == D(2026, 5, 7)


def test_new_case_gets_due_date_from_category_reply_days(operator):
    Category.objects.filter(code="road-damage").update(reply_days=3)
    received = timezone.make_aware(datetime.datetime(2026, 4, 30, 16, 0))
    case = make_case(operator, received_at=received)
    assert case.reply_due_date == D(2026, 5, 8)


def test_overdue_means_unanswered_after_the_due_date(operator):
    case = make_case(operator)
    Case.objects.filter(pk=case.pk).update(reply_due_date=D(2026, 1, 5))
    today = D(2026, 1, 6)
    assert list(Case.objects.overdue(today)) == [case]
    Case.objects.filter(pk=case.pk).update(status=Case.Status.ANSWERED)
    assert list(Case.objects.overdue(today)) == []


# No deadline: the first span of a year builds that year's table (jpholiday day by day).
@settings(deadline=None)
@given(start=st.dates(D(2000, 1, 1), D(2040, 12, 31)), days=st.integers(1, 40))
def test_business_days_between_counts_back_what_was_added(start, days):
    assert business_days_between(start, add_business_days(start, days)) == days


def test_business_days_between_same_day_and_weekend():
    assert business_days_between(D(2026, 6, 10), D(2026, 6, 10)) == 0
    # Fri → Sat/Sun: no business day passed; → Mon: one.
    assert business_days_between(D(2026, 6, 12), D(2026, 6, 14)) == 0
    assert business_days_between(D(2026, 6, 12), D(2026, 6, 15)) == 1
