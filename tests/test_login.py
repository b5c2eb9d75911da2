"""Login with ID and password, lockout by username (django-axes), previous-login notice."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client, override_settings

from tests.fixtures import TEST_PASSWORD

SHARED_VPN_EXIT = "127.0.0.5"  # inside the default (loopback) networks


def attempt(user_or_name, password, address=SHARED_VPN_EXIT):
    username = getattr(user_or_name, "username", user_or_name)
    return Client().post(
        "/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_login_page_is_japanese(db):
    response = Client().get("/login/")
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ja">' in body
    assert "ID とパスワードを入力してください" in body


def test_wrong_password_is_refused_in_japanese_and_keeps_the_id(operator):
    response = attempt(operator, "wrong-password")
    body = response.content.decode()
    assert response.status_code == 400
    assert "ID またはパスワードが正しくありません" in body
    assert f'value="{operator.username}"' in body


def test_login_redirects_by_role(operator, staff_tobu, admin_user):
    assert attempt(operator, TEST_PASSWORD)["Location"] == "/"
    client = Client()
    client.force_login(operator)
    assert client.get("/")["Location"] == "/callcenter/"
    client.force_login(staff_tobu)
    assert client.get("/")["Location"] == "/departments/"
    client.force_login(admin_user)
    assert client.get("/")["Location"] == "/admin/"


def test_login_refuses_unsafe_next(operator):
    response = Client().post(
        "/login/",
        {"username": operator.username, "password": TEST_PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


@override_settings(AXES_FAILURE_LIMIT=5)
def test_lockout_is_per_username_not_per_shared_address(operator, operator2):
    for _ in range(5):
        assert attempt(operator, "wrong-password").status_code in (400, 429)
    locked = attempt(operator, TEST_PASSWORD)
    assert locked.status_code == 429
    assert "ログインを一時停止しています" in locked.content.decode()
    assert AccessAttempt.objects.filter(username=operator.username).exists()
    # A colleague behind the same VPN exit address is not affected.
    colleague = attempt(operator2, TEST_PASSWORD)
    assert colleague.status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3)
def test_four_failures_below_limit_do_not_lock(operator):
    for _ in range(2):
        attempt(operator, "wrong-password")
    assert attempt(operator, TEST_PASSWORD).status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3, AXES_COOLOFF_TIME=timedelta(minutes=15))
def test_lockout_ends_after_cool_off(operator):
    start = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as traveller:
        for _ in range(3):
            attempt(operator, "wrong-password")
        assert attempt(operator, TEST_PASSWORD).status_code == 429
        traveller.shift(timedelta(minutes=14))
        assert attempt(operator, TEST_PASSWORD).status_code == 429
        traveller.shift(timedelta(minutes=16))
        assert attempt(operator, TEST_PASSWORD).status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3)
def test_admin_can_unlock_in_the_admin(operator, admin_user):
    for _ in range(3):
        attempt(operator, "wrong-password")
    assert attempt(operator, TEST_PASSWORD).status_code == 429
    admin = Client()
    admin.force_login(admin_user)
    response = admin.post(
        "/admin/kobepost/user/",
        {"action": "unlock_login", "_selected_action": [operator.pk]},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=operator.username).exists()
    assert attempt(operator, TEST_PASSWORD).status_code == 302


def test_previous_login_time_is_shown_after_login(operator):
    first = datetime(2026, 11, 25, 0, 30, tzinfo=UTC)  # 09:30 in Kobe
    with time_machine.travel(first, tick=False):
        Client().post("/login/", {"username": operator.username, "password": TEST_PASSWORD})
    with time_machine.travel(first + timedelta(days=1), tick=False):
        client = Client()
        client.post("/login/", {"username": operator.username, "password": TEST_PASSWORD})
        page = client.get("/callcenter/").content.decode()
    assert "前回のログイン: 2026年11月25日 09:30" in page


def test_first_login_says_so(operator):
    client = Client()
    client.post("/login/", {"username": operator.username, "password": TEST_PASSWORD})
    assert "初めてのログインです" in client.get("/callcenter/").content.decode()


def test_logout_needs_post(operator):
    client = Client()
    client.force_login(operator)
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response["Location"] == "/login/"
    assert client.get("/callcenter/").status_code == 302


@pytest.mark.parametrize(
    ("role_fixture", "url", "expected"),
    [
        ("operator", "/departments/", 403),
        ("staff_tobu", "/callcenter/", 403),
        ("operator", "/admin/", 302),
        ("staff_tobu", "/admin/", 302),
    ],
)
def test_wrong_role_is_refused(request, role_fixture, url, expected):
    client = Client()
    client.force_login(request.getfixturevalue(role_fixture))
    response = client.get(url)
    assert response.status_code == expected
    if expected == 403:
        assert "この操作は許可されていません" in response.content.decode()
