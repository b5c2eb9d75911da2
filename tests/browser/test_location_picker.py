"""The location picker in a real browser: search by keyboard, marker, ward, town points."""

import contextlib
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.urls("tests.browser.location_picker_urls")

KANO_6 = ("34.688801", "135.196121")
WARD_LABEL = re.compile(r"^区( 必須)?$")
ADDRESS_LABEL = re.compile(r"^発生場所の住所")
NOTICE = re.compile(r"^地図画像を表示できません（地図の配信がありません）。地点は")
MARKER = "通報地点（ドラッグで移動できます）"


@pytest.fixture
def picker(page, live_server, login, operator):
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            csp_errors.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    login(page, operator)
    page.goto(f"{live_server.url}/test/location-picker/")
    yield page
    assert not csp_errors, csp_errors


def pick_by_keyboard(page, query: str, option: str) -> None:
    search = page.get_by_role("combobox", name="住所・郵便番号で検索")
    search.fill(query)
    expect(page.get_by_role("option", name=option)).to_be_visible()
    search.press("ArrowDown")
    expect(page.get_by_role("option", name=option)).to_have_attribute("aria-selected", "true")
    search.press("Enter")
    expect(page.get_by_role("listbox")).to_be_hidden()


def click_a_town_point_away_from_the_marker(page) -> None:
    """Click the centre of a town circle that is well away from the marker and controls."""
    page.locator("#location-map").scroll_into_view_if_needed()
    expect(page.locator("path.town-point").first).to_be_attached()
    target = page.evaluate(
        """() => {
          const map = document.getElementById('location-map').getBoundingClientRect();
          const marker = document.querySelector('.leaflet-marker-icon').getBoundingClientRect();
          const mx = marker.left + marker.width / 2, my = marker.top + marker.height / 2;
          for (const path of document.querySelectorAll('path.town-point')) {
            const r = path.getBoundingClientRect();
            const x = r.left + r.width / 2, y = r.top + r.height / 2;
            const inside = x > map.left + 60 && x < map.right - 60
              && y > map.top + 80 && y < map.bottom - 40;
            if (inside && Math.hypot(x - mx, y - my) > 80
                && document.elementFromPoint(x, y) === path) {
              return {x, y};
            }
          }
          return null;
        }"""
    )
    assert target, "no town point to click in the visible map"
    page.mouse.click(target["x"], target["y"])


def test_search_by_keyboard_sets_point_ward_and_address_then_town_point_moves_it(picker):
    page = picker
    # Tiles are not served on this machine: the picker says so and shows town points.
    expect(page.get_by_text(NOTICE)).to_be_visible()

    pick_by_keyboard(page, "中央区加納町6丁目", "中央区加納町六丁目")

    expect(page.locator("#id_latitude")).to_have_value(KANO_6[0])
    expect(page.locator("#id_longitude")).to_have_value(KANO_6[1])
    expect(page.get_by_alt_text(MARKER)).to_be_visible()
    ward = page.get_by_label(WARD_LABEL)
    expect(ward).to_have_value("28110")
    expect(ward.locator("option:checked")).to_have_text("中央区")
    expect(page.get_by_label(ADDRESS_LABEL)).to_have_value("中央区加納町六丁目")
    expect(page.locator("#location-point-status")).to_contain_text("加納町六丁目")

    click_a_town_point_away_from_the_marker(page)
    # The address was the search's: the town point proposes its own.
    expect(page.get_by_label(ADDRESS_LABEL)).not_to_have_value("中央区加納町六丁目")
    expect(page.locator("#id_latitude")).not_to_have_value(KANO_6[0])
    expect(page.locator("#id_longitude")).not_to_have_value(KANO_6[1])
    new_lat = float(page.locator("#id_latitude").input_value())
    assert 34.5 < new_lat < 35.0
    # The ward can still be corrected by hand.
    ward.select_option("28105")
    expect(ward).to_have_value("28105")

    assert_accessible(page)


def test_clicking_the_map_sets_the_point_and_asks_the_server_for_the_ward(picker):
    page = picker
    map_box = page.locator("#location-map")
    map_box.scroll_into_view_if_needed()
    with page.expect_response("**/geo/ward/**") as ward_response:
        map_box.click(position={"x": 200, "y": 150})  # default view is central Kobe
    assert ward_response.value.status == 200
    expect(page.locator("#id_latitude")).not_to_have_value("")
    expect(page.get_by_label(WARD_LABEL)).not_to_have_value("")
    expect(page.locator("#location-point-status")).to_contain_text("付近")
    # An empty address is offered the town under the point.
    expect(page.get_by_label(ADDRESS_LABEL)).to_have_value(
        re.compile(r"^(東灘|灘|兵庫|長田|須磨|垂水|北|中央|西)区.")
    )


def test_a_typed_address_is_never_replaced_by_a_point(picker):
    page = picker
    page.get_by_label(ADDRESS_LABEL).fill("市役所前の歩道")
    map_box = page.locator("#location-map")
    map_box.scroll_into_view_if_needed()
    with page.expect_response("**/geo/ward/**"):
        map_box.click(position={"x": 200, "y": 150})
    expect(page.get_by_label(WARD_LABEL)).not_to_have_value("")
    expect(page.get_by_label(ADDRESS_LABEL)).to_have_value("市役所前の歩道")


def test_the_map_is_one_keyboard_control(picker):
    page = picker
    expect(page.locator("path.town-point").first).to_be_attached()
    page.get_by_label(ADDRESS_LABEL).focus()
    page.keyboard.press("Tab")
    expect(page.locator("#location-map")).to_be_focused()
    # No town point, marker or zoom button is a Tab stop.
    stops = page.evaluate(
        """() => [...document.querySelectorAll('#location-map *')]
                 .filter(e => e.tabIndex >= 0 && !e.closest('.leaflet-control-attribution'))
                 .length"""
    )
    assert stops == 0
    page.keyboard.press("ArrowRight")
    expect(page.locator("#location-point-status")).to_contain_text("Enter で決定")
    expect(page.locator("#id_latitude")).to_have_value("")  # not set before Enter
    page.keyboard.press("Escape")
    expect(page.locator("#location-point-status")).to_contain_text("変更していません")
    page.keyboard.press("ArrowLeft")
    with page.expect_response("**/geo/ward/**"):
        page.keyboard.press("Enter")
    expect(page.locator("#id_latitude")).not_to_have_value("")
    expect(page.get_by_label(WARD_LABEL)).not_to_have_value("")
    expect(page.locator("#saved")).to_have_count(0)  # Enter on the map never submits
    assert_accessible(page)


def test_values_survive_a_validation_error_and_are_saved(picker):
    page = picker
    pick_by_keyboard(page, "６５０８５７０", "〒650-8570 神戸市役所 中央区加納町六丁目")
    expect(page.get_by_label(ADDRESS_LABEL)).to_have_value("中央区加納町六丁目5-1 神戸市役所")

    page.get_by_role("button", name="保存").click()  # 内容 is missing
    expect(page.get_by_text("このフィールドは必須です。")).to_be_visible()
    expect(page.locator("#id_latitude")).to_have_value(KANO_6[0])
    expect(page.locator("#id_longitude")).to_have_value(KANO_6[1])
    expect(page.get_by_label(WARD_LABEL)).to_have_value("28110")
    expect(page.get_by_label(ADDRESS_LABEL)).to_have_value("中央区加納町六丁目5-1 神戸市役所")
    # The marker is drawn again from the re-rendered inputs.
    expect(page.get_by_alt_text(MARKER)).to_be_visible()

    page.get_by_label("内容").fill("歩道の陥没")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#saved")).to_have_text(
        "保存しました: 28110 中央区加納町六丁目5-1 神戸市役所 34.688801,135.196121"
    )


def test_enter_without_a_chosen_option_searches_instead_of_submitting(picker):
    page = picker
    searches: list[str] = []
    page.on("request", lambda r: searches.append(r.url) if "/geo/search/" in r.url else None)
    search = page.get_by_role("combobox", name="住所・郵便番号で検索")
    search.fill("北町1丁目")
    search.press("Enter")
    results = page.get_by_role("listbox", name="検索結果")
    expect(results.get_by_role("option")).to_have_count(2)
    expect(results.get_by_role("option", name="須磨区北町一丁目")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="2件見つかりました")).to_be_visible()
    expect(page.locator("#saved")).to_have_count(0)
    expect(page.get_by_text("このフィールドは必須です。")).to_have_count(0)
    search.press("Escape")
    expect(page.get_by_role("listbox")).to_be_hidden()
    # Enter replaced the search that typing had scheduled: one request, nothing left to
    # answer later and reopen the list (the flaky run of issue 22).
    assert len(searches) == 1, searches


def held_requests(page, pattern: str) -> list:
    """Routes of ``pattern`` that the test answers itself, when it chooses to."""
    held: list = []

    def hold(route) -> None:
        held.append(route)

    page.route(pattern, hold)
    return held


def test_a_search_answer_arriving_after_escape_never_reopens_the_list(picker):
    page = picker
    held = held_requests(page, "**/geo/search/**")
    search = page.get_by_role("combobox", name="住所・郵便番号で検索")
    search.fill("北町1丁目")
    with page.expect_request("**/geo/search/**"):
        search.press("Enter")

    with page.expect_event("requestfailed") as aborted:
        search.press("Escape")
    assert "/geo/search/" in aborted.value.url, "Escape cancels the search on its way"
    # Its route was handed to the test before the browser could cancel the request.
    assert len(held) == 1
    # The server's answer comes now, late: the page must ignore it. (Playwright may refuse
    # to continue a request the browser has already cancelled.)
    with contextlib.suppress(Exception):
        held[0].continue_()
    expect(page.get_by_role("listbox")).to_be_hidden()
    expect(search).to_have_attribute("aria-expanded", "false")

    # A new search still works.
    page.unroute("**/geo/search/**")
    search.fill("北町1丁目")
    search.press("Enter")
    expect(page.get_by_role("listbox", name="検索結果").get_by_role("option")).to_have_count(2)
