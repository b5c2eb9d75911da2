"""Privacy council promise 8(1)キ: an unattended session ends; the next request logs in again."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from tests.fixtures import TEST_PASSWORD

START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
BACKGROUND = {"HTTP_X_KOBEPOST_BACKGROUND": "1"}


def signed_in(user, traveller) -> Client:
    client = Client()
    response = client.post("/login/", {"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 302
    return client


@pytest.mark.parametrize(("idle_minutes", "still_in"), [(29, True), (31, False)])
def test_idle_limit(operator, idle_minutes, still_in):
    with time_machine.travel(START, tick=False) as traveller:
        client = signed_in(operator, traveller)
        traveller.shift(timedelta(minutes=idle_minutes))
        response = client.get("/callcenter/?tab=today")
    if still_in:
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response["Location"] == "/login/?next=%2Fcallcenter%2F%3Ftab%3Dtoday"


def test_activity_keeps_the_session_alive(operator):
    with time_machine.travel(START, tick=False) as traveller:
        client = signed_in(operator, traveller)
        for _ in range(4):
            traveller.shift(timedelta(minutes=20))
            assert client.get("/callcenter/").status_code == 200


def test_background_polling_does_not_extend_the_session(operator):
    with time_machine.travel(START, tick=False) as traveller:
        client = signed_in(operator, traveller)
        for _ in range(3):
            traveller.shift(timedelta(minutes=10))
            status = client.get("/session/status/", **BACKGROUND)
            assert status.status_code == 200
        assert status.json()["idle_remaining"] == 0
        traveller.shift(timedelta(minutes=1, seconds=1))
        polled = client.get("/session/status/", **BACKGROUND)
        assert polled.status_code == 401
        assert client.get("/callcenter/").status_code == 302


def test_status_reports_remaining_idle_time(operator):
    with time_machine.travel(START, tick=False) as traveller:
        client = signed_in(operator, traveller)
        traveller.shift(timedelta(minutes=28))
        data = client.get("/session/status/", **BACKGROUND).json()
    assert data["idle_remaining"] == 120


def test_stay_logged_in_button_counts_as_activity(operator):
    with time_machine.travel(START, tick=False) as traveller:
        client = signed_in(operator, traveller)
        traveller.shift(timedelta(minutes=28, seconds=30))
        keepalive = client.post("/session/keepalive/")
        assert keepalive.status_code == 200
        assert keepalive.json()["idle_remaining"] == 30 * 60
        traveller.shift(timedelta(minutes=25))
        assert client.get("/callcenter/").status_code == 200


def test_keepalive_refuses_get(operator):
    client = Client()
    client.force_login(operator)
    assert client.get("/session/keepalive/").status_code == 405


def test_absolute_lifetime_ends_even_an_active_session(operator):
    with time_machine.travel(START, tick=False) as traveller:
        client = signed_in(operator, traveller)
        for _ in range(12 * 3 - 1):
            traveller.shift(timedelta(minutes=20))
            assert client.get("/callcenter/").status_code == 200
        traveller.shift(timedelta(minutes=21))
        response = client.get("/callcenter/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_after_idle_logout_login_returns_to_the_page(operator):
    with time_machine.travel(START, tick=False) as traveller:
        client = signed_in(operator, traveller)
        traveller.shift(timedelta(minutes=31))
        first = client.get("/callcenter/")
        login_page = client.get(first["Location"])
        assert "一定時間操作がなかったため" in login_page.content.decode()
        back = client.post(
            first["Location"],
            {"username": operator.username, "password": TEST_PASSWORD, "next": "/callcenter/"},
        )
    assert back.status_code == 302
    assert back["Location"] == "/callcenter/"


def test_a_query_count_is_the_pages_own_when_the_activity_write_falls_due(
    login_client, operator, django_assert_num_queries
):
    """On a busy machine a measured request may come ACTIVITY_WRITE_INTERVAL seconds after
    the last one: the session's activity write is not the page's query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kobepost.middleware import ACTIVITY_WRITE_INTERVAL, SESSION_LAST_ACTIVITY

    with time_machine.travel(START, tick=False) as traveller:
        client = login_client(operator)
        client.get("/callcenter/")  # caches as a second visit finds them
        with CaptureQueriesContext(connection) as steady:
            client.get("/callcenter/")
        traveller.shift(timedelta(seconds=ACTIVITY_WRITE_INTERVAL + 1))
        with django_assert_num_queries(len(steady.captured_queries)):
            client.get("/callcenter/")
        # Outside the measured block the write is still made when due.
        client.get("/callcenter/")
        assert (
            client.session[SESSION_LAST_ACTIVITY]
            == (START + timedelta(seconds=ACTIVITY_WRITE_INTERVAL + 1)).timestamp()
        )


def test_the_first_request_of_a_session_still_counts_its_activity_write(
    operator, django_assert_num_queries
):
    """What the measured block leaves out is only the write that the clock makes due; a
    session without an activity time writes it on every run, and that query is counted."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settled = Client()
    settled.force_login(operator)
    settled.get("/callcenter/")
    settled.get("/callcenter/")
    with CaptureQueriesContext(connection) as steady:
        settled.get("/callcenter/")
    fresh = Client()
    fresh.force_login(operator)
    with CaptureQueriesContext(connection) as first:
        fresh.get("/callcenter/")
    assert len(first.captured_queries) > len(steady.captured_queries)
    other = Client()
    other.force_login(operator)
    with django_assert_num_queries(len(first.captured_queries)):
        other.get("/callcenter/")
