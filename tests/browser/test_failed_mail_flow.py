"""A supervisor notices failed notification mail in the menu, opens the case, and resends
every failed mail of a corrected address at once."""

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from kobepost.notifications.models import Notification
from tests.browser.conftest import assert_accessible
from tickets.tests.factories import make_case

pytestmark = pytest.mark.browser


def test_supervisor_sees_failed_mail_and_resends_it_to_the_corrected_address(
    page, live_server, login, supervisor, operator, kobe
):
    tobu = kobe["kensetsu-tobu"]
    case = make_case(operator)
    Notification.objects.filter(case=case).delete()  # its own mail, sent already
    for number in range(3):
        Notification.objects.create(
            event_key=f"case:{case.pk}:created:{number}",
            kind=Notification.Kind.NEW_CASE,
            recipient="road-typo@tobu.example",
            audience=Notification.Audience.DEPARTMENT,
            audience_id=tobu.pk,
            case=case,
            subject=f"【KOBE ぽすと】新しい案件 {case.reference}",
            body="本文\n",
            status=Notification.Status.FAILED,
            attempts=1,
            problem=Notification.Problem.MAILBOX,
            last_error="SMTPRecipientsRefused: 550 5.1.1 No such mailbox",
            next_attempt_at=timezone.now(),
        )
    tobu.notification_emails = "road@tobu.example"  # the administrator corrected it
    tobu.save()

    login(page, supervisor)
    menu_link = page.get_by_role("link", name="送信失敗メール 3 件の送信失敗")
    expect(menu_link).to_be_visible()
    menu_link.click()
    expect(page.get_by_role("heading", name="送信できなかった通知メール", level=1)).to_be_visible()
    expect(page.get_by_role("link", name=case.reference).first).to_be_visible()
    expect(
        page.get_by_text("宛先のメールアドレスがないか、受け取りを拒否されました。").first
    ).to_be_visible()
    assert_accessible(page)

    page.get_by_label("宛先").select_option("road-typo@tobu.example")
    page.get_by_role("button", name="絞り込む").click()
    page.get_by_role("button", name="表示中の条件の 3 件をまとめて再送信").click()
    expect(
        page.get_by_text("3 件の通知メールを再送信します（うち宛先を変えたもの 3 件）。")
    ).to_be_visible()
    expect(page.get_by_text("送信できなかった通知メールはありません。")).to_be_visible()
    assert_accessible(page)
    resent = [m.to for m in mail.outbox if m.subject.endswith(case.reference)]
    assert resent == [["road@tobu.example"]] * 3
