"""The operator's desk on one office screen (1366×768), with the keyboard alone.

A whole call is taken without a single mouse event: every field including the map point
and the ward, the page no taller than two screens, at most about 40 Tab stops from the
first field to 保存. Back and save again shows the saved case instead of making another.
"""

import re

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from faq.models import FaqEntry, SimpleCall
from kobepost.privacy.models import DataCorrection
from tests.browser.conftest import assert_accessible, left_the_login_page
from tests.fixtures import TEST_PASSWORD
from tickets.models import Case, CaseEvent, Category
from tickets.tests.factories import make_case

SCREEN: ViewportSize = {"width": 1366, "height": 768}
MAX_TAB_STOPS = 40

# Counts every trusted mouse or pointer press on every page of the tab (sessionStorage).
NO_MOUSE = """
for (const type of ["pointerdown", "mousedown", "mouseup", "wheel"]) {
  document.addEventListener(type, (event) => {
    if (event.isTrusted) {
      sessionStorage.setItem("mouse", String(Number(sessionStorage.getItem("mouse") || 0) + 1));
    }
  }, true);
}
"""


@pytest.fixture
def desk(page: Page) -> Page:
    page.set_viewport_size(SCREEN)
    page.add_init_script(NO_MOUSE)
    return page


def focused(page: Page) -> str:
    return page.evaluate("document.activeElement.id || document.activeElement.tagName")


def tab_until(page: Page, element_id: str, limit: int = 60) -> int:
    """Press Tab until ``element_id`` has the focus; the number of presses."""
    for presses in range(limit + 1):
        if focused(page) == element_id:
            return presses
        page.keyboard.press("Tab")
    raise AssertionError(f"{element_id} not reached in {limit} Tab presses")


def arrow_to(page: Page, label: str) -> None:
    """In the focused <select>, press ↓ until the chosen option reads ``label``."""
    for _ in range(80):
        chosen = page.evaluate(
            "(() => { const s = document.activeElement; return s.options[s.selectedIndex].text })()"
        )
        if chosen.strip() == label:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"option {label} not found")


def keyboard_login(page: Page, base: str, user) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("ID").focus()
    page.keyboard.type(user.username)
    page.keyboard.press("Tab")
    page.keyboard.type(TEST_PASSWORD)
    page.keyboard.press("Enter")
    left_the_login_page(page)


def mouse_presses(page: Page) -> int:
    return int(page.evaluate("Number(sessionStorage.getItem('mouse') || 0)"))


def test_a_whole_call_taken_with_the_keyboard_alone(desk, live_server, operator, kobe):
    page = desk
    make_case(
        operator,
        title="前回の相談: 街灯",
        caller_phone="078-331-8181",
        caller_phone_digits="0783318181",
    )
    keyboard_login(page, live_server.url, operator)
    expect(page.get_by_role("heading", level=1)).to_have_text("オペレーターホーム")
    page.keyboard.press("Alt+KeyN")  # new call
    expect(page.get_by_role("heading", level=1)).to_have_text("新規受付")
    page.wait_for_load_state()  # the new page's own shortcuts and scripts
    expect(page.locator("#id_caller_phone")).to_be_focused()

    # One screen: the empty form fits in two screen heights, and Tab reaches 保存 quickly.
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= 2 * SCREEN["height"], height
    assert tab_until(page, "intake-save") <= MAX_TAB_STOPS
    page.keyboard.press("Alt+KeyP")  # back to the phone
    expect(page.locator("#id_caller_phone")).to_be_focused()
    assert_accessible(page)

    keys = page.keyboard
    keys.type("０７８（３３１）８１８１")
    expect(page.locator("#phone-history")).to_contain_text("前回の相談: 街灯")
    keys.press("Enter")  # Enter goes on to the next field, it never saves
    expect(page.locator("#id_caller_name")).to_be_focused()
    keys.type("日向 花子")
    keys.press("Tab")
    keys.type("ひなた はなこ")
    keys.press("Tab")
    expect(page.locator("#id_kind_0")).to_be_focused()
    keys.press("ArrowDown")  # 問い合わせ
    expect(page.locator("#id_kind_1")).to_be_checked()
    keys.press("Tab")
    expect(page.locator("#id_channel")).to_be_focused()  # 電話, as it is
    keys.press("Tab")
    tab_until(page, "id_dial", limit=8)  # through the parts of 受付日時, as they are
    arrow_to(page, "道路・公園・河川・放置自転車ダイヤル")
    keys.press("Tab")
    arrow_to(page, "道路の陥没・損傷")
    expect(page.locator("#id_department")).to_have_value(str(kobe["kensetsu-tobu"].pk))
    keys.press("Tab")
    expect(page.locator("#id_department")).to_be_focused()
    keys.press("Tab")
    keys.type("歩道の陥没")
    keys.press("Tab")
    keys.type("三宮駅の南側、歩道が陥没している。")
    keys.press("Tab")

    # The place: search by keyboard, then move the point with the arrows and set it.
    expect(page.locator("#location-search-input")).to_be_focused()
    keys.type("中央区加納町6丁目")
    expect(page.get_by_role("option", name="中央区加納町六丁目")).to_be_visible()
    keys.press("ArrowDown")
    keys.press("Enter")
    expect(page.locator("#id_address")).to_have_value("中央区加納町六丁目")
    searched = page.locator("#id_latitude").input_value()
    tab_until(page, "location-map", limit=4)
    for _ in range(4):
        keys.press("Shift+ArrowDown")
    keys.press("Enter")
    expect(page.locator("#id_latitude")).not_to_have_value(searched)
    # The address followed the point: it was only what the search had put there.
    expect(page.locator("#id_address")).not_to_have_value("中央区加納町六丁目")
    expect(page.locator("#id_address")).to_have_value(re.compile(r"^中央区"))
    expect(page.locator("#id_ward")).to_have_value("28110")
    # The map is one stop (no marker, town point or zoom button on the way); only the map
    # image's attribution link may come between it and the ward.
    assert tab_until(page, "id_ward", limit=2) in (1, 2)
    keys.press("Tab")
    expect(page.locator("#id_reply_needed")).to_be_focused()
    keys.press("Tab")
    keys.press("Tab")
    expect(page.locator("#id_urgent")).to_be_focused()
    keys.press("Space")
    expect(page.locator("#id_urgent_contact")).to_be_visible()
    keys.press("Tab")
    keys.type("東部建設事務所 高橋")
    keys.press("Enter")  # not saved: the next field
    assert Case.objects.count() == 1

    assert page.evaluate("document.documentElement.scrollHeight") <= 2 * SCREEN["height"]
    keys.press("Alt+KeyP")
    assert tab_until(page, "intake-save") <= MAX_TAB_STOPS
    expect(page.locator("#intake-save")).to_be_focused()
    keys.press("Enter")

    expect(page.get_by_role("status")).to_contain_text("を受け付けました")
    case = Case.objects.exclude(title="前回の相談: 街灯").get()
    expect(page.get_by_role("heading", level=1)).to_contain_text(case.reference)
    assert (case.caller_phone, case.caller_name, case.caller_kana) == (
        "078-331-8181",
        "日向 花子",
        "ヒナタ ハナコ",
    )
    assert case.kind == Case.Kind.INQUIRY and case.channel == Case.Channel.PHONE
    assert case.category == Category.objects.get(code="road-damage")
    assert case.department == kobe["kensetsu-tobu"] and case.dial.code == "roads"
    assert (case.title, case.details) == ("歩道の陥没", "三宮駅の南側、歩道が陥没している。")
    assert case.latitude is not None and case.latitude < float(searched)
    assert case.ward == "28110" and case.address.startswith("中央区")
    assert case.urgent and case.urgent_contact == "東部建設事務所 高橋"
    assert case.reply_needed and not case.direct_answer

    # Back, then save again: the saved case is shown, no second case, what was typed kept.
    page.go_back()
    expect(page.locator("#id_caller_phone")).to_have_value("０７８（３３１）８１８１")
    expect(page.locator("#id_latitude")).to_have_value(f"{case.latitude:.6f}")
    keys.press("Alt+KeyS")
    expect(page.get_by_role("heading", name="この受付は既に保存されています")).to_be_visible()
    expect(page.get_by_role("link", name=f"{case.reference} 歩道の陥没 を開く")).to_be_visible()
    expect(page.locator("#id_caller_name")).to_have_value("日向 花子")
    assert Case.objects.count() == 2
    assert case.events.filter(kind=CaseEvent.Kind.CREATED).count() == 1
    assert_accessible(page)
    assert mouse_presses(page) == 0


def test_a_simple_question_is_answered_from_the_faq_beside_the_form(
    desk, live_server, login, operator, kobe
):
    page = desk
    category = Category.objects.get(code="road-damage")
    entry = FaqEntry.objects.create(
        question="道路の陥没を見つけたらどこへ連絡しますか",
        answer="建設事務所が補修します。",
        dial=category.dial,
        category=category,
        department=category.department,
        status=FaqEntry.Status.PUBLISHED,
    )
    login(page, operator)
    page.goto(f"{live_server.url}/callcenter/cases/new/")
    page.keyboard.press("Alt+KeyQ")
    expect(page.locator("#desk-faq-q")).to_be_focused()
    page.keyboard.type("陥没")
    page.keyboard.press("Enter")
    results = page.locator("#desk-faq-results")
    expect(results).to_contain_text("道路の陥没を見つけたらどこへ連絡しますか")
    expect(page).to_have_url(f"{live_server.url}/callcenter/cases/new/")  # never left
    assert_accessible(page)
    results.get_by_role("button", name=re.compile("この FAQ で回答した")).press("Enter")
    expect(page.locator(".messages")).to_contain_text("で回答したことを記録しました")
    expect(page.get_by_role("heading", level=1)).to_have_text("新規受付")
    assert SimpleCall.objects.get().faq_entry == entry
    assert not Case.objects.exists()


def test_lists_show_one_line_per_case_at_1366(desk, live_server, login, operator, staff_tobu, kobe):
    page = desk
    for number in range(6):
        case = make_case(
            operator,
            "streetlight" if number % 2 else "road-damage",
            title=f"三宮駅南の歩道の陥没が広がっていて車いすが通れない（{number}件目）",
            ward="28101",
            urgent=number == 0,
            urgent_contact="高橋",
            latitude=34.72,
            longitude=135.26,
        )
    Case.objects.filter(pk=case.pk).update(reply_due_date="2026-01-05")  # overdue

    def assert_one_line(table) -> None:
        heights = table.locator("tbody tr").evaluate_all(
            "rows => rows.map(row => row.getBoundingClientRect().height)"
        )
        single = table.locator("tbody td").first.evaluate(
            "cell => parseFloat(getComputedStyle(cell).lineHeight)"
        )
        assert heights and max(heights) < 2 * single, (heights, single)

    login(page, staff_tobu)
    expect(page.get_by_role("heading", level=1)).to_contain_text("受信箱")
    assert_one_line(page.locator("table.inbox-table"))
    expect(page.locator("tbody tr")).to_have_count(6)
    expect(page.get_by_text("地図画像を表示できません")).to_be_visible()
    assert_accessible(page)

    page.context.clear_cookies()
    login(page, operator)
    page.goto(f"{live_server.url}/callcenter/cases/")
    assert_one_line(page.locator("table.case-list-table"))
    assert_accessible(page)


def test_a_correction_by_the_department_with_the_keyboard(
    desk, live_server, login, operator, staff_tobu, kobe
):
    page = desk
    case = make_case(
        operator,
        title="歩道の陥没",
        caller_name="日向 太郎",
        caller_phone="078-331-8181",
        latitude=34.688801,
        longitude=135.196121,
        address="中央区加納町六丁目",
        ward="28110",
    )
    login(page, staff_tobu)
    page.goto(f"{live_server.url}/departments/cases/{case.pk}/")
    assert_accessible(page)
    page.get_by_role("link", name="訂正する").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("案件の訂正")
    assert_accessible(page)
    page.locator("#id_caller_phone").focus()
    page.keyboard.press("Control+KeyA")
    page.keyboard.type("078-331-0000")
    page.locator("#location-map").focus()
    page.keyboard.press("Shift+ArrowUp")
    page.keyboard.press("Enter")
    expect(page.locator("#id_latitude")).not_to_have_value("34.688801")
    page.keyboard.press("Alt+KeyS")  # no reason yet: refused, everything kept
    expect(page.get_by_text("訂正の理由を入力してください。")).to_be_visible()
    expect(page.locator("#id_caller_phone")).to_have_value("078-331-0000")
    assert_accessible(page)
    page.locator("#id_reason").focus()
    page.keyboard.type("通報者から電話番号の誤りの連絡")
    page.keyboard.press("Control+Enter")
    expect(page.get_by_role("status")).to_contain_text("を訂正しました")
    expect(page).to_have_url(f"{live_server.url}/departments/cases/{case.pk}/")
    rows = page.locator("table.correction-rows")
    expect(rows).to_contain_text("078-331-8181")
    expect(rows).to_contain_text("078-331-0000")
    assert set(DataCorrection.objects.values_list("field", flat=True)) >= {
        "caller_phone",
        "location",
    }
    assert_accessible(page)


def test_the_call_back_queue_and_the_department_intake_pass_axe(
    desk, live_server, login, operator, staff_tobu, kobe
):
    from tickets.services import case_reply

    page = desk
    case = make_case(operator, title="街灯の修理依頼", urgent=True, urgent_contact="高橋")
    case_reply(case=case, user=staff_tobu, reply_text="明日修理します。")
    login(page, operator)
    page.goto(f"{live_server.url}/callcenter/callbacks/")
    expect(page.get_by_role("cell", name="街灯の修理依頼")).to_be_visible()
    assert_accessible(page)
    page.context.clear_cookies()
    login(page, staff_tobu)
    page.goto(f"{live_server.url}/departments/cases/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("窓口・直接受付の案件を登録")
    assert page.evaluate("document.documentElement.scrollHeight") <= 2 * SCREEN["height"]
    assert_accessible(page)
