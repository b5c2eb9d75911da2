"""Structured logs (issue 22, kobepost/lib/logs.py): one JSON object per line, Japan time with its
offset, the request id in the application's lines and in the Celery task a request queued.

The whole chain through nginx and gunicorn is checked by the stack smoke test
(deploy/smoke/drive.py, "logs: ...").
"""

import contextlib
import io
import ipaddress
import json
import logging
import re
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import path

from kobepost.lib.logs import LOG_TIME_ZONE, ContextFilter, JsonLineFormatter, TextLineFormatter
from kobepost.middleware import RequestIdMiddleware
from tests.services import wait_until
from tests.test_notification_delivery import queue

JAPAN_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+09:00$")
NGINX_ID = "0123456789abcdef0123456789abcdef"
OUTSIDE = "203.0.113.9"
ONLY_LOOPBACK = override_settings(
    CALLCENTER_NETWORKS=(ipaddress.ip_network("127.0.0.0/8"),),
    CITY_NETWORKS=(ipaddress.ip_network("127.0.0.0/8"),),
    ADMIN_NETWORKS=(ipaddress.ip_network("127.0.0.0/8"),),
)


@contextlib.contextmanager
def log_lines(formatter: logging.Formatter | None = None) -> Iterator[io.StringIO]:
    """What the root logger writes meanwhile, formatted as in production."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter or JsonLineFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


def records(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_the_log_time_zone_is_the_settings_time_zone():
    assert str(LOG_TIME_ZONE) == settings.TIME_ZONE


@ONLY_LOOPBACK
def test_a_requests_lines_are_json_with_its_id_and_the_response_names_the_id(db):
    with log_lines() as stream:
        response = Client().get("/login/", REMOTE_ADDR=OUTSIDE, HTTP_X_REQUEST_ID=NGINX_ID)
    assert response.status_code == 403
    assert response["X-Request-ID"] == NGINX_ID
    lines = records(stream)
    refused = [line for line in lines if line["logger"] == "kobepost.security"]
    assert refused and refused[0]["level"] == "WARNING"
    assert "network refused" in refused[0]["message"]
    assert all(line["request_id"] == NGINX_ID for line in lines)
    assert all(JAPAN_TIME.match(line["time"]) for line in lines)


@ONLY_LOOPBACK
@pytest.mark.parametrize("sent", [None, "not an id; rm -rf /", "x" * 200, "short"])
def test_a_request_without_a_usable_id_gets_a_new_one(db, sent):
    headers = {"HTTP_X_REQUEST_ID": sent} if sent is not None else {}
    with log_lines() as stream:
        response = Client().get("/login/", REMOTE_ADDR=OUTSIDE, **headers)
    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert request_id != sent
    assert {line["request_id"] for line in records(stream)} == {request_id}


def test_lines_outside_a_request_have_no_request_id_and_text_lines_read_the_same():
    with log_lines() as stream:
        logging.getLogger("kobepost.test").info("hello %s", "world", extra={"case_id": 7})
    [line] = records(stream)
    assert line["message"] == "hello world" and line["case_id"] == 7
    assert "request_id" not in line and "task_id" not in line
    with log_lines(TextLineFormatter()) as stream:
        logging.getLogger("kobepost.test").warning("plain")
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+09:00 WARNING kobepost.test \[-\] plain\n",
        stream.getvalue(),
    )


@pytest.mark.services
def test_a_task_queued_by_a_request_logs_with_that_requests_id(celery_worker, smtp_server):
    queued = []

    def view(request):
        queued.extend(queue(900, ["logs@tobu.example"]))
        return HttpResponse("ok")

    RequestIdMiddleware(view)(RequestFactory().get("/", HTTP_X_REQUEST_ID=NGINX_ID))
    [notification] = queued

    def sent_line() -> dict | None:
        for text in celery_worker.log_since_start().splitlines():
            with contextlib.suppress(ValueError):
                line = json.loads(text)
                if line.get("notification_id") == notification.pk:
                    return line
        return None

    line = wait_until(sent_line, what="the worker's line for the notification")
    assert line["message"] == f"notification {notification.pk} sent"
    assert line["request_id"] == NGINX_ID
    assert re.fullmatch(r"[0-9a-f-]{36}", line["task_id"])
    assert JAPAN_TIME.match(line["time"])


@login_not_required
def broken_view(request):
    raise RuntimeError("a bug in a view")


# The application's error handler with a view that fails (the test's own URLs).
urlpatterns = [
    path("broken/", broken_view),
    path("public/open311/v2/broken.json", broken_view),
]
handler500 = "kobepost.views.server_error"


@ONLY_LOOPBACK
@pytest.mark.urls(__name__)
def test_a_500_page_names_the_request_id_of_the_log_line_with_the_traceback(db):
    with log_lines() as stream:
        response = Client(raise_request_exception=False).get(
            "/broken/", REMOTE_ADDR="127.0.0.1", HTTP_X_REQUEST_ID=NGINX_ID
        )
    assert response.status_code == 500
    page = response.content.decode()
    assert "エラー番号" in page and f'<code id="request-id">{NGINX_ID}</code>' in page
    assert f"quote this reference: <code>{NGINX_ID}</code>" in page
    assert response["X-Request-ID"] == NGINX_ID
    [error] = [line for line in records(stream) if line["logger"] == "django.request"]
    assert error["level"] == "ERROR" and "RuntimeError: a bug in a view" in error["exc_info"]
    assert error["request_id"] == NGINX_ID

    with log_lines() as stream:
        response = Client(raise_request_exception=False).get("/public/open311/v2/broken.json")
    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    assert response.json() == [
        {"code": 500, "description": f"server error (request id {request_id})"}
    ]
    [error] = [line for line in records(stream) if line["logger"] == "django.request"]
    assert error["request_id"] == request_id
