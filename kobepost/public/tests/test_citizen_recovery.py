"""Password reset by mail and e-mail confirmation: links from the mail actually received
at a real SMTP server, expiring and single-use, no account enumeration, rate limited."""

import re
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from kobepost.public.auth import password_reset_tokens
from kobepost.public.models import Citizen
from kobepost.public.tests.fixtures import CITIZEN_PASSWORD, make_citizen
from kobepost.public.tests.test_citizen_accounts import registration

pytestmark = pytest.mark.services

NEW_PASSWORD = "harborland-umie-2027"


def link_in(message, path: str) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    [link] = re.findall(r"https?://\S+" + re.escape(path) + r"\S*", body)
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def reset(client: Client, link: str, password: str = NEW_PASSWORD):
    landing = client.get(link)
    if landing.status_code != 302:
        return landing
    return client.post(landing["Location"], {"new_password1": password, "new_password2": password})


def test_forgotten_password_is_reset_once_through_the_mailed_link(db, mailed):
    citizen = make_citizen()
    client = Client()
    assert "パスワードを忘れた方" in client.get("/public/login/").content.decode()
    with mailed() as inbox:
        response = client.post("/public/password/forgot/", {"email": "MINATO_TARO@example.jp"})
    assert response.status_code == 302
    [message] = inbox
    assert message["To"] == citizen.email
    assert "パスワードの再設定" in message["Subject"]
    assert "ID: minato_taro" in message.get_body().get_content()
    link = link_in(message, "/public/password/reset/")

    landing = client.get(link)
    assert landing.status_code == 302 and "set-password" in landing.url, "token leaves the URL"
    page = client.get(landing.url)
    assert "新しいパスワードの設定" in page.content.decode()
    short = client.post(landing.url, {"new_password1": "abc", "new_password2": "abc"})
    assert short.status_code == 400 and "短すぎます" in short.content.decode()
    done = client.post(landing.url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done.url == "/public/my/"
    citizen.refresh_from_db()
    assert citizen.check_password(NEW_PASSWORD) and not citizen.check_password(CITIZEN_PASSWORD)
    assert citizen.email_confirmed, "the reset mail reached the address: it is confirmed"

    again = reset(Client(), link, "another-password-2028")
    assert again.status_code == 400 and "このリンクは使えません" in again.content.decode()
    citizen.refresh_from_db()
    assert citizen.check_password(NEW_PASSWORD)


def test_reset_link_expires(db, mailed, settings, monkeypatch):
    make_citizen()
    with mailed() as inbox:
        Client().post("/public/password/forgot/", {"email": "minato_taro@example.jp"})
    link = link_in(inbox[0], "/public/password/reset/")
    later = datetime.now() + timedelta(seconds=settings.PUBLIC_PASSWORD_RESET_SECONDS + 60)
    monkeypatch.setattr(password_reset_tokens, "_now", lambda: later)
    response = reset(Client(), link)
    assert response.status_code == 400 and "有効期限" in response.content.decode()


def test_unknown_address_gets_the_same_answer_and_no_mail(db, mailed):
    make_citizen()
    with mailed() as inbox:
        unknown = Client().post("/public/password/forgot/", {"email": "nobody@example.jp"})
    assert inbox == []
    with mailed() as inbox:
        known = Client().post("/public/password/forgot/", {"email": "minato_taro@example.jp"})
    assert len(inbox) == 1
    assert unknown.status_code == known.status_code == 302 and unknown.url == known.url


def test_reset_requests_are_limited_per_address_but_typing_errors_are_not(db, mailed, settings):
    settings.PUBLIC_RATE_LIMITS = {
        **settings.PUBLIC_RATE_LIMITS,
        "account_mail_target": (1, 3600),
    }
    make_citizen()
    client = Client()
    for _ in range(5):
        bad = client.post("/public/password/forgot/", {"email": "not an address"})
        assert bad.status_code == 400
    with mailed() as inbox:
        client.post("/public/password/forgot/", {"email": "minato_taro@example.jp"})
        refused = client.post("/public/password/forgot/", {"email": "minato_taro@example.jp"})
    assert len(inbox) == 1
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "分後にもう一度お試しください" in refused.content.decode()


def test_registration_mails_a_confirmation_link_and_posting_is_allowed_before(db, mailed):
    client = Client()
    with mailed() as inbox:
        response = client.post("/public/register/", registration())
    assert response.status_code == 302
    citizen = Citizen.objects.get()
    assert not citizen.email_confirmed
    assert client.get("/public/post/").status_code == 200, "posting before confirmation"
    assert "まだ確認されていません" in client.get("/public/account/").content.decode()
    [message] = inbox
    assert message["To"] == "hanako@example.jp"
    link = link_in(message, "/public/email/confirm/")

    other_device = Client()
    page = other_device.get(link)
    assert page.status_code == 200 and "メールアドレスを確認する" in page.content.decode()
    citizen.refresh_from_db()
    assert not citizen.email_confirmed, "opening the link (a mail scanner) confirms nothing"
    assert other_device.post(link).status_code == 302
    citizen.refresh_from_db()
    assert citizen.email_confirmed
    assert "確認済み" in client.get("/public/account/").content.decode()
    assert other_device.post(link).status_code == 400, "single use"


def test_posting_can_require_a_confirmed_address(db, settings, citizen_client):
    settings.PUBLIC_POST_NEEDS_CONFIRMED_EMAIL = True
    citizen = make_citizen()
    client = citizen_client(citizen)
    response = client.get("/public/post/", follow=True)
    assert "先にメールアドレスを確認してください" in response.content.decode()
    citizen.email_confirmed_at = timezone.now()
    citizen.save()
    assert client.get("/public/post/").status_code == 200


def test_changed_address_takes_effect_only_once_confirmed(db, mailed, citizen_client):
    citizen = make_citizen(email_confirmed_at=timezone.now())
    client = citizen_client(citizen)
    details = {
        f"details-{key}": value
        for key, value in registration(email="new-minato@example.jp").items()
        if key not in {"login_id", "password1", "password2", "lives_or_works_in_kobe"}
    }
    with mailed() as inbox:
        response = client.post("/public/account/", {"action": "details", **details})
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.email == "minato_taro@example.jp"
    assert citizen.pending_email == "new-minato@example.jp"
    by_address = {message["To"]: message for message in inbox}
    assert set(by_address) == {"minato_taro@example.jp", "new-minato@example.jp"}
    assert "変更の申し込み" in by_address["minato_taro@example.jp"]["Subject"]

    # Until confirmed, a reset goes to the old address only.
    with mailed() as reset_inbox:
        Client().post("/public/password/forgot/", {"email": "new-minato@example.jp"})
    assert reset_inbox == []

    link = link_in(by_address["new-minato@example.jp"], "/public/email/confirm/")
    assert client.post(link).status_code == 302
    citizen.refresh_from_db()
    assert citizen.email == "new-minato@example.jp" and citizen.pending_email == ""


def test_tampered_links_are_refused(db, client):
    citizen = make_citizen()
    assert client.get("/public/password/reset/xx/1-abc/").status_code == 400
    assert client.get("/public/email/confirm/MQ/1-abc/").status_code == 400
    assert client.get("/public/password/reset/MQ/set-password/").status_code == 400
    assert citizen.check_password(CITIZEN_PASSWORD)
