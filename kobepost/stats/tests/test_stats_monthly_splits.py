"""The monthly report's splits against the hand-counted set (kobepost/stats/tests/stats_data.py).

Every category keeps its default of 5 reply days. On 2027-06-01 (the day the reports are
read here) every due date of FY2026 has passed.
"""

import csv
import datetime
import io

import pytest

from kobepost.public.models import Post
from kobepost.stats.filters import Row, StatsFilter, share
from kobepost.stats.monthly import monthly_report
from kobepost.stats.tests.stats_data import build_known_set, jst, make_case
from tickets.models import Case

TODAY = datetime.date(2027, 6, 1)
SCOPE = StatsFilter(date_from=TODAY, date_to=TODAY)


@pytest.fixture
def known(supervisor):
    known = build_known_set(supervisor)
    inquiry = make_case(supervisor, "streetlight", jst(2026, 5, 11, 9), channel="fax")
    Case.objects.filter(pk=inquiry.pk).update(kind=Case.Kind.INQUIRY)
    known["inquiry"] = inquiry
    return known


def months(row: Row, *keys: str) -> list[int]:
    return [int(row.values[key]) for key in keys]


def by_key(rows: list[Row]) -> dict[str, Row]:
    return {row.key: row for row in rows}


def test_kind_and_channel_per_month(known):
    report = monthly_report(SCOPE, 2026, TODAY)
    kinds = by_key(report.by_kind)
    assert months(kinds["report"], "2026-04", "2026-05", "2027-03") == [5, 1, 1]
    assert months(kinds["inquiry"], "2026-04", "2026-05") == [0, 1]
    channels = by_key(report.by_channel)
    assert list(channels) == ["phone", "fax", "email", "kobe_post"]  # 窓口 unused: left out
    assert channels["phone"].total(report.month_keys) == 5  # a, c, e, f, g
    assert months(channels["fax"], "2026-05") == [1]
    assert channels["email"].total(report.month_keys) == 1
    assert channels["kobe_post"].total(report.month_keys) == 1


def test_category_trend(known):
    report = monthly_report(SCOPE, 2026, TODAY)
    rows = {row.label: row for row in report.by_category}
    road = next(row for label, row in rows.items() if label.endswith("道路の陥没・損傷"))
    assert months(road, "2026-04", "2027-03") == [2, 1]  # a, b; g at 23:59 on 31 March
    light = next(row for label, row in rows.items() if label.endswith("街灯・カーブミラー"))
    assert months(light, "2026-04", "2026-05") == [2, 1]


def test_posts_by_category_and_outcome(known):
    Post.objects.filter(category__code="stats-road").update(case_link=Post.CaseLink.FORWARDED)
    Post.objects.filter(category__code="stats-unmapped").update(rejection=Post.Rejection.SPAM)
    Post.objects.create(
        category=Post.objects.get(category__code="stats-road").category,
        text="もう一つ",
        public_text="もう一つ",
        created_at=jst(2026, 6, 2, 8),
    )
    report = monthly_report(SCOPE, 2026, TODAY)
    posts = {row.label: row.values for row in report.posts}
    assert posts["統計テスト道路"] == {"forwarded": 1, "duplicate": 0, "rejected": 0, "pending": 1}
    assert posts["統計テスト用"] == {"forwarded": 0, "duplicate": 0, "rejected": 1, "pending": 0}
    assert report.volumes[0].values["posts"] == 2 and report.volumes[2].values["posts"] == 1


def test_kpis_first_contact_and_in_time(known):
    report = monthly_report(SCOPE, 2026, TODAY)
    kpis = by_key(report.kpis)
    # April: 3 FAQ calls, 5 cases; a–d answered in time, e (due 4/17) never.
    assert kpis["2026-04"].values == {"faq": 3, "contacts": 8, "on_time": 4, "judged": 5}
    assert share(3, 8) == 37.5 and share(4, 5) == 80.0
    # May: f and the inquiry, unanswered and past due; March: g, due 2027-04-07.
    assert kpis["2026-05"].values == {"faq": 0, "contacts": 2, "on_time": 0, "judged": 2}
    assert kpis["2027-03"].values == {"faq": 1, "contacts": 2, "on_time": 0, "judged": 1}


def test_kpi_waits_for_the_due_date(known):
    # On 2026-04-15 e (received 4/10, due 4/17) is neither answered nor late yet.
    report = monthly_report(SCOPE, 2026, datetime.date(2026, 4, 15))
    assert by_key(report.kpis)["2026-04"].values["judged"] == 4


def test_a_late_answer_is_judged_but_not_in_time(known, supervisor):
    from kobepost.stats.tests.stats_data import move

    move(known["e"], supervisor, Case.Status.ANSWERED, jst(2026, 4, 20, 9))  # due 4/17
    report = monthly_report(SCOPE, 2026, TODAY)
    assert by_key(report.kpis)["2026-04"].values == {
        "faq": 3,
        "contacts": 8,
        "on_time": 4,
        "judged": 5,
    }


def test_response_times_in_business_days(known):
    report = monthly_report(SCOPE, 2026, TODAY)
    tobu = next(row.values for row in report.response if row.label == "建設局 東部建設事務所")
    # Replies: a same day (0), b next morning (1), c Thu (1), d Sat after Thu (1 business day).
    assert (tobu["reply_bd_median"], tobu["reply_bd_p90"], tobu["reply_bd_avg"]) == (1.0, 1.0, 0.8)
    # Closed after 24 h (Tue, 1) and 48 h (Thu after Tue, 2).
    assert (tobu["closed_bd_median"], tobu["closed_bd_avg"]) == (1.5, 1.5)
    seibu = next(row.values for row in report.response if row.label == "建設局 西部建設事務所")
    assert seibu["reply_bd_median"] is None  # e never answered


def test_previous_year_across_the_fiscal_year_boundary(known):
    # FY2027 against FY2026: h (2027-04-01 00:00) and the FAQ call of that minute are
    # FY2027's April; g and the call at 2027-03-31 23:59 are FY2026's March.
    report = monthly_report(SCOPE, 2027, TODAY)
    assert report.previous is not None and report.previous.fiscal_year == 2026
    keys = ("faq", "cases", "posts")
    assert report.volumes[0].values == {"faq": 1, "cases": 1, "posts": 0}
    assert report.previous.volumes[0].values == {"faq": 3, "cases": 5, "posts": 2}  # 2026-04
    assert report.previous.volumes[-1].values == {"faq": 1, "cases": 1, "posts": 0}  # 2027-03
    assert sum(row.total(keys) for row in report.previous.volumes) == 4 + 8 + 2
    # Roads: a–e, g and the inquiry, with its three FAQ calls.
    assert report.previous_total("by_dial", "roads") == 7 + 3
    assert report.previous_total("by_dial", "hygiene") == 1 + 1  # f, the call at 23:59
    assert report.previous_total("by_kind", "inquiry") == 1


def test_previous_year_columns_in_the_sheets(known, login_client, supervisor):
    from kobepost.stats.views import report_sections

    sections = {s["sheet"]: s for s in report_sections(monthly_report(SCOPE, 2027, TODAY))}
    volumes = sections["月別件数"]
    assert volumes["header"][-2:] == ["前年同月", "前年同月比（%）"]
    april = volumes["rows"][0]
    assert april[0] == "令和9年4月" and april[-3:] == [2, 10, 20.0]
    assert volumes["totals"][-3:] == [2, 14, 14.3]
    kinds = sections["分類別"]
    assert kinds["header"][-3:] == ["合計", "前年度", "前年比（%）"]
    inquiry = next(line for line in kinds["rows"] if line[0] == "問い合わせ")
    assert inquiry[-3:] == [0, 1, 0.0]


def test_csv_says_the_dial_block_adds_faq_calls(known, login_client, supervisor):
    response = login_client(supervisor).get("/stats/monthly.csv", {"fy": 2026})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    title = rows.index(["令和8年度 ダイヤル別"])
    assert "FAQ で回答した電話" in rows[title + 1][0]


def test_xlsx_prints_landscape_with_titles_and_frozen_panes(known, login_client, supervisor):
    from openpyxl import load_workbook

    response = login_client(supervisor).get("/stats/monthly.xlsx", {"fy": "令和8"})
    workbook = load_workbook(io.BytesIO(response.getvalue()))
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "B4"
        assert sheet.print_title_rows == "$1:$3"
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.page_setup.paperSize == 9  # A4
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.oddFooter.center.text == "&P / &N"
    # Zeros are printed as zeros, not left empty.
    assert workbook["月別件数"]["B5"].value == 0  # no FAQ call in May 2026


def test_shift_jis_csv_replaces_and_reports_what_it_cannot_hold(
    known, login_client, supervisor, kobe
):
    department = kobe["kensetsu-tobu"]
    type(department).objects.filter(pk=department.pk).update(name="𠮷田①課😀")
    client = login_client(supervisor)
    response = client.get("/stats/monthly.csv", {"fy": "2026", "encoding": "cp932"})
    assert response["Content-Type"].lower() == "text/csv; charset=shift_jis"
    content = b"".join(response.streaming_content)
    assert not content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("cp932"))))
    assert any(row and row[0] == "吉田①課〓" for row in rows)  # ① is in cp932 and stays
    assert rows[-1] == [
        "Shift_JIS で表せない文字を置き換えました",
        "U+20BB7 → 吉",
        "U+1F600 → 〓",
    ]
    utf8 = client.get("/stats/monthly.csv", {"fy": "2026"})
    text = b"".join(utf8.streaming_content).decode("utf-8-sig")
    assert "𠮷田①課😀" in text and "置き換えました" not in text
    page = client.get("/stats/monthly/", {"fy": "2026"}).content.decode()
    assert "𠮷→吉" in page and "😀→〓" in page
