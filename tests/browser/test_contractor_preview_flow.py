"""A department asks a contractor: it reads the mail as it will go out, goes back to edit
without losing what it typed, and confirms. The caller's name and number never go out."""

import re

from django.core import mail
from playwright.sync_api import expect

from departments.models import Contractor
from departments.tests.outside_mail import make_leaky_road_case
from tests.browser.conftest import assert_accessible
from tickets.models import CaseEvent


def test_contractor_mail_is_previewed_edited_and_confirmed(
    page, live_server, login, operator, staff_tobu
):
    case = make_leaky_road_case(operator)
    contractor = Contractor.objects.get(name="神戸道路補修株式会社")
    mail.outbox.clear()

    login(page, staff_tobu)
    page.goto(f"{live_server.url}/departments/cases/{case.pk}/")
    page.get_by_text("業者へ依頼", exact=True).click()
    page.get_by_label("依頼する業者").select_option(label=contractor.name)
    page.get_by_label("業者への連絡事項").fill("通報者 山田 ０７８－１２３－４５６７ から連絡あり")
    page.get_by_role("button", name="送信内容を確認する").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("送信内容の確認")
    body = page.locator(".mail-preview__body")
    expect(body).to_contain_text("通報者 〔削除: 氏名〕 〔削除: 電話番号〕 から連絡あり")
    expect(body).to_contain_text("東灘区本山北町3丁目 〔削除: 氏名〕様方前")
    expect(body).to_contain_text("〔削除: 氏名〕さん宅前 〔削除: 電話番号〕 道路に穴")
    expect(body.locator("mark.removed").first).to_be_visible()
    expect(body).not_to_contain_text("山田")
    expect(body).not_to_contain_text("4567")
    expect(page.locator(".message--warning")).to_contain_text("か所削除しました")
    assert_accessible(page)
    assert mail.outbox == []

    # Back to the case page: the contractor and the note are as typed; edit and look again.
    page.get_by_role("button", name="戻って修正する").click()
    note = page.get_by_label("業者への連絡事項")
    expect(note).to_have_value("通報者 山田 ０７８－１２３－４５６７ から連絡あり")
    expect(page.get_by_label("依頼する業者")).to_have_value(str(contractor.pk))
    note.fill("夜間の作業をお願いします")
    page.get_by_role("button", name="送信内容を確認する").click()
    expect(body).to_contain_text("夜間の作業をお願いします")
    shown = body.inner_text()

    page.get_by_role("button", name="この内容で送信する").click()
    expect(page.get_by_role("status")).to_contain_text("業者に依頼のメールを送りました")
    expect(page).to_have_url(re.compile(rf"/departments/cases/{case.pk}/$"))
    [message] = mail.outbox
    assert message.to == [contractor.email]
    assert message.body.strip() == shown.strip()
    assert "山田" not in message.body and "4567" not in message.body
    assert case.events.filter(kind=CaseEvent.Kind.CONTRACTOR).count() == 1
