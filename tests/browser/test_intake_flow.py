"""An operator takes a call, finds the case again, and works the call-back queue."""

import re

from playwright.sync_api import expect

from kobepost.accounts.models import User
from tests.browser.conftest import assert_accessible
from tickets.models import Case, CaseEvent
from tickets.services import case_reply
from tickets.tests.factories import make_case


def test_operator_takes_a_call_and_finds_it_again(page, live_server, login, operator, kobe):
    make_case(
        operator,
        title="前回の相談: 街灯",
        caller_phone="078-331-8181",
        caller_phone_digits="0783318181",
    )
    login(page, operator)
    page.get_by_role("link", name="新規受付").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("新規受付")
    phone = page.get_by_role("textbox", name="電話番号", exact=True)
    expect(phone).to_be_focused()
    assert_accessible(page)

    phone.press_sequentially("０７８（３３１）８１８１", delay=20)
    expect(page.locator("#phone-history")).to_contain_text("前回の相談: 街灯")
    expect(page.locator("#phone-history")).to_contain_text("受付")

    page.get_by_label("氏名", exact=True).fill("日向 花子")
    page.get_by_label("氏名カナ").fill("ひなた はなこ")
    page.get_by_label("種別").select_option(label="道路の陥没・損傷")
    expect(page.get_by_label("案件の所管課")).to_have_value(str(kobe["kensetsu-tobu"].pk))
    # health symptoms are asked on the hygiene dial only
    expect(page.get_by_label("健康被害の症状")).to_be_hidden()
    page.get_by_label("種別").select_option(label="食中毒の疑い")
    expect(page.get_by_label("健康被害の症状")).to_be_visible()
    expect(page.get_by_label("案件の所管課")).to_have_value(str(kobe["eisei-kanshi"].pk))
    page.get_by_label("ダイヤル").select_option(label="道路・公園・河川・放置自転車ダイヤル")
    page.get_by_label("種別").select_option(label="道路の陥没・損傷")
    expect(page.get_by_label("案件の所管課")).to_have_value(str(kobe["kensetsu-tobu"].pk))
    expect(page.get_by_label("ダイヤル")).to_have_value(re.compile(r"\d+"))
    page.get_by_label("タイトル").fill("歩道の陥没")
    page.get_by_label("内容詳細").fill("三宮駅の南側、歩道が陥没している。")
    if page.locator("#id_address").is_visible():
        page.locator("#id_address").fill("中央区三宮町1丁目")
        page.locator("#id_ward").select_option(label="中央区")
    page.get_by_role("button", name="保存する").click()

    expect(page.get_by_role("status")).to_contain_text("を受け付けました")
    case = Case.objects.get(title="歩道の陥没")
    assert case.caller_kana == "ヒナタ ハナコ" and case.caller_phone == "078-331-8181"
    expect(page.get_by_role("heading", level=1)).to_contain_text(case.reference)
    assert_accessible(page)

    page.get_by_role("link", name="案件一覧").first.click()
    assert_accessible(page)
    search = page.get_by_role("searchbox", name="検索")
    search.fill("ひなた")
    search.press("Enter")
    expect(page.get_by_role("cell", name="歩道の陥没")).to_be_visible()
    expect(page.get_by_role("cell", name="前回の相談: 街灯")).to_have_count(0)
    page.get_by_role("searchbox", name="検索").fill("陥没")
    page.get_by_role("button", name="検索", exact=True).click()
    expect(page.get_by_role("cell", name="歩道の陥没")).to_be_visible()
    page.get_by_role("link", name=case.reference).click()
    expect(page).to_have_url(f"{live_server.url}/callcenter/cases/{case.pk}/")


def test_validation_error_keeps_input_and_nearby_case_can_be_linked(
    page, live_server, login, operator, kobe
):
    existing = make_case(operator, title="既に受付済みの陥没", latitude=34.6946, longitude=135.1955)
    login(page, operator)
    page.goto(f"{live_server.url}/callcenter/cases/new/")
    page.get_by_role("textbox", name="電話番号", exact=True).fill("119")
    page.get_by_label("種別").select_option(label="道路の陥没・損傷")
    page.get_by_label("内容詳細").fill("同じ場所の陥没")
    page.evaluate(
        "() => { document.getElementById('id_latitude').value = '34.6947';"
        " document.getElementById('id_longitude').value = '135.1956'; }"
    )
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_text("短縮番号は登録できません")).to_be_visible()
    expect(page.get_by_label("内容詳細")).to_have_value("同じ場所の陥没")
    expect(page.locator("#id_latitude")).to_have_value("34.6947")
    assert_accessible(page)

    nearby = page.locator("#nearby-cases")
    expect(nearby).to_contain_text("既に受付済みの陥没")
    nearby.get_by_role("button", name="この案件に追加する").click()
    expect(page).to_have_url(f"{live_server.url}/callcenter/cases/{existing.pk}/")
    expect(page.get_by_text("追加の通報")).to_be_visible()
    assert Case.objects.count() == 1
    assert existing.events.filter(kind=CaseEvent.Kind.LINKED_CALL).count() == 1


def test_call_back_queue_flow(page, live_server, login, operator, staff_tobu):
    case = make_case(operator, title="街灯の修理依頼", caller_name="田中 一郎")
    case_reply(case=case, user=staff_tobu, reply_text="明日修理します。")
    login(page, operator)
    page.get_by_role("link", name="折り返し待ち").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("折り返し待ち")
    assert_accessible(page)
    page.get_by_role("link", name=f"{case.reference} の回答を記録").click()
    expect(page.get_by_text("明日修理します。")).to_be_visible()
    page.get_by_label("FAX").check()
    page.get_by_label("メモ").fill("FAXで回答を送付")
    assert_accessible(page)
    page.get_by_role("button", name="市民回答済にする").click()
    expect(page.get_by_text("折り返し待ちの案件はありません。")).to_be_visible()

    page.goto(f"{live_server.url}/callcenter/cases/{case.pk}/")
    expect(page.get_by_text("市民回答済").first).to_be_visible()
    page.get_by_role("button", name="完了にする").click()
    expect(page.get_by_role("status")).to_contain_text("完了")
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED
    assert case.events.filter(kind=CaseEvent.Kind.CALLBACK, actor=operator).exists()


def test_department_staff_cannot_open_other_departments_case(
    page, live_server, login, operator, staff_seibu
):
    case = make_case(operator, title="東部の案件")
    login(page, staff_seibu)
    response = page.goto(f"{live_server.url}/callcenter/cases/{case.pk}/")
    assert response.status == 404
    assert isinstance(staff_seibu, User)
