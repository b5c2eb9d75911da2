"""A department answers a case in its inbox; the operator relays the answer to the citizen."""

from playwright.sync_api import expect

from departments.models import CannedReply
from tests.browser.conftest import assert_accessible
from tickets.models import Case, Category
from tickets.tests.factories import make_case


def test_department_replies_and_operator_relays(
    page, live_server, login, operator, staff_tobu, staff_seibu
):
    case = make_case(
        operator,
        title="歩道の段差でつまずいた",
        details="三宮駅の南、歩道に大きな段差",
        caller_name="田中 一郎",
        caller_phone="078-331-8181",
        latitude=34.6946,
        longitude=135.1955,
        ward="28110",
    )
    CannedReply.objects.create(
        category=Category.objects.get(code="road-damage"),
        title="補修済み",
        text="現地を確認し、段差を補修しました。",
    )

    login(page, staff_tobu)
    expect(page.get_by_role("heading", level=1)).to_contain_text("受信箱")
    row = page.get_by_role("row").filter(has_text="歩道の段差でつまずいた")
    expect(row).to_contain_text("受付")
    expect(page.locator("#map-status")).to_contain_text("1 件")
    assert_accessible(page)

    page.get_by_role("link", name=case.reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("歩道の段差でつまずいた")
    expect(page.get_by_text("田中 一郎")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("定型文").select_option(label="補修済み")
    page.get_by_role("button", name="回答欄に挿入").click()
    reply = page.get_by_label("市民への回答")
    expect(reply).to_have_value("現地を確認し、段差を補修しました。")
    reply.press("End")
    reply.press_sequentially("ご連絡ありがとうございました。")
    page.get_by_role("button", name="回答を登録する（回答済にする）").click()
    expect(page.get_by_role("status")).to_contain_text("回答を登録しました")
    expect(page.locator(".status").first).to_have_text("回答済")
    case.refresh_from_db()
    assert case.status == Case.Status.ANSWERED
    assert case.reply_text == "現地を確認し、段差を補修しました。ご連絡ありがとうございました。"

    # Another department's staff cannot open the case.
    page.context.clear_cookies()
    login(page, staff_seibu)
    response = page.goto(f"{live_server.url}/departments/cases/{case.pk}/")
    assert response.status == 404

    # The operator sees the answer arrive and relays it from the call-back queue.
    page.context.clear_cookies()
    login(page, operator)
    page.get_by_role("link", name="折り返し待ち").first.click()
    page.get_by_role("link", name=f"{case.reference} の回答を記録").click()
    expect(page.get_by_text("ご連絡ありがとうございました。")).to_be_visible()
    page.get_by_role("button", name="市民回答済にする").click()
    expect(page.get_by_text("折り返し待ちの案件はありません。")).to_be_visible()
    case.refresh_from_db()
    assert case.status == Case.Status.CITIZEN_ANSWERED
