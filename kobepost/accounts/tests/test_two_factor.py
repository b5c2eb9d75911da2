"""Optional second factor (TOTP): enrolment with a server-rendered QR code, verification
after the password, per-role requirement set in the admin, wrong codes refused."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from kobepost.accounts.models import TwoFactorRequirement
from kobepost.audit.models import AuditAction, AuditEvent
from tests.fixtures import TEST_PASSWORD

START = datetime(2026, 11, 26, 0, 0, tzinfo=UTC)


def code_for(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def password_login(user) -> Client:
    client = Client()
    response = client.post("/login/", {"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 302
    return client


def enrol(user) -> TOTPDevice:
    client = password_login(user)
    assert client.get("/two-factor/setup/").status_code == 200
    device = TOTPDevice.objects.get(user=user)
    response = client.post("/two-factor/setup/", {"token": code_for(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    return device


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def test_enrolment_shows_a_qr_code_and_confirms_with_a_code(operator):
    client = password_login(operator)
    page = client.get("/two-factor/setup/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "2段階認証の設定" in body
    assert '<img src="data:image/svg+xml' in body
    device = TOTPDevice.objects.get(user=operator)
    assert not device.confirmed
    response = client.post("/two-factor/setup/", {"token": code_for(device), "next": "/"})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(action=AuditAction.TWO_FACTOR_ENROLLED, user=operator)
    # Enrolment itself counts as verified: the person is not asked again right away.
    assert client.get("/callcenter/").status_code == 200


def test_wrong_code_at_enrolment_is_refused_in_japanese(operator):
    client = password_login(operator)
    client.get("/two-factor/setup/")
    response = client.post("/two-factor/setup/", {"token": "000000"})
    assert response.status_code == 400
    assert "確認コードが正しくありません" in response.content.decode()
    assert not TOTPDevice.objects.get(user=operator).confirmed
    malformed = client.post("/two-factor/setup/", {"token": "12ab"})
    assert "確認コードは6桁の数字で入力してください" in malformed.content.decode()


def test_after_enrolment_every_login_asks_for_a_code(operator, frozen_clock):
    device = enrol(operator)
    frozen_clock.shift(timedelta(seconds=60))
    client = password_login(operator)
    response = client.get("/callcenter/")
    assert response.status_code == 302
    assert response["Location"] == "/two-factor/verify/?next=%2Fcallcenter%2F"
    wrong = client.post("/two-factor/verify/", {"token": "000000", "next": "/callcenter/"})
    assert wrong.status_code == 400
    assert "確認コードが正しくありません" in wrong.content.decode()
    assert client.get("/callcenter/").status_code == 302
    # django-otp slows down guessing: right after a failure even the right code waits.
    throttled = client.post("/two-factor/verify/", {"token": code_for(device)})
    assert "しばらく待ってから" in throttled.content.decode()
    frozen_clock.shift(timedelta(seconds=31))
    right = client.post("/two-factor/verify/", {"token": code_for(device), "next": "/callcenter/"})
    assert right["Location"] == "/callcenter/"
    assert client.get("/callcenter/").status_code == 200
    actions = set(AuditEvent.objects.filter(user=operator).values_list("action", flat=True))
    assert {AuditAction.TWO_FACTOR_FAILED, AuditAction.TWO_FACTOR_VERIFIED} <= actions


def test_a_code_cannot_be_replayed(operator, frozen_clock):
    device = enrol(operator)
    frozen_clock.shift(timedelta(seconds=60))
    code = code_for(device)
    first = password_login(operator)
    assert first.post("/two-factor/verify/", {"token": code})["Location"] == "/"
    second = password_login(operator)
    assert second.post("/two-factor/verify/", {"token": code}).status_code == 400


def test_required_role_must_enrol_before_using_the_tool(supervisor, operator):
    TwoFactorRequirement.objects.create(role="supervisor")
    client = password_login(supervisor)
    response = client.get("/callcenter/")
    assert response.status_code == 302
    assert response["Location"].startswith("/two-factor/setup/")
    assert client.get("/two-factor/setup/").status_code == 200
    # Other roles are not affected.
    assert password_login(operator).get("/callcenter/").status_code == 200


def test_without_requirement_or_device_nothing_is_asked(operator, django_assert_max_num_queries):
    client = password_login(operator)
    assert client.get("/callcenter/").status_code == 200
    with django_assert_max_num_queries(2):  # the decision is kept in the session
        assert client.get("/session/status/").status_code == 200


def test_replacing_a_device_needs_the_current_code_first(operator, frozen_clock):
    enrol(operator)
    frozen_clock.shift(timedelta(seconds=60))
    client = password_login(operator)
    response = client.get("/two-factor/setup/")
    assert response.status_code == 302
    assert response["Location"].startswith("/two-factor/verify/")


def test_two_factor_pages_refuse_other_methods_and_anonymous(operator):
    client = password_login(operator)
    assert client.put("/two-factor/setup/").status_code == 405
    assert client.delete("/two-factor/verify/").status_code == 405
    assert Client().get("/two-factor/setup/")["Location"].startswith("/login/")
