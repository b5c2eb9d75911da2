"""The page warns before the idle logout and the button keeps the session."""

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible


def test_warning_appears_and_stay_button_keeps_session(
    page, live_server, login, operator, settings
):
    settings.IDLE_TIMEOUT_MINUTES = 1
    settings.IDLE_WARNING_SECONDS = 58
    login(page, operator)
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_be_visible(timeout=8_000)
    expect(dialog).to_contain_text("まもなく自動ログアウトします")
    expect(page.get_by_role("button", name="ログインを続ける")).to_be_focused()
    assert_accessible(page)
    with page.expect_response("**/session/keepalive/") as keepalive:
        page.get_by_role("button", name="ログインを続ける").click()
    assert keepalive.value.status == 200
    expect(dialog).to_be_hidden()
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("オペレーターホーム")
