"""A supervisor reads the statistics, changes the period and downloads the city's report."""

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from kobepost.stats.tests.stats_data import build_known_set
from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.browser


def test_supervisor_reads_stats_and_downloads_the_monthly_report(
    page, live_server, login, supervisor
):
    build_known_set(supervisor)
    login(page, supervisor)
    page.get_by_role("link", name="統計").first.click()
    expect(page.get_by_role("heading", name="統計", level=1)).to_be_visible()
    assert_accessible(page)

    page.get_by_label("期間").select_option("custom")
    page.get_by_label("開始日").fill("2026-04-01")
    page.get_by_label("終了日").fill("2027-03-31")
    page.get_by_role("button", name="表示").click()
    expect(page.locator(".stats-scope")).to_contain_text("2026年4月1日〜2027年3月31日")
    expect(page.locator(".stats-total").nth(1)).to_have_text("7")
    expect(page.get_by_role("img", name="区別の案件数")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="令和8年度 月報").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("令和8年度（2026年度）月報")
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Excel（xlsx）でダウンロード").click()
    download = download_info.value
    assert download.suggested_filename == "monthly-report-FY2026.xlsx"
    workbook = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    assert "月別件数" in workbook.sheetnames
    sheet = workbook["月別件数"]
    assert [cell.value for cell in sheet[sheet.max_row]] == ["合計", 4, 7, 2, 13, 0, None]
