"""Walks the flows the manuals describe and, on request, photographs each step for docs/.

Every step asserts what a person sees (a heading, a button name the manual quotes), so a
renamed screen breaks this test and the manual is corrected with it. The pictures are only
written when ``UPDATE_MANUAL_SCREENSHOTS=1`` is set, so an ordinary run (and CI) never
rewrites the tracked PNGs:

    UPDATE_MANUAL_SCREENSHOTS=1 .venv/bin/pytest tests/browser/test_manual_screenshots.py
"""

import importlib
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from departments.demo import seed_departments
from faq.demo import seed_faq
from kobepost.accounts.demo import DEMO_PASSWORD, seed_users
from kobepost.accounts.models import User
from tests.browser.conftest import left_the_login_page, phone_history_of
from tests.migration_state import apps_before_the_move
from tickets.demo import seed_cases
from tickets.models import Case

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
UPDATE = os.environ.get("UPDATE_MANUAL_SCREENSHOTS") == "1"
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}


@pytest.fixture
def demo(db) -> dict[str, User]:
    """The same data as ``manage.py seed_demo``: only invented people appear in the pictures."""
    seed_departments()
    seed_users()
    seed_cases()
    seed_faq()
    return {user.username: user for user in User.objects.all()}


@pytest.fixture
def manual_page(page: Page) -> Page:
    page.set_viewport_size(VIEWPORT)
    # Thirty pages in a row on a shared test machine: be patient, not flaky.
    page.set_default_timeout(30_000)
    expect.set_options(timeout=15_000)
    return page


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    expect(page.get_by_role("heading", name="ログイン", level=1)).to_be_visible()
    page.get_by_label("ID").fill(username)
    page.get_by_label("パスワード").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    left_the_login_page(page)


def shoot(page: Page, scene: str, *, full_page: bool = False) -> None:
    """Save ``docs/images/<manual>/<scene>.png`` when asked to; a no-op otherwise."""
    if not UPDATE:
        return
    target = IMAGES / f"{scene}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    # Let web fonts and the map settle so the picture shows the finished page.
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(target), type="png", full_page=full_page, animations="disabled")


def heading(page: Page, text: str | re.Pattern) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def test_operator_manual(manual_page, live_server, demo):
    page, url = manual_page, live_server.url

    page.goto(f"{url}/login/")
    heading(page, "ログイン")
    shoot(page, "operator/login")

    sign_in(page, url, "operator1")
    heading(page, "オペレーターホーム")
    expect(page.get_by_role("heading", name="FAQ 検索")).to_be_visible()
    expect(page.get_by_role("heading", name="今日の状況")).to_be_visible()
    shoot(page, "operator/home")

    page.get_by_label("検索語").fill("粗大ごみ")
    page.get_by_label("検索語").press("Enter")
    heading(page, "FAQ")
    answered = page.get_by_role("button", name="この FAQ で回答した")
    expect(answered.first).to_be_visible()
    shoot(page, "operator/faq-search")
    answered.first.click()
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"本日 \d+ 件目"))
    shoot(page, "operator/faq-answered")

    page.get_by_role("link", name="新規受付").first.click()
    heading(page, "新規受付")
    phone = page.get_by_role("textbox", name="電話番号", exact=True)
    expect(phone).to_be_focused()
    with page.expect_response(phone_history_of("078-331-2121")):
        phone.press_sequentially("078-331-2121", delay=10)
    expect(page.locator("#phone-history")).not_to_contain_text("電話番号を入力すると表示されます")
    page.get_by_label("氏名", exact=True).fill("日向 花子")
    page.get_by_label("氏名カナ").fill("ヒナタ ハナコ")
    page.get_by_label("ダイヤル").select_option(label="道路・公園・河川・放置自転車ダイヤル")
    page.get_by_label("種別").select_option(label="道路の陥没・損傷")
    expect(page.get_by_label("案件の所管課")).not_to_have_value("")
    page.get_by_label("タイトル").fill("三宮駅南の歩道の陥没")
    page.get_by_label("内容詳細").fill("三宮駅の南側、歩道が陥没している。")
    shoot(page, "operator/intake-form")

    search = page.get_by_role("combobox", name="住所・郵便番号で検索")
    search.scroll_into_view_if_needed()
    search.fill("中央区加納町6丁目")
    expect(page.get_by_role("listbox").get_by_role("option").first).to_be_visible()
    search.press("ArrowDown")
    search.press("Enter")
    expect(page.locator("#id_latitude")).not_to_have_value("")
    expect(page.get_by_label(re.compile(r"^区( 必須)?$"))).to_have_value("28110")
    page.get_by_role("button", name="近くの案件を確認").click()
    expect(page.locator("#nearby-cases")).not_to_be_empty()
    page.locator("#location-map").scroll_into_view_if_needed()
    shoot(page, "operator/intake-location")

    page.get_by_role("button", name="保存する").click()
    # The intake page has a status region of its own (the map's): until the saved case's
    # page has loaded, a bare get_by_role("status") would match two elements.
    expect(page.get_by_role("status").filter(has_text="を受け付けました")).to_be_visible()
    case = Case.objects.get(title="三宮駅南の歩道の陥没")
    expect(page.get_by_role("heading", level=1)).to_contain_text(case.reference)
    expect(page.get_by_role("heading", name="経過")).to_be_visible()
    shoot(page, "operator/case-detail")

    page.get_by_role("link", name="案件一覧").first.click()
    heading(page, "案件一覧")
    page.get_by_role("searchbox", name="検索").fill("陥没")
    page.get_by_role("button", name="検索", exact=True).click()
    expect(page.get_by_role("cell", name="三宮駅南の歩道の陥没")).to_be_visible()
    shoot(page, "operator/case-list")

    page.get_by_role("link", name="折り返し待ち").first.click()
    heading(page, "折り返し待ち")
    waiting = Case.objects.awaiting_callback().order_by("received_at").first()
    assert waiting is not None, "the demo data has cases answered by a department"
    shoot(page, "operator/callbacks")
    page.get_by_role("link", name=f"{waiting.reference} の回答を記録").click()
    heading(page, "市民への回答を記録")
    expect(page.get_by_role("button", name="市民回答済にする")).to_be_visible()
    shoot(page, "operator/callback-record")


def test_supervisor_pages_in_the_operator_manual(manual_page, live_server, demo):
    from kobepost.public.models import Post
    from kobepost.public.tests.fixtures import make_citizen, make_post

    # live_server empties the tables between tests, data migrations included.
    citizen_migration = importlib.import_module("kobepost.accounts.migrations.0002_citizen")
    citizen_migration.seed_post_categories(apps_before_the_move(), None)
    page, url = manual_page, live_server.url
    citizen = make_citizen(login_id="demo_citizen", nickname="ながたっ子")
    make_post(citizen, text="公園の遊具のロープが切れています。", address="長田区若松町")
    make_post(citizen, text="歩道の段差でつまずきそうになります。")
    post = Post.objects.order_by("pk").last()

    sign_in(page, url, "supervisor1")
    page.get_by_role("link", name="KOBE ぽすと 精査").first.click()
    heading(page, "KOBE ぽすと 精査")
    expect(page.get_by_role("link", name=f"#{post.pk}")).to_be_visible()
    shoot(page, "operator/triage-queue")
    page.get_by_role("link", name=f"#{post.pk}").click()
    heading(page, f"投稿 {post.pk} の精査")
    expect(page.get_by_role("button", name="公開する")).to_be_visible()
    expect(page.get_by_role("button", name="不採用にする")).to_be_visible()
    shoot(page, "operator/triage-detail")

    page.get_by_role("link", name="統計").first.click()
    heading(page, "統計")
    expect(page.get_by_role("button", name="表示")).to_be_visible()
    shoot(page, "operator/stats")

    page.get_by_role("link", name="送信失敗メール").first.click()
    heading(page, "送信できなかった通知メール")
    shoot(page, "operator/failed-mail")


def test_department_manual(manual_page, live_server, demo):
    page, url = manual_page, live_server.url
    staff = demo["tobu1"]
    case = (
        Case.objects.filter(department=staff.department, status=Case.Status.RECEIVED)
        .order_by("received_at")
        .first()
    )
    assert case is not None, "the demo data has a new case for 東部建設事務所"

    sign_in(page, url, "tobu1")
    expect(page).to_have_url(f"{url}/departments/")
    heading(page, "建設局 東部建設事務所 受信箱")
    expect(page.get_by_role("heading", name="未完了の案件の地図")).to_be_visible()
    expect(page.get_by_role("link", name=case.reference)).to_be_visible()
    shoot(page, "department/home")

    page.get_by_role("link", name=case.reference).click()
    expect(page).to_have_url(f"{url}/departments/cases/{case.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(case.reference)
    expect(page.get_by_role("button", name="回答を登録する（回答済にする）")).to_be_visible()
    shoot(page, "department/case-detail")
    page.get_by_label("市民への回答").fill("本日、現地を確認し補修しました。")
    page.get_by_role("button", name="回答を登録する（回答済にする）").click()
    expect(page.get_by_role("status")).to_be_visible()
    case.refresh_from_db()
    assert case.status == Case.Status.ANSWERED
    shoot(page, "department/case-replied")

    page.get_by_role("link", name="統計").first.click()
    heading(page, "統計")
    expect(page.locator(".stats-scope")).to_contain_text("自課の数値のみ表示")
    shoot(page, "department/stats")

    other = Case.objects.exclude(department=staff.department).first()
    response = page.goto(f"{url}/callcenter/cases/{other.pk}/")
    assert response is not None and response.status == 404


def test_admin_manual(manual_page, live_server, demo):
    page, url = manual_page, live_server.url
    sign_in(page, url, "admin")
    page.goto(f"{url}/admin/")
    expect(page.get_by_role("link", name="職員アカウント").first).to_be_visible()
    shoot(page, "admin/index")

    page.get_by_role("link", name="職員アカウント").first.click()
    expect(page.get_by_role("link", name="CSV から一括登録")).to_be_visible()
    shoot(page, "admin/users")
    page.get_by_role("link", name="CSV から一括登録").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("職員アカウントの一括登録（CSV）")
    expect(page.get_by_role("button", name="取り込む")).to_be_visible()
    shoot(page, "admin/user-import")
