"""Structured logs: one JSON object per line, searchable by request (issue 22).

Every line written by the web application, gunicorn and the Celery worker carries

* ``time``: ISO 8601 in Japan time with its offset (``2026-12-02T23:10:00.123+09:00``).
  One time zone everywhere (the one staff, the city's other systems and settings.TIME_ZONE
  use); the offset keeps it unambiguous for any tool and across a server set to UTC;
* ``level``, ``logger``, ``message``;
* ``request_id``: the X-Request-ID nginx gives every request (made here when a request did
  not come through nginx), also in the gunicorn access line and in the Celery tasks the
  request queued; ``task_id`` in a task;
* the fields a line adds with ``extra={...}``.

Lines never carry query strings or form values (they may hold names and phone numbers): paths
and ids only. ``LOG_FORMAT=text`` gives the same fields as plain text (the development
default). This module imports nothing from Django: the gunicorn master loads it before
Django is set up.
"""

import logging
import os
import re
import secrets
from contextvars import ContextVar, Token
from datetime import datetime
from zoneinfo import ZoneInfo

from gunicorn.glogging import Logger as GunicornBaseLogger
from pythonjsonlogger.json import JsonFormatter

from kobepost.lib.log_privacy import drop_query_strings_from

# Must equal settings.TIME_ZONE (tests/test_logs.py checks).
LOG_TIME_ZONE = ZoneInfo("Asia/Tokyo")
REQUEST_ID_HEADER = "X-Request-ID"
# nginx's $request_id is 32 hex digits; accept any similar token, never free text (a header
# is chosen by whoever sends the request).
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")

_request_id: ContextVar[str | None] = ContextVar("kobepost_request_id", default=None)
_task_id: ContextVar[str | None] = ContextVar("kobepost_task_id", default=None)


def new_request_id() -> str:
    return secrets.token_hex(16)


def valid_request_id(value: str | None) -> str | None:
    """The id if it looks like one (nginx's, or another proxy's); otherwise None."""
    return value if value and _REQUEST_ID.fullmatch(value) else None


def current_request_id() -> str | None:
    return _request_id.get()


def bind_request_id(value: str | None) -> Token:
    return _request_id.set(value)


def reset_request_id(token: Token) -> None:
    _request_id.reset(token)


def bind_task_id(value: str | None) -> Token:
    return _task_id.set(value)


def reset_task_id(token: Token) -> None:
    _task_id.reset(token)


class ContextFilter(logging.Filter):
    """Adds the request and task of the current context to every record (a handler filter,
    so records of every library get them too). A value given with ``extra`` wins; outside a
    request or a task the attribute is left out, and so is the JSON key."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, variable in (("request_id", _request_id), ("task_id", _task_id)):
            value = variable.get()
            if value is not None and getattr(record, name, None) is None:
                setattr(record, name, value)
        return True


class _JapanTime:
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        moment = datetime.fromtimestamp(record.created, LOG_TIME_ZONE)
        return moment.isoformat(timespec="milliseconds")


class JsonLineFormatter(_JapanTime, JsonFormatter):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("fmt", "%(asctime)s %(levelname)s %(name)s %(message)s")
        kwargs.setdefault(
            "rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"}
        )
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__(*args, **kwargs)


class TextLineFormatter(_JapanTime, logging.Formatter):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("fmt", "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        kwargs.setdefault("defaults", {"request_id": "-"})
        super().__init__(*args, **kwargs)


def formatter_for(log_format: str) -> logging.Formatter:
    return TextLineFormatter() if log_format == "text" else JsonLineFormatter()


class GunicornLogger(GunicornBaseLogger):
    """gunicorn's error and access logs in the same format as the application's.

    The access line is one record with fields, the path without its query string (nor the
    Referer), and the
    request id of the response (so it matches the application's lines even for a request
    that did not come through nginx). LOG_FORMAT (json, text) as for the application.
    """

    def setup(self, cfg) -> None:
        super().setup(cfg)
        log_format = os.environ.get("LOG_FORMAT", "json")
        for logger in (self.error_log, self.access_log):
            # gunicorn's own lines ("Error handling request /x/?…") without query strings.
            drop_query_strings_from(logger)
            for handler in logger.handlers:
                handler.setFormatter(formatter_for(log_format))
                handler.addFilter(ContextFilter())

    def access(self, resp, req, environ, request_time) -> None:
        if not self.access_log_enabled:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        headers = resp.headers.items() if hasattr(resp.headers, "items") else resp.headers
        response_headers = {name.lower(): value for name, value in headers}
        request_id = response_headers.get(REQUEST_ID_HEADER.lower()) or valid_request_id(
            environ.get("HTTP_X_REQUEST_ID")
        )
        self.access_log.info(
            "%s %s %s",
            environ.get("REQUEST_METHOD", "-"),
            environ.get("PATH_INFO", "-"),
            status,
            extra={
                "request_id": request_id,
                "method": environ.get("REQUEST_METHOD"),
                "path": environ.get("PATH_INFO"),
                "status": int(status) if str(status).isdigit() else status,
                "bytes": getattr(resp, "sent", None),
                "duration_ms": round(request_time.total_seconds() * 1000, 1),
                "client": environ.get("HTTP_X_FORWARDED_FOR") or environ.get("REMOTE_ADDR"),
            },
        )
