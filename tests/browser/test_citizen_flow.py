"""On a phone-sized screen: a citizen registers and posts a photo with a map point; a
supervisor publishes it with a public reply; the citizen sees the status and the reply."""

import re

import pytest
from playwright.sync_api import expect

from kobepost.public.models import Post
from kobepost.public.tests.fixtures import jpeg_bytes
from tests.browser.conftest import assert_accessible, left_the_login_page

PHONE = {"width": 375, "height": 740}


def field(page, label: str):
    """A form field by its label; required fields carry a 必須 mark in the label."""
    return page.get_by_label(re.compile("^" + re.escape(label) + "(必須)?$"))


def register_citizen(page, **answers: str) -> None:
    """Fill in and send the KOBE ぽすと registration form, on the page already open."""
    field(page, "ID").fill(answers["username"])
    field(page, "パスワード").fill(answers["password"])
    field(page, "パスワード（確認）").fill(answers["password"])
    field(page, "神戸市内に住んでいる、または市内に通勤・通学しています").check()
    field(page, "住所").fill(answers["address"])
    field(page, "ニックネーム").fill(answers["nickname"])
    field(page, "氏名").fill(answers["name"])
    field(page, "氏名（カナ）").fill(answers["kana"])
    field(page, "電話番号").fill(answers["phone"])
    field(page, "メールアドレス").fill(answers["email"])
    field(page, "性別").select_option(answers["gender"])
    field(page, "誕生年").fill(answers["birth_year"])
    field(page, "職業").select_option(answers["occupation"])
    page.get_by_role("button", name="登録する").click()


@pytest.fixture
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_citizen_posts_and_sees_the_city_reply(
    page, live_server, login, supervisor, private_media, browser, post_categories
):
    page.set_viewport_size(PHONE)
    base = live_server.url
    page.goto(f"{base}/public/")
    expect(page.get_by_role("heading", level=1)).to_have_text("みんなの投稿")
    assert_accessible(page)

    page.get_by_role("link", name="新規登録", exact=True).click()
    assert_accessible(page)
    register_citizen(
        page,
        username="kitano_ijinkan",
        password="weathercock-house-1909",
        address="神戸市中央区北野町3-10-11",
        nickname="かざみどり",
        name="北野 異人",
        kana="きたの いじん",  # hiragana: the form turns it into katakana
        phone="078-222-0000",
        email="kitano@example.jp",
        gender="unanswered",
        birth_year="1975",
        occupation="self_employed",
    )
    expect(page).to_have_url(f"{base}/public/post/")
    expect(page.get_by_text("登録しました。")).to_be_visible()
    assert_accessible(page)

    field(page, "投稿区分").select_option(label="公園遊具")
    field(page, "投稿内容").fill("ブランコの鎖が切れかけています。")
    photo_input = field(page, "写真（4枚まで）")
    assert photo_input.get_attribute("capture") == "environment"
    photo_input.set_input_files(
        files=[{"name": "swing.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}]
    )
    page.locator("#public-map").click(position={"x": 150, "y": 100})
    expect(page.locator("#position-status")).to_have_text("地図で場所を選びました。")
    assert page.locator("#id_lat").input_value()
    page.get_by_role("button", name="投稿する").click()
    expect(page).to_have_url(f"{base}/public/my/")
    expect(page.get_by_text("投稿を受け付けました")).to_be_visible()
    expect(page.get_by_text("市が確認中（未公開）")).to_be_visible()
    assert_accessible(page)
    post = Post.objects.get()
    assert post.lat is not None and post.photos.count() == 1
    # Nothing scrolls sideways on a 375px phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    staff = browser.new_page()
    login(staff, supervisor)
    staff.goto(f"{base}/triage/")
    staff.get_by_role("link", name=f"#{post.pk}").click()
    field(staff, "市からの回答（公開）").fill("遊具を使用禁止にし、修理を手配しました。")
    field(staff, "状況").select_option("in_progress")
    staff.get_by_role("button", name="保存").click()
    expect(staff.get_by_text("公開内容と回答を保存しました。")).to_be_visible()
    staff.get_by_role("button", name="公開する").click()
    expect(staff.get_by_text(re.compile(r"を公開しました。"))).to_be_visible()
    assert_accessible(staff)
    staff.close()

    page.get_by_role("link", name="自分の投稿").click()
    expect(page.get_by_text("遊具を使用禁止にし、修理を手配しました。")).to_be_visible()
    expect(page.locator(".status").first).to_have_text("対応中")
    expect(page.get_by_text("公開中")).to_be_visible()

    page.get_by_role("link", name="みんなの投稿").click()
    expect(page.get_by_text("ブランコの鎖が切れかけています。")).to_be_visible()
    expect(page.get_by_text("かざみどり")).to_be_visible()
    expect(page.get_by_text("北野 異人")).to_have_count(0)
    assert_accessible(page)


def test_login_page_and_bad_photo_message(page, live_server, private_media, db, post_categories):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/public/login/")
    assert_accessible(page)
    field(page, "ID").fill("nobody")
    field(page, "パスワード").fill("wrong-password")
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("alert")).to_contain_text("ID またはパスワードが正しくありません")
    expect(field(page, "ID")).to_have_value("nobody")


PHONE_TALL = {"width": 390, "height": 844}


def mailed_link(smtp_server, address: str, path: str, count: int) -> str:
    """The link to ``path`` in the ``count``-th mail received for ``address``."""
    from tests.services import wait_until

    wait_until(lambda: len(smtp_server.messages_to(address)) >= count, what=f"mail to {address}")
    body = smtp_server.messages_to(address)[count - 1].get_body(("plain",)).get_content()
    [link] = re.findall(r"https?://\S+" + re.escape(path) + r"\S*", body)
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def test_citizen_confirms_the_address_forgets_the_password_and_resets_it(
    page, live_server, private_media, post_categories, celery_eager, mail_settings, smtp_server
):
    page.set_viewport_size(PHONE_TALL)
    base = live_server.url
    page.goto(f"{base}/public/register/")
    register_citizen(
        page,
        username="motomachi_kei",
        password="nankinmachi-gate-1868",
        address="神戸市中央区元町通1-1",
        nickname="もとまち",
        name="元町 けい",
        kana="モトマチ ケイ",
        phone="078-333-0000",
        email="kei@example.jp",
        gender="female",
        birth_year="1988",
        occupation="employee",
    )
    expect(page.get_by_text("確認のメールを kei@example.jp へ送りました")).to_be_visible()

    page.goto(base + mailed_link(smtp_server, "kei@example.jp", "/public/email/confirm/", 1))
    assert_accessible(page)
    page.get_by_role("button", name="メールアドレスを確認する").click()
    expect(page.get_by_text("メールアドレスを確認しました。")).to_be_visible()
    expect(page.get_by_text("kei@example.jp は確認済みです。")).to_be_visible()

    page.get_by_role("button", name="ログアウト").click()
    page.goto(f"{base}/public/login/")
    page.get_by_role("link", name="パスワードを忘れた方").click()
    assert_accessible(page)
    field(page, "登録したメールアドレス").fill("kei@example.jp")
    page.get_by_role("button", name="再設定のメールを送る").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("メールを確認してください")
    assert_accessible(page)

    page.goto(base + mailed_link(smtp_server, "kei@example.jp", "/public/password/reset/", 2))
    expect(page.get_by_text("ID: motomachi_kei")).to_be_visible()
    assert_accessible(page)
    field(page, "新しいパスワード").fill("kitano-slope-2027-new")
    field(page, "新しいパスワード（確認）").fill("kitano-slope-2027-new")
    page.get_by_role("button", name="パスワードを設定する").click()
    expect(page).to_have_url(f"{base}/public/my/")
    expect(page.get_by_text("新しいパスワードを設定し、ログインしました。")).to_be_visible()

    page.get_by_role("button", name="ログアウト").click()
    page.goto(f"{base}/public/login/")
    field(page, "ID").fill("motomachi_kei")
    field(page, "パスワード").fill("kitano-slope-2027-new")
    page.get_by_role("button", name="ログイン").click()
    left_the_login_page(page)
    expect(page).to_have_url(f"{base}/public/my/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_TALL["width"]

    page.goto(f"{base}/public/")
    page.locator(".leaflet-control-zoom-in").wait_for()
    assert_tap_targets(page, ".public-nav a, .public-nav button, .leaflet-control-zoom a")


def assert_tap_targets(page, selector: str) -> None:
    """Every element matching ``selector`` is at least 44×44 px (fingers, not pointers)."""
    sizes = page.eval_on_selector_all(
        selector,
        "els => els.map(e => [e.textContent.trim() || e.title, e.getBoundingClientRect().width,"
        " e.getBoundingClientRect().height])",
    )
    assert sizes
    small = [(name, w, h) for name, w, h in sizes if w < 44 or h < 44]
    assert not small, f"tap targets under 44 px: {small}"
