"""Privacy council promise 8(1)ウ: staff pages only from the call center's and the city's
networks, per role, with X-Forwarded-For believed only from our own proxy."""

import ipaddress
import logging

import pytest
from django.test import Client, override_settings

from kobepost.audit.models import AuditAction, AuditEvent
from tests.fixtures import TEST_PASSWORD

VPN = "10.10.1.5"  # call center (internet VPN)
LGWAN = "172.20.3.4"  # city departments
ADMIN_NET = "10.99.0.7"
INTERNET = "203.0.113.9"
PROXY = "10.0.0.5"  # our nginx

NETWORKS = override_settings(
    CALLCENTER_NETWORKS=(ipaddress.ip_network("10.10.0.0/16"),),
    CITY_NETWORKS=(ipaddress.ip_network("172.20.0.0/16"),),
    ADMIN_NETWORKS=(ipaddress.ip_network("10.99.0.0/24"),),
    TRUSTED_PROXIES=(ipaddress.ip_network("10.0.0.5/32"),),
)

# role, URL, direct peer, X-Forwarded-For header, expected status
CASES = [
    ("operator", "/callcenter/", VPN, None, 200),
    ("operator", "/callcenter/", LGWAN, None, 403),
    ("operator", "/callcenter/", INTERNET, None, 403),
    ("operator", "/callcenter/", PROXY, VPN, 200),
    ("operator", "/callcenter/", PROXY, INTERNET, 403),
    ("operator", "/callcenter/", INTERNET, VPN, 403),  # forged header from outside
    ("operator", "/callcenter/", PROXY, f"{VPN}, {INTERNET}", 403),  # client-prepended hop
    ("operator", "/callcenter/", PROXY, "not-an-address", 403),
    ("supervisor", "/callcenter/", VPN, None, 200),
    ("supervisor", "/callcenter/", LGWAN, None, 403),
    ("department", "/departments/", LGWAN, None, 200),
    ("department", "/departments/", PROXY, LGWAN, 200),
    ("department", "/departments/", VPN, None, 403),
    ("department", "/departments/", INTERNET, LGWAN, 403),  # forged header from outside
    ("department", "/departments/", PROXY, INTERNET, 403),
    ("admin", "/admin/", ADMIN_NET, None, 200),
    ("admin", "/admin/", VPN, None, 403),
    ("admin", "/admin/", LGWAN, None, 403),
    ("admin", "/admin/", INTERNET, ADMIN_NET, 403),
    (None, "/login/", VPN, None, 200),
    (None, "/login/", LGWAN, None, 200),
    (None, "/login/", ADMIN_NET, None, 200),
    (None, "/login/", PROXY, LGWAN, 200),
    (None, "/login/", INTERNET, None, 403),
    (None, "/login/", INTERNET, VPN, 403),
    (None, "/login/", PROXY, INTERNET, 403),
]


@pytest.fixture
def users(operator, supervisor, staff_tobu, admin_user):
    return {
        "operator": operator,
        "supervisor": supervisor,
        "department": staff_tobu,
        "admin": admin_user,
    }


@NETWORKS
@pytest.mark.parametrize(("role", "url", "peer", "forwarded", "expected"), CASES)
def test_role_network_table(users, role, url, peer, forwarded, expected):
    client = Client()
    if role:
        client.force_login(users[role])
    headers = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    response = client.get(url, **headers)
    assert response.status_code == expected
    if expected == 403:
        assert "このネットワークからは利用できません" in response.content.decode()


@NETWORKS
def test_refusal_is_logged_with_address_and_role(operator, caplog):
    client = Client()
    client.force_login(operator)
    with caplog.at_level(logging.WARNING, logger="kobepost.security"):
        client.get("/callcenter/", REMOTE_ADDR=INTERNET)
    assert any(
        "network refused" in r.message and INTERNET in r.message and "operator" in r.message
        for r in caplog.records
    )


@NETWORKS
def test_login_post_from_outside_is_refused_before_checking_password(operator):
    response = Client().post(
        "/login/",
        {"username": operator.username, "password": "whatever"},
        REMOTE_ADDR=INTERNET,
    )
    assert response.status_code == 403


@NETWORKS
def test_citizen_prefix_is_outside_the_staff_allowlist(db):
    response = Client().get("/public/", REMOTE_ADDR=INTERNET)
    assert response.status_code != 403


@NETWORKS
@pytest.mark.parametrize(
    ("role", "address", "network"),
    [
        ("operator", LGWAN, "コールセンターの VPN"),
        ("department", VPN, "神戸市の LGWAN"),
        ("admin", VPN, "管理用のネットワーク"),
    ],
)
def test_right_password_from_the_wrong_network_for_the_role_is_refused_at_the_login(
    users, role, address, network
):
    user = users[role]
    client = Client()
    response = client.post(
        "/login/", {"username": user.username, "password": TEST_PASSWORD}, REMOTE_ADDR=address
    )

    assert response.status_code == 403
    page = response.content.decode()
    assert "このネットワーク（接続元アドレス" in page and address in page and network in page
    assert user.username in page, "the typed ID is kept in the form"
    assert "_auth_user_id" not in client.session
    refused = AuditEvent.objects.get(user=user)
    assert refused.action == AuditAction.NETWORK_REFUSED
    assert refused.address == address
    assert "login" in refused.detail
