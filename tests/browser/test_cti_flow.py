"""The phone rings: the operator at that extension sees who is calling, without a reload,
and one key starts the intake; a missed call from a known number becomes a call-back."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from kobepost.cti.models import Call, Pbx, Seat
from kobepost.cti.simulator import SimulatedCall, call_events, post_event
from tests.browser.conftest import assert_accessible
from tickets.models import Case, Dial
from tickets.tests.factories import make_case

PHONE = "078-331-8181"


@pytest.fixture
def pbx_token(db) -> str:
    pbx = Pbx(name="本庁 PBX")
    token = pbx.issue_token()
    pbx.save()
    return token


def simulated(call_id: str, outcome: str = "answered") -> list[dict]:
    """The simulator's events of one call from 078-331-8181 to the roads dial at 201."""
    call = SimulatedCall(
        call_id=call_id,
        caller=PHONE,
        dial="roads",
        extension="201",
        rings_at=datetime.datetime.now(tz=datetime.UTC) - datetime.timedelta(seconds=30),
        outcome=outcome,
        ring_seconds=5,
        talk_seconds=60,
    )
    return call_events(call)


def test_the_operator_at_the_extension_sees_the_caller_and_takes_the_call(
    page, live_server, login, operator, kobe, pbx_token
):
    earlier = make_case(
        operator,
        title="前回の相談: 街灯",
        caller_name="日向 太郎",
        caller_phone=PHONE,
        caller_phone_digits="0783318181",
    )
    login(page, operator)
    page.get_by_label("内線番号").fill("201")
    page.get_by_role("button", name="設定する").click()
    expect(page.get_by_role("status")).to_contain_text("内線 201 の着信")
    banner = page.locator("#cti-pop")
    expect(banner).to_be_hidden()
    assert_accessible(page)
    page.evaluate("() => { window.notReloaded = true; }")

    ring, answered, hangup = simulated("sim-browser-1")
    assert post_event(live_server.url, pbx_token, ring)["ok"] is True

    expect(banner).to_be_visible()
    expect(banner).to_contain_text(PHONE)
    expect(banner).to_contain_text("道路・公園・河川・放置自転車ダイヤル")
    expect(banner).to_contain_text("前回の相談: 街灯")
    expect(banner).not_to_contain_text("日向")  # history shows no caller data
    assert page.evaluate("() => window.notReloaded") is True
    expect(page.locator("#cti-pop-announce")).to_contain_text(f"着信: {PHONE}")
    assert_accessible(page)

    post_event(live_server.url, pbx_token, answered)
    expect(banner).to_contain_text("応答")
    page.keyboard.press("Alt+j")

    expect(page.get_by_role("heading", level=1)).to_have_text("新規受付")
    expect(page.get_by_role("textbox", name="電話番号", exact=True)).to_have_value(PHONE)
    roads = Dial.objects.get(code="roads")
    expect(page.get_by_label("ダイヤル")).to_have_value(str(roads.pk))
    expect(page.locator("#phone-history")).to_contain_text("前回の相談: 街灯")
    assert "0783318181" not in page.url and "331" not in page.url
    assert_accessible(page)

    page.get_by_label("種別").select_option(label="道路の陥没・損傷")
    page.get_by_label("タイトル").fill("歩道の陥没")
    if page.locator("#id_address").is_visible():
        page.locator("#id_address").fill("中央区三宮町1丁目")
        page.locator("#id_ward").select_option(label="中央区")
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_role("status")).to_contain_text("を受け付けました")
    post_event(live_server.url, pbx_token, hangup)

    case = Case.objects.get(title="歩道の陥没")
    call = Call.objects.get(call_id="sim-browser-1")
    assert call.case == case and call.outcome == Call.Outcome.ANSWERED
    assert case.caller_phone == PHONE and case != earlier
    page.get_by_role("link", name="通話記録").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("通話記録")
    # The call's own day (it rang half a minute ago: maybe before midnight).
    page.goto(f"{live_server.url}/cti/calls/?day={timezone.localdate(call.started_at)}")
    expect(page.get_by_role("cell", name=f"{case.reference} 新規案件")).to_be_visible()
    assert_accessible(page)


def test_a_missed_call_from_a_known_number_waits_in_the_call_back_queue(
    page, live_server, login, operator, kobe, pbx_token
):
    for event in simulated("sim-browser-2", outcome="missed"):
        assert post_event(live_server.url, pbx_token, event)["ok"] is True
    login(page, operator)
    page.get_by_role("link", name="折り返し待ち").first.click()
    row = page.get_by_role("row").filter(has_text=PHONE)
    expect(row).to_contain_text("不在（応答なし）")
    assert_accessible(page)
    row.get_by_role("button", name="折り返し済みにする").click()
    expect(page.get_by_role("status")).to_contain_text("折り返しを記録しました")
    expect(page.get_by_role("row").filter(has_text=PHONE)).to_have_count(0)
    assert Call.objects.get(call_id="sim-browser-2").callback_done_by == operator


def test_a_call_transferred_while_its_intake_is_open_warns_and_still_links_the_case(
    page, live_server, login, operator, operator2, kobe, pbx_token
):
    Seat.objects.create(user=operator, extension="201")
    Seat.objects.create(user=operator2, extension="202")
    ring, answered, _hangup = simulated("sim-browser-3")
    for event in (ring, answered):
        assert post_event(live_server.url, pbx_token, event)["ok"] is True
    call = Call.objects.get(call_id="sim-browser-3")
    login(page, operator)
    page.goto(f"{live_server.url}{reverse('callcenter:case_create')}?call={call.public_id}")
    expect(page.get_by_role("textbox", name="電話番号", exact=True)).to_have_value(PHONE)
    notice = page.locator("#cti-transferred")
    expect(notice).to_be_hidden()

    transfer = {"event": "transferred", "call_id": "sim-browser-3", "extension": "202"}
    assert post_event(live_server.url, pbx_token, transfer)["ok"] is True
    expect(notice).to_be_visible()
    expect(notice).to_have_text(
        "この着信は受付の途中でほかのオペレーターに転送されました。"
        "保存すると、案件はこれまでどおりこの通話の記録に紐付きます。"
    )
    assert_accessible(page)

    page.get_by_label("種別").select_option(label="道路の陥没・損傷")
    page.get_by_label("タイトル").fill("転送された通話の受付")
    if page.locator("#id_address").is_visible():
        page.locator("#id_address").fill("中央区三宮町1丁目")
        page.locator("#id_ward").select_option(label="中央区")
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_role("status")).to_contain_text("を受け付けました")
    call.refresh_from_db()
    assert call.case == Case.objects.get(title="転送された通話の受付")
    assert call.operator == operator2


def test_the_transfer_notice_reads_in_english(page, live_server, login, operator, kobe, pbx_token):
    Seat.objects.create(user=operator, extension="201")
    ring, answered, _hangup = simulated("sim-browser-4")
    for event in (ring, answered):
        post_event(live_server.url, pbx_token, event)
    call = Call.objects.get(call_id="sim-browser-4")
    login(page, operator)
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}{reverse('callcenter:case_create')}?call={call.public_id}")
    notice = page.locator("#cti-transferred")
    expect(notice).to_be_hidden()
    post_event(
        live_server.url,
        pbx_token,
        {"event": "transferred", "call_id": "sim-browser-4", "extension": "202"},
    )
    expect(notice).to_have_text(
        "This call was transferred to another operator while this intake was open. "
        "Saving still links the case to the call in the journal."
    )
