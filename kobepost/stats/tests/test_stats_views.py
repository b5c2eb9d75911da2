"""Statistics pages: who may see what, filters, exports and constant query counts."""

import csv
import datetime
import io
import time

import pytest
import time_machine
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone
from openpyxl import load_workbook

from kobepost.audit.models import AuditAction, AuditEvent
from kobepost.stats.tests.stats_data import build_known_set, jst, make_case, move
from tickets.models import Case

DASHBOARD = "/stats/"
FY2026 = {"preset": "custom", "date_from": "2026-04-01", "date_to": "2027-03-31"}


@pytest.fixture
def known(supervisor):
    return build_known_set(supervisor)


@pytest.mark.parametrize(
    "path", [DASHBOARD, "/stats/monthly/", "/stats/monthly.xlsx", "/stats/monthly.csv"]
)
def test_operators_are_refused(login_client, operator, path):
    assert login_client(operator).get(path).status_code == 403


@pytest.mark.parametrize("path", [DASHBOARD, "/stats/monthly.csv"])
def test_post_is_not_allowed(login_client, supervisor, path):
    assert login_client(supervisor).post(path).status_code == 405


def test_supervisor_sees_all_departments(login_client, supervisor, known):
    response = login_client(supervisor).get(DASHBOARD, FY2026)
    assert response.status_code == 200
    text = response.content.decode()
    assert "建設局 西部建設事務所" in text and "健康局 衛生監視事務所" in text
    assert response.context["totals"] == {"faq": 4, "cases": 7, "posts": 2}
    assert '<svg class="stats-chart' in text and '<title id="chart-ward-title">' in text
    assert "東灘区" in text  # the ward map labels every ward
    assert "該当なしだった検索" in text


def test_admin_may_open_the_dashboard(login_client, admin_user, known):
    assert login_client(admin_user).get(DASHBOARD).status_code == 200


def test_department_staff_are_forced_to_their_department(login_client, staff_seibu, known, kobe):
    # Even asking for another department by URL shows the staff member's own figures only.
    query = {**FY2026, "department": kobe["kensetsu-tobu"].pk}
    response = login_client(staff_seibu).get(DASHBOARD, query)
    assert response.status_code == 200
    assert response.context["scope"].department_id == kobe["kensetsu-seibu"].pk
    assert response.context["totals"] == {"faq": 0, "cases": 1, "posts": 0}
    text = response.content.decode()
    assert "建設局 東部建設事務所" not in text
    assert 'name="department"' not in text
    assert "該当なしだった検索" not in text


def test_department_staff_monthly_export_is_their_department(login_client, staff_tobu, known):
    response = login_client(staff_tobu).get("/stats/monthly.xlsx", {"fy": 2026})
    workbook = load_workbook(io.BytesIO(response.getvalue()))
    sheet = workbook["月別件数"]
    totals = [cell.value for cell in sheet[sheet.max_row]]
    assert totals == ["合計", 2, 5, 1, 8, 0, None]  # nothing in FY2025: no 前年同月比


def test_presets_and_bad_periods(login_client, supervisor, known):
    client = login_client(supervisor)
    response = client.get(DASHBOARD, {"preset": "last_fy"})
    scope = response.context["scope"]
    assert scope.date_to.month == 3 and scope.date_to.day == 31
    assert (scope.date_to - scope.date_from).days in (364, 365)
    response = client.get(
        DASHBOARD, {"preset": "custom", "date_from": "2026-05-01", "date_to": "2026-04-01"}
    )
    assert response.status_code == 200
    assert "終了日は開始日以降の日付にしてください。" in response.content.decode()
    assert response.context["form"]["date_from"].value() == "2026-05-01"  # input kept
    response = client.get(DASHBOARD, {**FY2026, "granularity": "day", "date_to": "2028-03-31"})
    assert "日単位の集計は1年以内の期間で選んでください。" in response.content.decode()


def test_monthly_xlsx_sheets_and_totals_are_audited(login_client, supervisor, known):
    response = login_client(supervisor).get("/stats/monthly.xlsx", {"fy": 2026})
    assert response.status_code == 200
    assert "monthly-report-FY2026.xlsx" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.getvalue()))
    assert workbook.sheetnames == [
        "月別件数",
        "指標",
        "分類別",
        "受付方法別",
        "ダイヤル別",
        "種別ごとの推移",
        "所管課別",
        "区別",
        "KOBE ぽすと",
        "対応時間",
    ]
    volumes = workbook["月別件数"]
    assert volumes["A1"].value.startswith("令和8年度（2026年度）")
    assert [c.value for c in volumes[3]] == [
        "月",
        "FAQ で回答",
        "案件",
        "KOBE ぽすと投稿",
        "合計",
        "前年同月",
        "前年同月比（%）",
    ]
    assert volumes["A4"].value == "令和8年4月"
    assert volumes["A15"].value == "令和9年3月"
    assert [c.value for c in volumes[volumes.max_row]] == ["合計", 4, 7, 2, 13, 0, None]
    wards = workbook["区別"]
    # 合計, 前年度, 前年比 at the end of each row.
    assert [c.value for c in wards[wards.max_row]][-3:] == [7, 0, None]
    event = AuditEvent.objects.get(action=AuditAction.RECORD_EXPORT)
    assert (event.record_type, event.record_id, event.detail) == (
        "stats.monthly_report",
        "2026",
        "xlsx",
    )


def test_monthly_csv_has_bom_and_defused_cells(login_client, supervisor, known, kobe):
    known["a"].category.department.__class__.objects.filter(pk=kobe["kasen"].pk).update(
        name="=HYPERLINK(1)"
    )
    make_case(supervisor, "river", jst(2026, 6, 1, 9))
    response = login_client(supervisor).get("/stats/monthly.csv", {"fy": 2026})
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0][0] == "令和8年度 月別件数"
    assert ["'=HYPERLINK(1)", *["0"] * 2, "1"] == rows_with(rows, "'=HYPERLINK(1)")[:4]
    assert ["合計", "4", "8", "2", "14", "0", ""] in rows
    assert AuditEvent.objects.filter(
        action=AuditAction.RECORD_EXPORT, record_type="stats.monthly_report", detail="csv"
    ).exists()


def rows_with(rows: list[list[str]], first: str) -> list[str]:
    return next(row for row in rows if row and row[0] == first)


def test_monthly_page_shows_the_era_label(login_client, supervisor, known):
    response = login_client(supervisor).get("/stats/monthly/", {"fy": 2026})
    assert response.status_code == 200
    text = response.content.decode()
    assert "令和8年度（2026年度）月報" in text
    assert "令和9年3月" in text


def test_nav_link_for_stats_readers_only(login_client, supervisor, operator, staff_tobu):
    assert 'href="/stats/"' in login_client(supervisor).get("/faq/").content.decode()
    assert 'href="/stats/"' in login_client(staff_tobu).get("/faq/").content.decode()
    assert 'href="/stats/"' not in login_client(operator).get("/faq/").content.decode()


def _add_cases(user, count: int) -> None:
    for n in range(count):
        make_case(
            user,
            ("road-damage", "streetlight", "park-equipment", "food-poisoning")[n % 4],
            jst(2026, 4, 1 + n % 28, 9) + datetime.timedelta(minutes=n),
            ward=("28101", "28102", "")[n % 3],
        )


# Session, user, the filter form's choices and one query per figure, whatever the rows.
# Later views (within STATS_LIVE_CACHE_SECONDS): the period's figures and the counts per
# fiscal year (today's too) come from the cache, the session's activity clock is not
# written again; left are the session, the user and the overdue figures. The form's
# choices come from the cached routing table (its three queries are in the first view).
# The call journal's two figures (per dial, per hour) are the call center's own. Which
# closed months are counted (kobepost.stats.rollup) is looked up once for the period and
# once for the fiscal years; a period without a whole closed month needs no lookup. The
# most used FAQ entries are counted by id, then their questions read.
DASHBOARD_QUERIES = 36
DASHBOARD_QUERIES_CACHED = 4
# The supervisors' menu shows how many notification mails failed: one count, then cached.
FAILED_MAIL_MENU = 1
# This month, their default period, holds no whole closed month: one lookup fewer; no FAQ
# entry of theirs was used, so no questions are read.
DEPARTMENT_DASHBOARD_QUERIES = DASHBOARD_QUERIES - 4


@pytest.mark.parametrize("extra", [0, 24])
def test_dashboard_query_count_does_not_grow_with_rows(
    login_client, supervisor, known, extra, django_assert_num_queries
):
    _add_cases(supervisor, extra)
    client = login_client(supervisor)
    with django_assert_num_queries(DASHBOARD_QUERIES + FAILED_MAIL_MENU):
        response = client.get(DASHBOARD, FY2026)
    assert response.context["totals"]["cases"] == 7 + extra
    with django_assert_num_queries(DASHBOARD_QUERIES_CACHED):
        cached = client.get(DASHBOARD, FY2026)
    assert cached.context["fiscal_year_rows"] == response.context["fiscal_year_rows"]


@pytest.mark.parametrize("extra", [0, 24])
def test_department_dashboard_query_count_does_not_grow_with_rows(
    login_client, supervisor, staff_tobu, known, extra, django_assert_num_queries
):
    _add_cases(supervisor, extra)
    client = login_client(staff_tobu)
    # No unanswered searches, no call figures and no department select, but their user's
    # department.
    with django_assert_num_queries(DEPARTMENT_DASHBOARD_QUERIES):
        response = client.get(DASHBOARD)
    assert response.status_code == 200
    with django_assert_num_queries(DASHBOARD_QUERIES_CACHED + 1):  # + their user's department
        page = client.get(DASHBOARD)
    assert f"所管課: {staff_tobu.department.name}（自課の数値のみ表示）" in page.content.decode()


# A period that ended before today: its figures come from the cache on later views, which
# leaves the session, the user and the overdue figures.
PAST_PERIOD = {"preset": "custom", "date_from": "2026-04-01", "date_to": "2026-10-31"}
PAST_DASHBOARD_QUERIES = 36
PAST_DASHBOARD_QUERIES_CACHED = 4


@pytest.mark.parametrize("extra", [0, 24])
def test_dashboard_of_a_past_period_is_cached(
    login_client, supervisor, known, extra, django_assert_num_queries
):
    _add_cases(supervisor, extra)
    with time_machine.travel(NOVEMBER):
        client = login_client(supervisor)
        with django_assert_num_queries(PAST_DASHBOARD_QUERIES + FAILED_MAIL_MENU):
            response = client.get(DASHBOARD, PAST_PERIOD)
        with django_assert_num_queries(PAST_DASHBOARD_QUERIES_CACHED):
            cached = client.get(DASHBOARD, PAST_PERIOD)
    assert cached.context["totals"] == {"faq": 3, "cases": 6 + extra, "posts": 2}
    for key in ("volume_cells", "dial_cells", "ward_cells", "response_departments", "top_faq"):
        assert cached.context[key]() == response.context[key](), key
    assert cached.context["sections"] == response.context["sections"]
    assert "分前の集計です" in cached.content.decode()


def test_dashboard_tables_and_charts_are_rendered_once_per_figures(
    login_client, supervisor, known, monkeypatch
):
    with time_machine.travel(NOVEMBER):
        client = login_client(supervisor)
        first = client.get(DASHBOARD, PAST_PERIOD)

        def not_again(*args, **kwargs):
            raise AssertionError("rendered again while the figures are cached")

        monkeypatch.setattr("kobepost.stats.views.bar_chart", not_again)
        again = client.get(DASHBOARD, PAST_PERIOD)
    assert again.status_code == 200
    page = again.content.decode()
    assert 'id="chart-dial-title"' in page and first.context["sections"]["charts"] in page


def test_dashboard_works_while_the_cache_is_down(login_client, supervisor, known, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("cache is down")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "get_many", down)
    monkeypatch.setattr(cache, "set", down)
    monkeypatch.setattr(cache, "set_many", down)
    with time_machine.travel(NOVEMBER):
        response = login_client(supervisor).get(DASHBOARD, PAST_PERIOD)
    assert response.status_code == 200
    assert 'id="chart-dial-title"' in response.content.decode()
    assert response.context["totals"] == {"faq": 3, "cases": 6, "posts": 2}


@override_settings(STATS_ARCHIVE_CACHE_SECONDS=1)
def test_past_period_shows_a_late_entry_after_the_cache_bound(login_client, supervisor, known):
    with time_machine.travel(NOVEMBER):
        client = login_client(supervisor)
        assert client.get(DASHBOARD, PAST_PERIOD).context["totals"]["cases"] == 6
        make_case(supervisor, "road-damage", jst(2026, 4, 20, 9))  # entered afterwards
        assert client.get(DASHBOARD, PAST_PERIOD).context["totals"]["cases"] == 6
        # The current period, not viewed yet, is computed now: the new case shows there.
        assert client.get(DASHBOARD, FY2026).context["totals"]["cases"] == 8
        time.sleep(1.2)  # past STATS_ARCHIVE_CACHE_SECONDS
        assert client.get(DASHBOARD, PAST_PERIOD).context["totals"]["cases"] == 7


@override_settings(STATS_LIVE_CACHE_SECONDS=1)
def test_current_period_shows_a_new_case_after_the_live_bound(login_client, supervisor, known):
    with time_machine.travel(NOVEMBER):
        client = login_client(supervisor)
        page = client.get(DASHBOARD, FY2026)
        assert page.context["totals"]["cases"] == 7
        assert "今日を含む期間の数値は、最大1分前の集計です" in page.content.decode()
        make_case(supervisor, "road-damage", jst(2026, 11, 26, 9))
        still = client.get(DASHBOARD, FY2026)
        assert still.context["totals"]["cases"] == 7
        assert still.context["sections"] == page.context["sections"]
        time.sleep(1.2)  # past STATS_LIVE_CACHE_SECONDS
        later = client.get(DASHBOARD, FY2026)
        assert later.context["totals"]["cases"] == 8
        # The tables and charts follow the new figures too, not only the totals.
        assert later.context["sections"]["charts"] != page.context["sections"]["charts"]


@override_settings(STATS_LIVE_CACHE_SECONDS=1)
def test_fiscal_year_table_shows_todays_cases_within_the_live_bound(
    login_client, supervisor, known
):
    client = login_client(supervisor)
    today = timezone.localdate()
    fiscal_year = str(today.year if today.month >= 4 else today.year - 1)

    def this_year() -> dict:
        rows = client.get(DASHBOARD).context["fiscal_year_rows"]
        return next((row.values for row in rows if row.key == fiscal_year), {"cases": 0})

    before = this_year()
    make_case(supervisor, "road-damage", timezone.now())
    assert this_year()["cases"] == before["cases"]  # within the bound the page states
    time.sleep(1.2)  # past STATS_LIVE_CACHE_SECONDS
    assert this_year()["cases"] == before["cases"] + 1


def test_a_past_period_states_the_bound_of_todays_yearly_counts(login_client, supervisor, known):
    with time_machine.travel(NOVEMBER):
        page = login_client(supervisor).get(DASHBOARD, PAST_PERIOD).content.decode()
    assert "年度別の今日の件数は最大2分前、回答期限を過ぎた案件は現在の数値です" in page


# Session, user, a write of the session's activity clock, the form's dials, the routing
# table (category names, three queries) and the report: the dials, cases, FAQ calls and
# posts of this month and later (one query each), the same three for the months before
# (then cached), the response times of the whole year (one in hours, three in business
# days) and its KPI counts; the previous fiscal year's counts (three) and KPI counts. Each
# year's months are first looked up among the counted months (one query per year, one more
# for this year's closed months; none is counted here, so their rows are read).
# Later views (within STATS_LIVE_CACHE_SECONDS): no session write, the whole report from
# the cache; left are the session, the user and the form's dials (and the department).
MONTHLY_QUERIES = 26
MONTHLY_QUERIES_CACHED = 4
# A fiscal year that is over: three queries for its counts, four for its response times,
# one for its KPIs, the same without response times for the year before, then only the
# dials (the report comes whole from the cache); a lookup of the counted months per year.
# The export writes its audit line but renders no form.
PAST_MONTHLY_QUERIES = 22
PAST_MONTHLY_QUERIES_CACHED = 4
MONTHLY_EXPORT_QUERIES = 25
# 2026-11-26 in Japan: April to October 2026 are closed months of FY2026.
NOVEMBER = jst(2026, 11, 26, 12)


@pytest.mark.parametrize("extra", [0, 24])
def test_monthly_page_query_count_does_not_grow_with_rows(
    login_client, supervisor, staff_tobu, known, extra, django_assert_num_queries
):
    _add_cases(supervisor, extra)
    # Department staff also get their unread notices counted for the menu.
    with time_machine.travel(NOVEMBER):
        for user, more, first in ((supervisor, 0, FAILED_MAIL_MENU), (staff_tobu, 1, 0)):
            client = login_client(user)
            with django_assert_num_queries(MONTHLY_QUERIES + more + first):
                response = client.get("/stats/monthly/", {"fy": 2026})
            assert response.status_code == 200
            with django_assert_num_queries(MONTHLY_QUERIES_CACHED + more):
                cached = client.get("/stats/monthly/", {"fy": 2026})
            assert cached.context["sections"] == response.context["sections"]
            cache.clear()


@pytest.mark.parametrize("extra", [0, 24])
def test_past_monthly_report_query_count(
    login_client, supervisor, known, extra, django_assert_num_queries
):
    _add_cases(supervisor, extra)
    with time_machine.travel(jst(2027, 6, 1, 12)):
        client = login_client(supervisor)  # signed in then: the session would have idled out
        with django_assert_num_queries(PAST_MONTHLY_QUERIES + FAILED_MAIL_MENU):
            response = client.get("/stats/monthly/", {"fy": 2026})
        with django_assert_num_queries(PAST_MONTHLY_QUERIES_CACHED):
            cached = client.get("/stats/monthly/", {"fy": 2026})
    assert cached.context["sections"] == response.context["sections"]
    assert response.context["sections"][0]["totals"] == (
        "合計",
        ["4", f"{7 + extra}", "2", f"{13 + extra}", "0", ""],
    )


@pytest.mark.parametrize("extra", [0, 24])
def test_monthly_export_query_count_does_not_grow_with_rows(
    login_client, supervisor, known, extra, django_assert_num_queries
):
    _add_cases(supervisor, extra)
    with time_machine.travel(NOVEMBER):
        client = login_client(supervisor)
        with django_assert_num_queries(MONTHLY_EXPORT_QUERIES):
            response = client.get("/stats/monthly.xlsx", {"fy": 2026})
    assert response.status_code == 200


def _monthly_cases(client) -> dict[str, int]:
    report = client.get("/stats/monthly/", {"fy": 2026}).context["report"]
    return {row.label: row.values["cases"] for row in report.volumes}


@override_settings(STATS_ARCHIVE_CACHE_SECONDS=3, STATS_LIVE_CACHE_SECONDS=1)
def test_monthly_report_counts_this_month_and_closed_months_within_their_bounds(
    login_client, supervisor, known
):
    with time_machine.travel(NOVEMBER):
        client = login_client(supervisor)
        before = _monthly_cases(client)
        assert (before["令和8年4月"], before["令和8年11月"]) == (5, 0)
        make_case(supervisor, "road-damage", jst(2026, 11, 26, 9))
        make_case(supervisor, "road-damage", jst(2026, 4, 20, 9))  # entered afterwards
        shown = _monthly_cases(client)
        assert (shown["令和8年4月"], shown["令和8年11月"]) == (5, 0)  # both from the cache
        time.sleep(1.2)  # past STATS_LIVE_CACHE_SECONDS: this month is counted again
        shown = _monthly_cases(client)
        assert (shown["令和8年4月"], shown["令和8年11月"]) == (5, 1)
        time.sleep(2)  # past STATS_ARCHIVE_CACHE_SECONDS: the closed months too
        shown = _monthly_cases(client)
        assert (shown["令和8年4月"], shown["令和8年11月"]) == (6, 1)


@override_settings(STATS_LIVE_CACHE_SECONDS=1)
def test_monthly_response_times_of_the_current_year_follow_within_the_live_bound(
    login_client, supervisor, known
):
    def answered() -> int:
        rows = client.get("/stats/monthly/", {"fy": 2026}).context["report"].response
        return sum(int(row.values["reply_n"]) for row in rows)

    with time_machine.travel(NOVEMBER):
        client = login_client(supervisor)
        before = answered()
        move(known["e"], supervisor, Case.Status.ANSWERED, jst(2026, 11, 26, 10))
        assert answered() == before
        time.sleep(1.2)  # past STATS_LIVE_CACHE_SECONDS
        assert answered() == before + 1  # an April case answered today


@pytest.mark.parametrize("language", ["ja", "en"])
def test_figures_print_as_the_template_localized_them(language):
    # The tables get str() of their numbers instead of {{ number }}: the same text as long
    # as no thousands separator is configured.
    from django.utils import formats, translation

    from kobepost.stats.views import number_text

    with translation.override(language):
        for value in (0, 7, 12345, 1234567, 0.5, 12.3, 1234.0, 98765.4):
            assert number_text(value) == formats.localize(value)
    assert number_text(None) == "—"
