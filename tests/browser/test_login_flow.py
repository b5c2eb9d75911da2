"""An operator signs in, sees the operator home in Japanese, and signs out."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible


def test_operator_login_home_logout(page, live_server, login, operator):
    page.goto(f"{live_server.url}/login/")
    expect(page).to_have_title(re.compile("ログイン"))
    assert_accessible(page)

    login(page, operator)
    expect(page).to_have_url(f"{live_server.url}/callcenter/")
    expect(page.get_by_role("heading", level=1)).to_have_text("オペレーターホーム")
    expect(page.get_by_text("初めてのログインです。")).to_be_visible()
    expect(page.get_by_text("食品衛生・環境衛生・動物衛生ダイヤル")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="ログアウト").click()
    expect(page).to_have_url(f"{live_server.url}/login/")
    expect(page.get_by_text("ログアウトしました。")).to_be_visible()
    page.goto(f"{live_server.url}/callcenter/")
    expect(page).to_have_url(re.compile(r"/login/\?next=(%2F|/)callcenter(%2F|/)$"))


def test_wrong_password_message(page, live_server, operator):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("ID").fill(operator.username)
    page.get_by_label("パスワード").fill("wrong-password")
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("alert")).to_contain_text("ID またはパスワードが正しくありません")
    expect(page.get_by_label("ID")).to_have_value(operator.username)
