"""Figures against a hand-counted set (kobepost/stats/tests/stats_data.py)."""

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kobepost.lib.jp_calendar import fiscal_year_of_date
from kobepost.stats.filters import StatsFilter
from kobepost.stats.monthly import monthly_report
from kobepost.stats.overdue import overdue_by_department, overdue_list
from kobepost.stats.response_times import percentiles_supported, response_times
from kobepost.stats.tests.stats_data import build_known_set, jst
from kobepost.stats.volumes import (
    cases_by_category,
    cases_by_channel,
    cases_by_department,
    cases_by_ward,
    top_faq_entries,
    totals,
    unanswered_searches,
    volume_by_dial,
    volume_by_fiscal_year,
    volume_series,
)
from tickets.models import Dial

FY2026 = StatsFilter(date_from=datetime.date(2026, 4, 1), date_to=datetime.date(2027, 3, 31))
FY2027 = StatsFilter(date_from=datetime.date(2027, 4, 1), date_to=datetime.date(2028, 3, 31))
APRIL = StatsFilter(date_from=datetime.date(2026, 4, 1), date_to=datetime.date(2026, 4, 30))


@pytest.fixture
def known(supervisor):
    return build_known_set(supervisor)


def test_totals_respect_the_fiscal_year_boundary_in_japan_time(known):
    # 2027-03-31 23:59 JST belongs to FY2026, 2027-04-01 00:00 JST to FY2027.
    assert totals(FY2026) == {"faq": 4, "cases": 7, "posts": 2}
    assert totals(FY2027) == {"faq": 1, "cases": 1, "posts": 0}
    by_year = {row.key: row.values for row in volume_by_fiscal_year(APRIL)}
    assert by_year == {
        "2026": {"faq": 4, "cases": 7, "posts": 2},
        "2027": {"faq": 1, "cases": 1, "posts": 0},
    }


def test_fiscal_year_rows_carry_the_era_label(known):
    labels = [row.label for row in volume_by_fiscal_year(APRIL)]
    assert labels == ["令和9年度（2027年度）", "令和8年度（2026年度）"]


def test_monthly_series_and_dials(known):
    months = volume_series(FY2026, "month")
    assert len(months) == 12
    assert months[0].values == {"faq": 3, "cases": 5, "posts": 2}  # April 2026
    assert months[1].values == {"faq": 0, "cases": 1, "posts": 0}  # May
    assert months[-1].values == {"faq": 1, "cases": 1, "posts": 0}  # March 2027 23:59
    days = volume_series(APRIL, "day")
    assert len(days) == 30
    assert days[5].label == "4/6"
    assert days[5].values == {"faq": 1, "cases": 1, "posts": 1}
    dials = {row.key: row.values for row in volume_by_dial(FY2026)}
    assert dials["roads"] == {"faq": 3, "cases": 6, "posts": 1}
    assert dials["hygiene"] == {"faq": 1, "cases": 1, "posts": 0}
    assert dials["clean110"] == {"faq": 0, "cases": 0, "posts": 0}
    assert dials[""] == {"faq": 0, "cases": 0, "posts": 1}  # post of an unmapped category


def test_breakdowns_by_channel_category_department_and_ward(known):
    channels = {row.key: row.values["cases"] for row in cases_by_channel(APRIL)}
    assert channels == {"phone": 3, "email": 1, "kobe_post": 1}
    categories = {row.label: row.values["cases"] for row in cases_by_category(APRIL)}
    assert categories == {"道路の陥没・損傷": 2, "街灯・カーブミラー": 2, "公園遊具の破損": 1}
    departments = {row.label: row.values["cases"] for row in cases_by_department(FY2026)}
    assert departments == {
        "建設局 東部建設事務所": 5,
        "建設局 西部建設事務所": 1,
        "健康局 衛生監視事務所": 1,
    }
    wards = {row.key: row.values["cases"] for row in cases_by_ward(FY2026)}
    assert wards["28101"] == 2 and wards["28102"] == 1 and wards["28107"] == 1
    assert wards["28110"] == 1 and wards["28109"] == 0 and wards[""] == 2
    assert len(wards) == 10


def test_department_filter_narrows_every_source(known, kobe):
    tobu = StatsFilter(
        date_from=FY2026.date_from, date_to=FY2026.date_to, department_id=kobe["kensetsu-tobu"].pk
    )
    # Simple calls only through their FAQ's department; posts through the category mapping.
    assert totals(tobu) == {"faq": 2, "cases": 5, "posts": 1}
    hygiene = StatsFilter(
        date_from=FY2026.date_from,
        date_to=FY2026.date_to,
        dial_id=Dial.objects.get(code="hygiene").pk,
    )
    assert totals(hygiene) == {"faq": 1, "cases": 1, "posts": 0}


@pytest.mark.skipif(not percentiles_supported(), reason="PostgreSQL only")
def test_median_and_p90_per_department_and_category_on_postgresql(known):
    overall = response_times(APRIL, None)[0].values
    # Replies after 10, 20, 30, 40 h: median 25, p90 = 30 + 0.7 × 10 = 37.
    assert overall["reply_n"] == 4
    assert overall["reply_median"] == 25.0
    assert overall["reply_p90"] == 37.0
    assert overall["reply_avg"] == 25.0
    # Told 2 and 4 h after the reply: median 3, p90 3.8.
    assert (overall["told_n"], overall["told_median"], overall["told_p90"]) == (2, 3.0, 3.8)
    # Closed 24 and 48 h after intake: median 36, p90 45.6.
    assert (overall["closed_n"], overall["closed_median"], overall["closed_p90"]) == (2, 36.0, 45.6)
    by_category = {row.label: row.values for row in response_times(APRIL, "category")}
    assert by_category["道路の陥没・損傷"]["reply_median"] == 15.0
    assert by_category["道路の陥没・損傷"]["reply_p90"] == 19.0
    assert by_category["街灯・カーブミラー"]["reply_median"] == 35.0
    assert by_category["街灯・カーブミラー"]["reply_p90"] == 39.0
    assert by_category["公園遊具の破損"]["reply_n"] == 0
    assert by_category["公園遊具の破損"]["reply_median"] is None
    by_department = {row.label: row.values for row in response_times(APRIL, "department")}
    assert by_department["建設局 東部建設事務所"]["reply_p90"] == 37.0


def test_average_response_time_on_every_database(known):
    overall = response_times(APRIL, None)[0].values
    assert overall["reply_avg"] == 25.0
    assert overall["told_avg"] == 3.0
    assert overall["closed_avg"] == 36.0


def test_overdue_counts_and_list(known):
    # On 2026-05-20 (5 business days): E (4/10, 受付) and F (5/1, 所管課対応中) are overdue;
    # answered cases and cases received later are not.
    today = datetime.date(2026, 5, 20)
    overdue = {row.label: row.values["overdue"] for row in overdue_by_department(FY2026, today)}
    assert overdue == {"建設局 西部建設事務所": 1, "健康局 衛生監視事務所": 1}
    listed = overdue_list(FY2026, today)
    assert [c.pk for c in listed] == [known["e"].pk, known["f"].pk]
    e = known["e"]
    assert (listed[0].reference, listed[0].title) == (e.reference, e.title)
    assert (listed[0].department, listed[0].category) == (e.department.name, e.category.name)
    assert [c.status for c in listed] == ["受付", "所管課対応中"]
    # F's due date is 5/13 (Golden Week off): on 5/13 itself it is not yet overdue.
    on_due_day = overdue_list(FY2026, datetime.date(2026, 5, 13))
    assert [c.pk for c in on_due_day] == [known["e"].pk]


def test_the_most_used_faq_ties_are_broken_by_question_at_the_last_place(
    known, supervisor, monkeypatch
):
    from faq.models import FaqEntry, SimpleCall
    from kobepost.stats import volumes

    monkeypatch.setattr(volumes, "TOP_FAQ_LIMIT", 2)
    roads = Dial.objects.get(code="roads")
    for question, calls in (("ん: 最後の読み", 2), ("あ: 最初の読み", 2), ("か: 一度だけ", 1)):
        entry = FaqEntry.objects.create(
            question=question,
            answer="…",
            dial=roads,
            department=known["e"].department,
            status=FaqEntry.Status.PUBLISHED,
        )
        for day in range(calls):
            SimpleCall.objects.create(
                dial=roads, faq_entry=entry, operator=supervisor, created_at=jst(2026, 4, 8 + day)
            )
    top = top_faq_entries(APRIL)
    # Three entries with 2 calls (道路の穴… from the known set) for two places: the
    # questions decide, in their order.
    assert [(row.label, row.values["calls"]) for row in top] == [
        ("あ: 最初の読み", 2),
        ("ん: 最後の読み", 2),
    ]


def test_faq_most_used_and_unanswered_searches(known):
    top = top_faq_entries(APRIL)
    assert [(row.label, row.values["calls"]) for row in top] == [("道路の穴はどこに連絡？", 2)]
    gaps = unanswered_searches(APRIL)
    assert [(row.label, row.values["searches"]) for row in gaps] == [
        ("粗大ごみ 料金", 2),
        ("犬", 1),
    ]


def test_monthly_report_covers_april_to_march(known):
    report = monthly_report(APRIL, 2026)
    assert report.label == "令和8年度"
    assert report.month_labels[0] == "令和8年4月"
    assert report.month_labels[-1] == "令和9年3月"
    assert report.volumes[0].values == {"faq": 3, "cases": 5, "posts": 2}
    assert report.volumes[-1].values == {"faq": 1, "cases": 1, "posts": 0}
    roads = next(row for row in report.by_dial if row.key == "roads")
    assert roads.values["2026-04"] == 5 + 3  # cases (A–E) + simple calls
    assert roads.total(report.month_keys) == 6 + 3
    assert sum(row.total(report.month_keys) for row in report.by_ward) == 7


@pytest.mark.parametrize(
    "today",
    [
        datetime.date(2026, 3, 20),  # before the year: every month counted live
        datetime.date(2026, 5, 15),  # April from the closed months, May onwards live
        datetime.date(2027, 3, 31),  # the last day: only March live
        datetime.date(2027, 6, 1),  # the year is over: the report is cached whole
    ],
)
def test_monthly_report_is_the_same_whatever_part_is_cached(known, today):
    for attempt in ("fills the cache", "reads it back"):
        report = monthly_report(APRIL, 2026, today=today)
        assert [row.values for row in report.volumes[:2]] == [
            {"faq": 3, "cases": 5, "posts": 2},
            {"faq": 0, "cases": 1, "posts": 0},
        ], attempt
        assert report.volumes[-1].values == {"faq": 1, "cases": 1, "posts": 0}
        roads = next(row for row in report.by_dial if row.key == "roads")
        assert (roads.values["2026-04"], roads.values["2027-03"]) == (8, 1)
        assert [(row.label, row.total(report.month_keys)) for row in report.by_department] == [
            ("健康局 衛生監視事務所", 1),
            ("建設局 東部建設事務所", 5),
            ("建設局 西部建設事務所", 1),
        ]
        wards = {row.key: row.values["2026-04"] for row in report.by_ward}
        assert (wards["28101"], wards["28102"], wards["28107"], wards[""]) == (2, 1, 1, 1)
        assert [(row.label, row.values["reply_n"]) for row in report.response][:1] == [
            ("健康局 衛生監視事務所", 0)
        ]


def test_received_at_boundary_helper_values():
    assert fiscal_year_of_date(datetime.date(2027, 3, 31)) == 2026
    assert fiscal_year_of_date(datetime.date(2027, 4, 1)) == 2027
    assert StatsFilter(
        date_from=datetime.date(2026, 4, 1), date_to=datetime.date(2027, 3, 31)
    ).end == jst(2027, 4, 1)


# Moments near the fiscal years' edges (1 April 00:00 Japan time is 31 March 15:00 UTC).
EDGE = st.builds(
    lambda year, minutes: jst(year, 4, 1) + datetime.timedelta(minutes=minutes),
    st.integers(2016, 2028),
    st.integers(-3, 3) | st.integers(-400_000, 400_000),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(moments=st.lists(EDGE, min_size=1, max_size=12), first=st.integers(2015, 2029))
def test_rows_per_fiscal_year_are_those_of_their_japan_time(supervisor, moments, first):
    """Counted between the years' first moments, or by the expression when a row lies
    outside the years asked for: either way each row in the fiscal year of its Japan time."""
    from collections import Counter

    from faq.models import SimpleCall
    from kobepost.lib.jp_calendar import fiscal_year_of
    from kobepost.stats.volumes import _per_fiscal_year

    SimpleCall.objects.all().delete()
    roads = Dial.objects.get(code="roads")
    for moment in moments:
        SimpleCall.objects.create(dial=roads, operator=supervisor, created_at=moment)
    last = first + 2
    counted = _per_fiscal_year(SimpleCall.objects.all(), "created_at", first, last)
    assert counted == dict(Counter(fiscal_year_of(moment) for moment in moments))
