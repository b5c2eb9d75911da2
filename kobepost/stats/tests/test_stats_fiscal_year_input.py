"""The 年度 box of the monthly report takes 令和 years as well as Western ones."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kobepost.lib.jp_calendar import fiscal_year_label, parse_fiscal_year


@pytest.mark.parametrize(
    ("typed", "fiscal_year"),
    [
        ("2026", 2026),
        ("２０２６年度", 2026),
        ("令和8", 2026),
        ("令和８年度", 2026),
        ("R8", 2026),
        ("r8", 2026),
        ("Ｒ８", 2026),
        ("R.8", 2026),
        ("令和元年度", 2019),
        ("平成31", 2019),
        ("H30年度", 2018),
        (" 令和 9 ", 2027),
    ],
)
def test_typed_fiscal_years(typed, fiscal_year):
    assert parse_fiscal_year(typed) == fiscal_year


@pytest.mark.parametrize("typed", ["", "令和", "R", "今年", "8", "令和0", "2026/4", "R8年4月"])
def test_what_is_not_a_fiscal_year(typed):
    assert parse_fiscal_year(typed) is None


@given(st.integers(2019, 2100))
def test_reiwa_label_reads_back(fiscal_year):
    label = fiscal_year_label(fiscal_year)  # 令和8年度, 令和元年度
    assert parse_fiscal_year(label) == fiscal_year
    assert parse_fiscal_year(f"R{fiscal_year - 2018}") == fiscal_year


@given(st.text(max_size=30))
def test_any_text_gives_a_year_or_none(text):
    assert parse_fiscal_year(text) is None or isinstance(parse_fiscal_year(text), int)


def test_monthly_page_takes_reiwa_and_keeps_bad_input(login_client, supervisor):
    client = login_client(supervisor)
    response = client.get("/stats/monthly/", {"fy": "令和8"})
    assert response.context["report"].fiscal_year == 2026
    assert "令和8年度（2026年度）月報" in response.content.decode()
    response = client.get("/stats/monthly/", {"fy": "R9"})
    assert response.context["report"].fiscal_year == 2027
    response = client.get("/stats/monthly/", {"fy": "らいねん"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "年度は「令和8」「R8」「2026」のように入力してください。" in text
    assert 'value="らいねん"' in text
    response = client.get("/stats/monthly.xlsx", {"fy": "令和8"})
    assert "FY2026" in response["Content-Disposition"]
