"""The counts of closed months (kobepost.stats.rollup) give exactly the live figures.

Every figure read through the counts is compared with the same figure read from the rows
alone (counts_kept() off), for generated cases and FAQ calls and random periods, dials and
departments: periods that start and end inside months, straddle counted and uncounted
months, reach today and go beyond it.
"""

import dataclasses
import datetime
from unittest import mock

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from departments.models import Department
from faq.models import FaqEntry, SimpleCall
from kobepost.lib.jp_calendar import fiscal_year_of_date
from kobepost.privacy.retention import case_erase_personal_data
from kobepost.stats import response_times as response_times_module
from kobepost.stats import rollup
from kobepost.stats.filters import StatsFilter
from kobepost.stats.models import (
    CaseMonthCount,
    FaqEntryMonthCount,
    FaqEntryYearCount,
    ResponseYearBucket,
    StatsMonth,
)
from kobepost.stats.monthly import monthly_report
from kobepost.stats.response_times import response_times
from kobepost.stats.rollup import stats_month_build, stats_months_build
from kobepost.stats.tasks import build_statistics_months
from kobepost.stats.tests.stats_data import jst, move
from kobepost.stats.volumes import (
    cases_by_category,
    cases_by_channel,
    cases_by_department,
    cases_by_ward,
    top_faq_entries,
    volume_by_dial,
    volume_by_fiscal_year,
    volume_series,
)
from tickets.counted_months import counted_months_changed
from tickets.models import Case, Category, Dial
from tickets.services import case_correct, case_create, case_transfer

pytestmark = pytest.mark.skipif(
    not rollup.counts_kept(), reason="counts are kept on PostgreSQL only"
)

# "Today" in these tests: the archive runs from January 2026 to this day (and a little
# beyond: a case may be dated ahead by a wrong clock).
TODAY = datetime.date(2027, 6, 15)
NOW = jst(2027, 6, 15, 12)
FIRST_DAY = datetime.date(2026, 1, 1)
LAST_DAY = datetime.date(2027, 7, 10)
SPAN = (LAST_DAY - FIRST_DAY).days
CATEGORIES = ("road-damage", "streetlight", "park-equipment", "food-poisoning", "illegal-dumping")
WARDS = ("28101", "28102", "28105", "")


def figures(stats: StatsFilter, *, live: bool) -> dict:
    """Every figure that reads the counts, from a fresh filter (and an empty cache)."""
    cache.clear()
    fresh = StatsFilter(
        date_from=stats.date_from,
        date_to=stats.date_to,
        dial_id=stats.dial_id,
        department_id=stats.department_id,
    )
    with mock.patch.object(rollup, "counts_kept", return_value=not live):
        return {
            "month": volume_series(fresh, "month"),
            "dial": volume_by_dial(fresh),
            "fiscal_year": volume_by_fiscal_year(fresh),
            "channel": cases_by_channel(fresh),
            "category": cases_by_category(fresh),
            "department": cases_by_department(fresh),
            "ward": cases_by_ward(fresh),
            "top_faq": top_faq_entries(fresh),
            "response": response_figures(fresh),
            "monthly": monthly_figures(fresh),
        }


MONTHLY_TABLES = (
    "volumes",
    "by_dial",
    "by_department",
    "by_ward",
    "by_kind",
    "by_channel",
    "by_category",
    "kpis",  # on time and judged, per month of receipt
    "response",  # hours and business days per department (the report's own year only)
)


def monthly_figures(stats: StatsFilter) -> list:
    """The monthly report's count tables of the period's first fiscal year (and the
    previous one beside it), as of TODAY."""
    report = monthly_report(stats, fiscal_year_of_date(stats.date_from), today=TODAY)
    return [
        (table, [(row.label, row.key, row.values) for row in getattr(shown, table)])
        for shown in (report, report.previous)
        for table in MONTHLY_TABLES
        if shown is not None
    ]


def response_figures(stats: StatsFilter) -> dict:
    """The response-time rows (medians, 90th percentiles, averages) overall and per group."""
    return {
        group: [(row.label, row.key, row.values) for row in response_times(stats, group)]
        for group in (None, "department", "category")
    }


@pytest.fixture
def entries(kobe):
    categories = {c.code: c for c in Category.objects.filter(code__in=CATEGORIES)}
    return [
        FaqEntry.objects.create(
            question=f"質問 {n}",
            answer="回答",
            dial=category.dial,
            department=category.department,
            status=FaqEntry.Status.PUBLISHED,
        )
        for n, category in enumerate(categories.values())
    ]


def _moment(day_offset: int, minute: int) -> datetime.datetime:
    day = FIRST_DAY + datetime.timedelta(days=day_offset)
    return jst(day.year, day.month, day.day) + datetime.timedelta(minutes=minute)


cases_strategy = st.lists(
    st.tuples(
        st.integers(0, SPAN),  # day
        st.integers(0, 24 * 60 - 1),  # minute of the day (midnight and 23:59 included)
        st.integers(0, len(CATEGORIES) - 1),
        st.sampled_from(WARDS),
        st.sampled_from([c for c, _label in Case.Channel.choices]),
        st.sampled_from([k for k, _label in Case.Kind.choices]),
        st.booleans(),  # handed to another department than the category's
    ),
    min_size=5,
    max_size=40,
)
calls_strategy = st.lists(
    st.tuples(st.integers(0, SPAN), st.integers(0, 24 * 60 - 1), st.integers(-1, 4)),
    min_size=3,
    max_size=30,
)
period_strategy = st.tuples(
    st.integers(0, SPAN), st.integers(0, SPAN), st.booleans(), st.booleans()
)


def _counted_and_filtered(built: set[int], periods: list, categories: list[Category]):
    """Count the chosen months (0 = January 2026 … 17 = June 2027; this month cannot be),
    then give a filter per drawn period, with or without a dial and a department."""
    for index in sorted(built):
        month = datetime.date(2026 + index // 12, index % 12 + 1, 1)
        if month < TODAY.replace(day=1):
            stats_month_build(month=month)
    dials = list(Dial.objects.order_by("pk").values_list("pk", flat=True))
    for first, last, by_dial, by_department in periods:
        start, end = sorted((first, last))
        yield StatsFilter(
            date_from=FIRST_DAY + datetime.timedelta(days=start),
            date_to=FIRST_DAY + datetime.timedelta(days=end),
            dial_id=dials[first % len(dials)] if by_dial else None,
            department_id=categories[last % len(categories)].department_id
            if by_department
            else None,
        )


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    cases=cases_strategy,
    calls=calls_strategy,
    built=st.sets(st.integers(0, 17), min_size=4),
    periods=st.lists(period_strategy, min_size=2, max_size=4),
)
def test_counted_months_give_the_live_figures(supervisor, entries, cases, calls, built, periods):
    categories = [Category.objects.get(code=code) for code in CATEGORIES]
    departments = list(Department.objects.order_by("pk"))
    with time_machine.travel(NOW, tick=False), transaction.atomic():
        for day, minute, category, ward, channel, kind, moved in cases:
            chosen = categories[category]
            other = departments[(departments.index(chosen.department) + 1) % len(departments)]
            case_create(
                created_by=supervisor,
                category=chosen,
                title="生成された案件",
                received_at=_moment(day, minute),
                ward=ward,
                channel=channel,
                kind=kind,
                department=other if moved else chosen.department,
            )
        for day, minute, entry in calls:
            SimpleCall.objects.create(
                dial=entries[entry].dial if entry >= 0 else categories[0].dial,
                faq_entry=entries[entry] if entry >= 0 else None,
                operator=supervisor,
                created_at=_moment(day, minute),
            )
        for stats in _counted_and_filtered(built, periods, categories):
            assert figures(stats, live=False) == figures(stats, live=True), stats
        transaction.set_rollback(True)


@pytest.fixture
def archive(supervisor, entries):
    """A case and a call in March, April and May 2027, all three months counted."""
    road = Category.objects.get(code="road-damage")
    made = []
    with time_machine.travel(NOW, tick=False):
        for month in (3, 4, 5):
            made.append(
                case_create(
                    created_by=supervisor,
                    category=road,
                    title="道路",
                    received_at=jst(2027, month, 10, 9),
                    ward="28101",
                )
            )
            SimpleCall.objects.create(
                dial=road.dial,
                faq_entry=entries[0],
                operator=supervisor,
                created_at=jst(2027, month, 10, 9),
            )
        assert stats_months_build() == 3  # March to May 2027: June is this month
    return made


# A response time in minutes: 0, a few, many days; or none (the milestone not reached).
# Times repeat, so ties at the percentile's position are tried too.
response_strategy = st.one_of(
    st.none(),
    st.sampled_from([0, 1, 30, 60, 24 * 60, 3 * 24 * 60]),
    st.integers(0, 40 * 24 * 60),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    cases=st.lists(
        st.tuples(
            st.integers(0, SPAN),
            st.integers(0, 24 * 60 - 1),
            st.integers(0, len(CATEGORIES) - 1),
            response_strategy,  # received → answered
            response_strategy,  # answered → told
            response_strategy,  # received → closed
        ),
        min_size=1,
        max_size=40,
    ),
    built=st.sets(st.integers(0, 17), min_size=4),
    periods=st.lists(period_strategy, min_size=2, max_size=4),
)
def test_percentiles_from_the_buckets_are_percentile_cont(supervisor, cases, built, periods):
    """The medians, 90th percentiles and averages read from the counted months' buckets
    and the cases of one bucket equal PostgreSQL's percentile_cont and avg over all the
    cases of the period, whatever months are counted (short periods included here)."""
    categories = [Category.objects.get(code=code) for code in CATEGORIES]
    with (
        time_machine.travel(NOW, tick=False),
        mock.patch.object(response_times_module, "BUCKETS_FROM_DAYS", 0),
        transaction.atomic(),
    ):
        for day, minute, category, reply, told, closed in cases:
            received = _moment(day, minute)
            case = case_create(
                created_by=supervisor,
                category=categories[category],
                title="生成された案件",
                received_at=received,
            )
            answered = None if reply is None else received + datetime.timedelta(minutes=reply)
            Case.objects.filter(pk=case.pk).update(
                first_answered_at=answered,
                first_told_at=None
                if answered is None or told is None
                else answered + datetime.timedelta(minutes=told),
                first_closed_at=None
                if closed is None
                else received + datetime.timedelta(minutes=closed),
            )
        for index, stats in enumerate(_counted_and_filtered(built, periods, categories)):
            with mock.patch.object(rollup, "counts_kept", return_value=False):
                cache.clear()
                expected = response_figures(dataclasses.replace(stats))
            cache.clear()
            assert response_figures(dataclasses.replace(stats)) == expected, stats
            if index:
                continue  # a report is two whole fiscal years: its scope varies enough
            # The monthly report's on-time rate and business days, from the counts too.
            with mock.patch.object(rollup, "counts_kept", return_value=False):
                cache.clear()
                expected_report = monthly_figures(dataclasses.replace(stats))
            cache.clear()
            assert monthly_figures(dataclasses.replace(stats)) == expected_report, stats
        transaction.set_rollback(True)


def test_a_reply_recorded_after_the_month_closed_invalidates_it(archive, supervisor):
    march = archive[0]
    with time_machine.travel(NOW, tick=False):
        assert counted(datetime.date(2027, 3, 1))
        move(march, supervisor, Case.Status.ANSWERED, NOW)
        assert not counted(datetime.date(2027, 3, 1))
        assert figures(TEN_YEARS, live=False) == figures(TEN_YEARS, live=True)
        assert stats_months_build() == 1
        assert counted(datetime.date(2027, 3, 1))
        cache.clear()
        overall = response_times(dataclasses.replace(TEN_YEARS), None)[0].values
        assert overall["reply_n"] == 1
        assert overall["reply_median"] == round((NOW - march.received_at).total_seconds() / 3600, 1)
        assert figures(TEN_YEARS, live=False) == figures(TEN_YEARS, live=True)


def counted(month: datetime.date) -> bool:
    """Whether the statistics read ``month`` from its counts (not from the rows)."""
    last = (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    return month in rollup.period_plan(month, last).months


# Its plan is cached on first use: a test reads it through a copy (dataclasses.replace).
TEN_YEARS = StatsFilter(date_from=datetime.date(2017, 6, 1), date_to=datetime.date(2027, 6, 30))


def _departments(stats: StatsFilter) -> dict[str, int]:
    cache.clear()
    fresh = StatsFilter(date_from=stats.date_from, date_to=stats.date_to)
    return {row.label: row.values["cases"] for row in cases_by_department(fresh)}


def test_a_transfer_in_a_closed_month_invalidates_it_and_the_figures_follow(archive, supervisor):
    april = archive[1]
    other = Department.objects.exclude(pk=april.department_id).order_by("pk").first()
    with time_machine.travel(NOW, tick=False):
        case_transfer(case=april, user=supervisor, department=other)
        assert not counted(datetime.date(2027, 4, 1))
        assert counted(datetime.date(2027, 3, 1))
        assert _departments(TEN_YEARS)[other.name] == 1
        assert figures(TEN_YEARS, live=False) == figures(TEN_YEARS, live=True)
        assert stats_months_build() == 1  # the beat job counts April again
        assert counted(datetime.date(2027, 4, 1))
        assert _departments(TEN_YEARS)[other.name] == 1
        assert figures(TEN_YEARS, live=False) == figures(TEN_YEARS, live=True)


def test_a_corrected_category_in_a_closed_month_invalidates_it(archive, supervisor):
    may = archive[2]
    light = Category.objects.get(code="streetlight")
    with time_machine.travel(NOW, tick=False):
        case_correct(case=may, user=supervisor, changes={"category": light}, reason="誤分類")
        assert not counted(datetime.date(2027, 5, 1))
        categories = {
            row.label: row.values["cases"]
            for row in cases_by_category(dataclasses.replace(TEN_YEARS))
        }
        assert categories[light.name] == 1
        assert figures(TEN_YEARS, live=False) == figures(TEN_YEARS, live=True)


def test_a_status_change_or_a_disposal_keeps_the_month_counted_and_right(archive, supervisor):
    march = archive[0]
    move(march, supervisor, Case.Status.IN_PROGRESS, NOW)
    with time_machine.travel(NOW, tick=False):
        with transaction.atomic():
            case_erase_personal_data(march, at=NOW)
        # Neither changes what the months count (a status that is no response time,
        # personal data), so the month
        # stays counted, and its figures are still the live ones.
        assert counted(datetime.date(2027, 3, 1))
        assert figures(TEN_YEARS, live=False) == figures(TEN_YEARS, live=True)


def test_a_case_entered_late_into_a_closed_month_invalidates_it(archive, supervisor):
    with time_machine.travel(NOW, tick=False):
        case_create(
            created_by=supervisor,
            category=Category.objects.get(code="streetlight"),
            title="後日入力",
            received_at=jst(2027, 3, 31, 23, 59),
        )
        assert not counted(datetime.date(2027, 3, 1))
        assert figures(TEN_YEARS, live=False) == figures(TEN_YEARS, live=True)


def test_the_backfill_is_idempotent(archive):
    rows = sorted(CaseMonthCount.objects.values_list("month", "dimension", "value", "n"))
    entry_rows = sorted(FaqEntryMonthCount.objects.values_list("month", "faq_entry_id", "n"))
    assert rows and entry_rows
    with time_machine.travel(NOW, tick=False):
        call_command("stats_rollup", stdout=mock.Mock())
        assert build_statistics_months() == 0  # the beat job finds nothing to do
        assert sorted(CaseMonthCount.objects.values_list("month", "dimension", "value", "n")) == (
            rows
        )
        call_command("stats_rollup", "--rebuild", stdout=mock.Mock())
        assert sorted(CaseMonthCount.objects.values_list("month", "dimension", "value", "n")) == (
            rows
        )
        assert sorted(FaqEntryMonthCount.objects.values_list("month", "faq_entry_id", "n")) == (
            entry_rows
        )
        assert StatsMonth.objects.count() == 3


def test_the_current_month_is_never_counted(archive):
    with time_machine.travel(NOW, tick=False), pytest.raises(ValueError):
        stats_month_build(month=TODAY)


TEN_YEAR_QUERY = {"preset": "custom", "date_from": "2017-06-01", "date_to": "2027-06-30"}
# Session, user, the form's three routing queries, one lookup of the counted months for
# the period and one for the fiscal years, then per figure one query of the counts and
# one of the live rest (today, uncounted months), whatever the number of months or rows;
# per response-time table one query of the buckets, one per measure of the live rest and,
# for a group, its list (no case here reached a milestone: no bucket is read); the
# questions of the most used FAQ entries.
TEN_YEAR_DASHBOARD_QUERIES = 61


@pytest.mark.parametrize("extra_months", [0, 6])
def test_a_ten_year_dashboard_costs_the_same_queries_whatever_the_months(
    archive, supervisor, login_client, django_assert_num_queries, extra_months
):
    road = Category.objects.get(code="road-damage")
    with time_machine.travel(NOW, tick=False):
        for n in range(extra_months):
            case_create(
                created_by=supervisor,
                category=road,
                title="道路",
                received_at=jst(2026, 3 + n, 5, 9),
            )
        stats_months_build()
        client = login_client(supervisor)
        client.get("/stats/")  # the session's first view writes it; not measured
        cache.clear()
        with django_assert_num_queries(TEN_YEAR_DASHBOARD_QUERIES):
            response = client.get("/stats/", TEN_YEAR_QUERY)
    assert response.status_code == 200
    assert response.context["totals"]["cases"] == 3 + extra_months


def test_whole_fiscal_years_are_read_from_their_years_counts(supervisor, entries):
    """Ten years of "the FAQ entries used most" and of response times add up a row per
    fiscal year whose twelve months are counted (FaqEntryYearCount, ResponseYearBucket),
    the same figures as the rows themselves; a call entered late into one of its months
    sends the year back to its months until the month is counted again."""
    categories = [Category.objects.get(code=code) for code in CATEGORIES]
    road = categories[0]
    first = datetime.date(2026, 1, 1)
    with time_machine.travel(NOW, tick=False):
        month = first
        for number in range(17):  # January 2026 to May 2027, a few calls and cases each
            for extra in range(number % 4 + 1):
                SimpleCall.objects.create(
                    dial=road.dial,
                    faq_entry=entries[(number + extra) % len(entries)],
                    operator=supervisor,
                    created_at=jst(month.year, month.month, 3 + extra, 10),
                )
                received = jst(month.year, month.month, 5 + extra, 9)
                case = case_create(
                    created_by=supervisor,
                    category=categories[(number + extra) % len(categories)],
                    title="生成された案件",
                    received_at=received,
                )
                answered = received + datetime.timedelta(hours=7 * number + 13 * extra)
                Case.objects.filter(pk=case.pk).update(
                    first_answered_at=answered,
                    first_told_at=answered + datetime.timedelta(hours=extra * 20),
                    first_closed_at=answered + datetime.timedelta(days=number),
                )
            month = (month + datetime.timedelta(days=32)).replace(day=1)
        assert stats_months_build() == 17
        # FY2026 (April 2026 – March 2027) is whole; FY2025 and FY2027 are not.
        assert set(FaqEntryYearCount.objects.values_list("fiscal_year", flat=True)) == {2026}
        assert set(ResponseYearBucket.objects.values_list("fiscal_year", flat=True)) == {2026}
        year_total = sum(FaqEntryYearCount.objects.values_list("n", flat=True))
        assert (
            year_total
            == SimpleCall.objects.filter(
                created_at__gte=jst(2026, 4, 1), created_at__lt=jst(2027, 4, 1)
            ).count()
        )
        long_period = StatsFilter(date_from=datetime.date(2026, 2, 10), date_to=TODAY)
        assert figures(long_period, live=False) == figures(long_period, live=True)
        by_department = dataclasses.replace(long_period, department_id=road.department_id)
        assert figures(by_department, live=False) == figures(by_department, live=True)
        # A writer of an earlier call records its closed month as changed (as the services do).
        late = SimpleCall.objects.create(
            dial=road.dial, faq_entry=entries[0], operator=supervisor, created_at=jst(2026, 9, 30)
        )
        counted_months_changed(moments=[late.created_at])
        assert figures(long_period, live=False) == figures(long_period, live=True)
        assert stats_months_build() == 1  # September 2026, and its year with it
        assert sum(FaqEntryYearCount.objects.values_list("n", flat=True)) == year_total + 1
        assert figures(long_period, live=False) == figures(long_period, live=True)


def test_counts_that_disagree_with_the_cases_fall_back_to_the_cases(archive, supervisor):
    """A write that recorded no change (here a bare UPDATE) leaves a counted month that no
    longer matches its cases: the bucket walk finds fewer cases than counted. The page
    shows the figures of the cases themselves, never a server error."""
    with time_machine.travel(NOW, tick=False):
        for case in archive:
            move(
                case,
                supervisor,
                Case.Status.ANSWERED,
                case.received_at + datetime.timedelta(hours=5),
            )
        # Answered "at the time" (no change recorded then): count the months again.
        assert stats_months_build(rebuild=True) == 3
        Case.objects.filter(pk__in=[case.pk for case in archive]).update(
            first_answered_at=None, first_told_at=None, first_closed_at=None
        )
        with mock.patch.object(response_times_module.log, "warning") as warned:
            counted = figures(TEN_YEARS, live=False)["response"]
        assert counted == figures(TEN_YEARS, live=True)["response"]
        assert warned.called  # said in the log, for whoever runs stats_rollup --rebuild
