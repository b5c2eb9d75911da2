"""An operator answers from the FAQ with the keyboard, and hands over what the FAQ lacks."""

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from departments.models import Department
from faq.models import FaqEntry, SimpleCall
from tests.browser.conftest import assert_accessible
from tickets.models import Dial


@pytest.fixture
def faq_entries(kobe):
    roads = Dial.objects.get(code="roads")
    tobu = Department.objects.get(code="kensetsu-tobu")
    return [
        FaqEntry.objects.create(
            question="道路の陥没を見つけた",
            answer="場所と大きさをお聞きして建設事務所へ引き継ぎます。",
            dial=roads,
            department=tobu,
            status=FaqEntry.Status.PUBLISHED,
        ),
        FaqEntry.objects.create(
            question="側溝のふたが壊れている",
            answer="陥没していないかも確認します。",
            dial=roads,
            department=tobu,
            status=FaqEntry.Status.PUBLISHED,
        ),
    ]


def test_operator_answers_with_an_faq_entry(page, live_server, login, operator, faq_entries):
    login(page, operator)
    expect(page).to_have_url(f"{live_server.url}/callcenter/")
    search_box = page.get_by_label("検索語")
    expect(search_box).to_be_focused()
    assert_accessible(page)

    search_box.fill("ｶﾝﾎﾞﾂ")  # a reading is not a word: nothing found, typed text kept
    search_box.press("Enter")
    expect(page.get_by_text("該当する FAQ がありません。")).to_be_visible()

    page.get_by_label("検索語").fill("陥没")
    page.get_by_label("検索語").press("Enter")
    results = page.locator("[data-faq-result-link]")
    expect(results).to_have_count(2)
    expect(results.first).to_have_text("道路の陥没を見つけた")
    expect(page.locator(".faq-result mark").first).to_have_text("陥没")
    assert_accessible(page)

    # Keyboard: the first result has focus, ↓ moves on, ↑ comes back, "/" returns to the box.
    expect(results.first).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(results.nth(1)).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(results.first).to_be_focused()
    page.keyboard.press("/")
    expect(page.get_by_label("検索語")).to_be_focused()

    page.get_by_role("button", name="この FAQ で回答した").first.click()
    expect(page.get_by_text("本日 1 件目")).to_be_visible()
    expect(page.get_by_text("本日の記録: 1 件")).to_be_visible()
    call = SimpleCall.objects.get()
    assert (call.faq_entry, call.operator) == (faq_entries[0], operator)
    assert page.get_by_label("検索語").input_value() == "陥没"


def test_no_hit_goes_to_intake_with_the_text(page, live_server, login, operator, faq_entries):
    login(page, operator)
    page.goto(f"{live_server.url}/faq/")
    page.get_by_label("ダイヤル", exact=True).select_option(
        label="道路・公園・河川・放置自転車ダイヤル"
    )
    page.get_by_label("検索語").fill("マンホールの音")
    page.get_by_label("検索語").press("Enter")
    expect(page.get_by_text("該当する FAQ がありません。")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="案件として受付").click()
    # The FAQ page is loaded already: wait for the intake page, not for a load state.
    page.wait_for_url(lambda url: urlsplit(url).path == "/callcenter/cases/new/")
    # The intake form is built on another branch; the carried-over text is what matters.
    url = urlsplit(page.url)
    assert url.path == "/callcenter/cases/new/"
    assert parse_qs(url.query) == {"dial": ["roads"], "title": ["マンホールの音"]}


def test_supervisor_faq_pages_are_accessible(page, live_server, login, supervisor, faq_entries):
    login(page, supervisor)
    for path in ["/faq/", f"/faq/{faq_entries[0].pk}/", "/faq/new/", "/faq/usage/", "/faq/import/"]:
        page.goto(f"{live_server.url}{path}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(page)
