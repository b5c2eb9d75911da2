"""A crafted "next" never sends anyone off the site, on every page that follows one.

Every login and redirect path reads ``next`` through the one helper
(``kobepost.lib.links.safe_next_url``); each is tried here with addresses that leave the site
(another host, a scheme-relative or backslash path, javascript:, control characters a browser
strips) and with a path of the site, which must still be followed.
"""

import datetime

import pytest
import time_machine
from django.test import Client, RequestFactory
from django.utils.html import escape
from django_otp.plugins.otp_totp.models import TOTPDevice

from departments.models import Department
from faq.models import FaqEntry
from kobepost.accounts.tests.test_two_factor import code_for
from kobepost.lib.links import safe_next_url
from kobepost.public.tests.fixtures import CITIZEN_PASSWORD, make_citizen
from tests.fixtures import TEST_PASSWORD
from tickets.models import Dial

CRAFTED = [
    "//evil.example/",
    "https://evil.example/",
    "http://evil.example/callcenter/",
    "javascript:alert(1)",
    "/\\evil.example/",
    "/\t/evil.example/",  # browsers drop the tab: //evil.example/
    "http://testserver/callcenter/",  # this site, but absolute and over plain HTTP
    "home",  # a bare word: redirect() would take it for a view name
]


def put_back(page, crafted: str) -> bool:
    """Whether the page's form would post ``crafted`` back as its next."""
    return f'name="next" value="{escape(crafted)}"' in page.content.decode()


@pytest.mark.parametrize("crafted", CRAFTED)
@pytest.mark.parametrize("secure", [False, True])
def test_the_helper_refuses_crafted_addresses(crafted, secure):
    request = RequestFactory().get("/login/", {"next": crafted}, secure=secure)
    assert safe_next_url(request) is None


@pytest.mark.parametrize("secure", [False, True])
def test_the_helper_follows_a_path_of_the_site(secure):
    request = RequestFactory().post("/login/", {"next": "/callcenter/cases/"}, secure=secure)
    assert safe_next_url(request) == "/callcenter/cases/"
    assert safe_next_url(request, within="/public/") is None


@pytest.mark.parametrize("crafted", CRAFTED)
def test_staff_login(operator, crafted):
    client = Client()
    assert not put_back(client.get("/login/", {"next": crafted}), crafted)
    response = client.post(
        "/login/", {"username": operator.username, "password": TEST_PASSWORD, "next": crafted}
    )
    assert response["Location"] == "/"
    # Already signed in, the login page sends on: home, not the crafted address.
    assert client.get("/login/", {"next": crafted})["Location"] == "/"


def test_staff_login_follows_a_path_of_the_site(operator):
    assert put_back(Client().get("/login/", {"next": "/faq/"}), "/faq/")
    response = Client().post(
        "/login/",
        {"username": operator.username, "password": TEST_PASSWORD, "next": "/faq/"},
    )
    assert response["Location"] == "/faq/"


@pytest.mark.parametrize("crafted", CRAFTED)
def test_admin_login_address(db, crafted):
    response = Client().get("/admin/login/", {"next": crafted})
    assert response["Location"] == "/login/?next=%2Fadmin%2F"


@pytest.mark.parametrize("crafted", CRAFTED)
def test_two_factor_pages(operator, crafted):
    with time_machine.travel(datetime.datetime(2026, 11, 26, 0, 0, tzinfo=datetime.UTC)):
        device = TOTPDevice.objects.create(user=operator, name="app", confirmed=True)
        client = Client()
        client.post("/login/", {"username": operator.username, "password": TEST_PASSWORD})
        assert not put_back(client.get("/two-factor/verify/", {"next": crafted}), crafted)
        response = client.post(
            f"/two-factor/verify/?next={crafted}", {"token": code_for(device), "next": crafted}
        )
        assert response["Location"] == "/"
        # Verified: the setup page (replacing the device) does not echo it either.
        assert not put_back(client.get("/two-factor/setup/", {"next": crafted}), crafted)


@pytest.mark.parametrize("crafted", [*CRAFTED, "/callcenter/"])
def test_citizen_login_stays_on_the_public_side(client, db, crafted):
    citizen = make_citizen()
    assert not put_back(client.get("/public/login/", {"next": crafted}), crafted)
    response = client.post(
        "/public/login/",
        {"login_id": citizen.login_id, "password": CITIZEN_PASSWORD, "next": crafted},
    )
    assert response["Location"] == "/public/my/"
    assert client.get("/public/login/", {"next": crafted})["Location"] == "/public/my/"


@pytest.mark.parametrize("crafted", CRAFTED)
def test_faq_answered_and_reviewed(login_client, operator, supervisor, crafted):
    entry = FaqEntry.objects.create(
        question="粗大ごみの出し方",
        answer="申し込みが必要です。",
        dial=Dial.objects.get(code="roads"),
        department=Department.objects.get(code="kensetsu-tobu"),
        status=FaqEntry.Status.PUBLISHED,
    )
    answered = login_client(operator).post(f"/faq/{entry.pk}/answered/", {"next": crafted})
    assert answered["Location"] == "/faq/"
    reviewed = login_client(supervisor).post(f"/faq/{entry.pk}/reviewed/", {"next": crafted})
    assert reviewed["Location"] == f"/faq/{entry.pk}/"


@pytest.mark.parametrize("crafted", CRAFTED)
def test_cti_seat(login_client, operator, crafted):
    response = login_client(operator).post("/cti/seat/", {"extension": "", "next": crafted})
    assert response["Location"] == "/callcenter/"
