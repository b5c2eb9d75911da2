"""Passwords: long passphrases are welcome, common or short ones are refused in Japanese,
on the staff page /password/ and in the admin's own password change."""

import pytest
from django.test import Client

from kobepost.audit.models import AuditAction, AuditEvent
from tests.fixtures import TEST_PASSWORD

LONG_PASSPHRASE = "須磨の海を眺めながら毎朝六時に起きて珈琲を淹れる-" + "x" * 48  # 72 chars


@pytest.fixture
def operator_client(operator, login_client):
    return login_client(operator)


def change(client, new1, new2=None, old=TEST_PASSWORD, url="/password/"):
    return client.post(
        url, {"old_password": old, "new_password1": new1, "new_password2": new2 or new1}
    )


def test_password_page_is_japanese_and_linked_from_the_menu(operator_client):
    response = operator_client.get("/password/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "パスワードの変更" in body
    assert "現在のパスワード" in body
    assert 'href="/password/"' in operator_client.get("/callcenter/").content.decode()


def test_long_passphrase_is_accepted_and_the_session_survives(operator_client, operator):
    assert len(LONG_PASSPHRASE) > 64
    response = change(operator_client, LONG_PASSPHRASE)
    assert response.status_code == 302
    assert response["Location"] == "/password/"
    assert "パスワードを変更しました" in operator_client.get("/password/").content.decode()
    operator.refresh_from_db()
    assert operator.check_password(LONG_PASSPHRASE)
    assert operator_client.get("/callcenter/").status_code == 200  # still signed in
    event = AuditEvent.objects.get(action=AuditAction.PASSWORD_CHANGED)
    assert event.user == operator


@pytest.mark.parametrize(
    ("new_password", "message"),
    [
        ("password123", "このパスワードは一般的すぎます。"),
        ("short-pw", "このパスワードは短すぎます。最低 10 文字以上必要です。"),
        ("20261126093000", "このパスワードは数字しか使われていません。"),
        ("op_yamada2026", "このパスワードは ユーザー名 と似すぎています。"),
    ],
)
def test_weak_passwords_are_refused_in_japanese(operator_client, operator, new_password, message):
    response = change(operator_client, new_password)
    assert response.status_code == 400
    assert message in response.content.decode()
    operator.refresh_from_db()
    assert operator.check_password(TEST_PASSWORD)
    assert not AuditEvent.objects.filter(action=AuditAction.PASSWORD_CHANGED).exists()


def test_wrong_current_password_is_refused(operator_client, operator):
    response = change(operator_client, LONG_PASSPHRASE, old="not-my-password")
    assert response.status_code == 400
    assert "元のパスワードが間違っています" in response.content.decode()
    operator.refresh_from_db()
    assert operator.check_password(TEST_PASSWORD)


def test_mismatched_confirmation_is_refused(operator_client):
    response = change(operator_client, LONG_PASSPHRASE, LONG_PASSPHRASE + "!")
    assert response.status_code == 400
    assert "確認用パスワードが一致しません" in response.content.decode()


def test_password_page_refuses_other_methods_and_anonymous(operator_client):
    assert operator_client.put("/password/").status_code == 405
    response = Client().get("/password/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_admin_password_change_is_japanese_too(admin_user, login_client):
    client = login_client(admin_user)
    url = "/admin/password_change/"
    refused = change(client, "password123", url=url)
    assert refused.status_code == 200
    assert "このパスワードは一般的すぎます。" in refused.content.decode()
    accepted = change(client, LONG_PASSPHRASE, url=url)
    assert accepted.status_code == 302
    admin_user.refresh_from_db()
    assert admin_user.check_password(LONG_PASSPHRASE)
