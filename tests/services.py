"""Real services for tests: an SMTP server, a Redis server, a Celery worker.

Registered as a pytest plugin in conftest.py. Tests that use the worker, Redis or the SMTP
server mark themselves ``@pytest.mark.services``; every other test runs Celery tasks
in-process ("eager") with Django's in-memory mailbox, whatever REDIS_URL says.

* ``smtp_server``   aiosmtpd on a free port; collects received mail; can refuse connections,
                    answer 4xx/5xx, stall at RCPT (a hung conversation), or hold its reply
                    to DATA after keeping the message (the window where a crash duplicates).
* ``redis_server``  our own redis-server on a free port, so parallel test runs (and other
                    developers' workers on the shared Redis) never take each other's tasks;
                    can be stopped and started.
* ``celery_worker`` ``celery -A kobepost worker -B`` against the test database, our Redis
                    and the SMTP server, with short relay/lease/backoff times. Tests that
                    use it need committed rows: it brings ``transactional_db`` along.
* ``mail_settings`` Django's default mailer pointed at ``smtp_server`` (for in-process sends).
* ``celery_eager``  tasks run in-process, right away.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings

from kobepost.celery import app as celery_app
from tests.fixtures import service_missing

WAIT_SECONDS = 30.0

# What the worker subprocess runs with: everything short, so fault tests finish in seconds.
# The wait for DATA's answer (12 s) is longer than EMAIL_TIMEOUT (5 s), as in production,
# so a test can hold that answer past EMAIL_TIMEOUT; the lease must exceed it.
WORKER_NOTIFICATION_ENV = {
    "NOTIFICATION_RELAY_AFTER_SECONDS": "1",
    "NOTIFICATION_RELAY_INTERVAL_SECONDS": "1",
    "NOTIFICATION_LEASE_SECONDS": "14",
    "NOTIFICATION_DATA_TIMEOUT_SECONDS": "12",
    "NOTIFICATION_RETRY_BACKOFF": "1",
    "NOTIFICATION_RETRY_BACKOFF_MAX": "1",
    "NOTIFICATION_GIVE_UP_AFTER_SECONDS": "3600",
    "EMAIL_TIMEOUT": "5",
}
# Longer than EMAIL_TIMEOUT, shorter than the DATA wait: a slow gateway's answer.
SLOW_DATA_ANSWER_SECONDS = 6.5


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, *, timeout: float = WAIT_SECONDS, what: str = "condition"):
    """Poll ``condition`` until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.05)


# --- SMTP ---------------------------------------------------------------------------------


class SmtpServer:
    """An aiosmtpd server in a thread that keeps every message it accepted."""

    def __init__(self, port: int | None = None) -> None:
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        self.received_at: list[float] = []
        self._lock = threading.Lock()
        self._tempfail_left = 0
        self._reject_rcpt = False
        self._unknown: set[str] = set()
        self._stall = False
        self._release = threading.Event()
        self.stalled = threading.Event()
        self._hold_data = False
        self._data_release = threading.Event()
        self.data_held = threading.Event()
        self._controller: Any = None  # an aiosmtpd Controller once started

    # switches --------------------------------------------------------------------------
    def start(self) -> None:
        from aiosmtpd.controller import Controller

        if self._controller is None:
            self._controller = Controller(
                _Handler(self), hostname=self.host, port=self.port, ready_timeout=10
            )
            self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._release.set()
            self._data_release.set()
            self._controller.stop()
            self._controller = None

    def refuse_connections(self) -> None:
        """Close the port: clients get "connection refused" until ``accept_connections``."""
        self.stop()

    def accept_connections(self) -> None:
        self.start()

    def tempfail(self, count: int) -> None:
        """Answer the next ``count`` recipients with 451 (try again later)."""
        self._tempfail_left = count

    def reject_recipients(self, reject: bool = True) -> None:
        """Answer every recipient with 550 (no such mailbox): a permanent failure."""
        self._reject_rcpt = reject

    def unknown_mailboxes(self, *addresses: str) -> None:
        """Answer these recipients (only) with 550: addresses with a typo."""
        self._unknown = {address.lower() for address in addresses}

    def stall_at_rcpt(self) -> None:
        """Hold every RCPT command until ``release`` (no message can complete meanwhile)."""
        self._release.clear()
        self.stalled.clear()
        self._stall = True

    def release(self) -> None:
        self._stall = False
        self._release.set()

    def hold_data_reply(self) -> None:
        """Keep each message at the end of DATA, then hold the "250" until ``release_data``.

        The message counts as received (a real MTA may have queued it already), but the
        client has not heard so: the window in which a crash makes the sender try again.
        """
        self._data_release.clear()
        self.data_held.clear()
        self._hold_data = True

    def release_data(self) -> None:
        self._hold_data = False
        self._data_release.set()

    def reset(self) -> None:
        self.release()
        self.release_data()
        self._tempfail_left = 0
        self._reject_rcpt = False
        self._unknown = set()
        self.stalled.clear()
        self.data_held.clear()
        with self._lock:
            self.messages.clear()
            self.received_at.clear()
        self.start()

    # reading -----------------------------------------------------------------------------
    def wait_for_messages(self, count: int, *, timeout: float = WAIT_SECONDS) -> list:
        wait_until(
            lambda: len(self.messages) >= count,
            timeout=timeout,
            what=f"{count} message(s) at the SMTP server (have {len(self.messages)})",
        )
        return list(self.messages)

    def messages_to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if address in str(m["To"])]

    def _received(self, content: bytes) -> None:
        message = BytesParser(policy=policy.default).parsebytes(content)
        with self._lock:
            self.messages.append(message)
            self.received_at.append(time.time())


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        sink = self.server
        if sink._stall:
            sink.stalled.set()
            while not sink._release.is_set():
                await asyncio.sleep(0.05)
        if sink._reject_rcpt or address.lower() in sink._unknown:
            return "550 5.1.1 No such mailbox"
        if sink._tempfail_left > 0:
            sink._tempfail_left -= 1
            return "451 4.3.0 Temporary failure, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        sink = self.server
        sink._received(envelope.original_content or envelope.content)
        if sink._hold_data:
            sink.data_held.set()
            while not sink._data_release.is_set():
                await asyncio.sleep(0.05)
        return "250 Message accepted for delivery"


# --- Redis --------------------------------------------------------------------------------


class RedisServer:
    """Our own redis-server process (no persistence) that tests may stop and start."""

    def __init__(self, binary: str, workdir: Path) -> None:
        self.binary = binary
        self.workdir = workdir
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def start(self) -> None:
        if self.running:
            return
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self.ping, timeout=10, what="redis-server to answer PING")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


# --- Celery worker ------------------------------------------------------------------------


def database_url(
    *, name: str | None = None, user: str | None = None, password: str | None = None
) -> str:
    """The database pytest-django created, as a URL a subprocess understands; or another
    database (``name``) on the same server, as another role (``user``, ``password``)."""
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        service_missing("these tests need PostgreSQL (DATABASE_URL)")
    user = (db["USER"] or "") if user is None else user
    password = db["PASSWORD"] if password is None else password
    credentials = quote(user, safe="")
    if password:
        credentials += ":" + quote(password, safe="")
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or "5432"
    return f"postgres://{credentials}@{host}:{port}/{quote(name or db['NAME'], safe='')}"


class CeleryWorker:
    """``celery -A kobepost worker -B`` as a subprocess group we can kill and restart."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.env = env
        self.workdir = workdir
        self.log_path = workdir / "worker.log"
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        if self.running:
            return
        self.starts += 1
        log = self.log_path.open("ab")
        self._log_offset = self.log_path.stat().st_size
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "kobepost",
                "worker",
                "--beat",
                "--schedule",
                str(self.workdir / "beat-schedule"),
                "--pool=solo",
                "--loglevel=INFO",
                "--hostname",
                f"notify-test-{os.getpid()}-{self.starts}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill() takes the beat child too
        )
        log.close()
        wait_until(
            lambda: " ready." in self.log_since_start() or not self.running,
            timeout=60,
            what="the Celery worker to be ready",
        )
        if not self.running:
            raise AssertionError(f"Celery worker did not start:\n{self.log_since_start()}")

    def log_since_start(self) -> str:
        with self.log_path.open("rb") as log:
            log.seek(self._log_offset)
            return log.read().decode(errors="replace")

    def wait_for_log(self, pattern: str, *, timeout: float = WAIT_SECONDS) -> re.Match:
        return wait_until(
            lambda: re.search(pattern, self.log_since_start()),
            timeout=timeout,
            what=f"worker log line /{pattern}/",
        )

    def kill(self) -> None:
        """SIGKILL the worker and its beat child: a crash, no clean-up of any kind."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            pass
        # Whatever is left of the group (the beat child) goes too: nothing may keep a
        # connection to the test database that pytest-django is about to drop.
        self.kill()


class DatabaseOutage:
    """Make one PostgreSQL database refuse everyone but this process, then come back.

    From the worker's side this is a database restart: its connection is cut and every
    new one is refused ("database ... is not currently accepting connections"). The shared
    server and its other databases are untouched. The switch is thrown from the server's
    maintenance database, since a database cannot close itself to new connections.
    """

    def __init__(self, settings_dict: dict) -> None:
        self.name = settings_dict["NAME"]
        self.params: dict[str, Any] = {
            "host": settings_dict["HOST"] or "127.0.0.1",
            "port": settings_dict["PORT"] or "5432",
            "user": settings_dict["USER"] or "postgres",
            "password": settings_dict["PASSWORD"] or None,
            "dbname": "postgres",
            "autocommit": True,
        }

    def _run(self, *statements: tuple[str, list]) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(**self.params) as maintenance:
            for statement, args in statements:
                maintenance.execute(sql.SQL(statement).format(db=sql.Identifier(self.name)), args)

    def begin(self, *, keep_pid: int) -> None:
        self._run(
            ("ALTER DATABASE {db} WITH ALLOW_CONNECTIONS false", []),
            (
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> %s",
                [self.name, keep_pid],
            ),
        )

    def end(self) -> None:
        self._run(("ALTER DATABASE {db} WITH ALLOW_CONNECTIONS true", []))


def point_celery_at(broker_url: str, *, eager: bool) -> None:
    """Make this (test) process publish to ``broker_url``, or run tasks in-process."""
    celery_app.conf.broker_url = broker_url  # type: ignore[misc]  # settable; stubs say not
    celery_app.conf.task_always_eager = eager
    celery_app.conf.task_eager_propagates = False
    # Forget pooled connections to the previous broker.
    celery_app._pool = None  # type: ignore[attr-defined]  # private: no stubs
    if "amqp" in celery_app.__dict__:
        celery_app.amqp._producer_pool = None  # type: ignore[attr-defined]  # private


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture
def celery_eager() -> Iterator[None]:
    previous = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    point_celery_at(previous[0], eager=True)
    yield
    point_celery_at(previous[0], eager=previous[1])


@pytest.fixture(autouse=True)
def _tasks_in_process_unless_services(request) -> Iterator[None]:
    # CI sets REDIS_URL, which makes Celery publish to Redis; ordinary tests have no worker,
    # so they run tasks in-process (pytest-django already gives them the locmem mailbox).
    if request.node.get_closest_marker("services"):
        yield
        return
    request.getfixturevalue("celery_eager")
    yield


@pytest.fixture(scope="session")
def _smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server(_smtp_server) -> Iterator[SmtpServer]:
    _smtp_server.reset()
    yield _smtp_server
    _smtp_server.release()
    _smtp_server.release_data()


@pytest.fixture
def mail_settings(settings, smtp_server):
    """Django's default mailer talks SMTP to ``smtp_server`` (in this process)."""
    settings.MAILERS = {
        "default": {
            "BACKEND": "kobepost.notifications.smtp.EmailBackend",
            "OPTIONS": {
                "host": smtp_server.host,
                "port": smtp_server.port,
                "timeout": 5,
                "data_timeout": 12,
            },
        }
    }
    return settings


@pytest.fixture(scope="session")
def _redis_server(tmp_path_factory) -> Iterator[RedisServer]:
    binary = shutil.which("redis-server")
    if binary is None:
        service_missing("redis-server is not installed (apt-get install redis-server)")
    server = RedisServer(binary, tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_server(_redis_server) -> Iterator[RedisServer]:
    _redis_server.start()
    yield _redis_server
    _redis_server.start()  # a test that stopped it leaves it running for the next one


@pytest.fixture(scope="session")
def _celery_worker(
    django_db_setup, django_db_blocker, _redis_server, _smtp_server, tmp_path_factory
) -> Iterator[CeleryWorker]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kobepost.settings",
        "DATABASE_URL": database_url(),
        "DATABASE_CONN_MAX_AGE": "0",
        "REDIS_URL": _redis_server.url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_HOST": _smtp_server.host,
        "EMAIL_PORT": str(_smtp_server.port),
        "SITE_URL": settings.SITE_URL,
        "PYTHONUNBUFFERED": "1",
        # One JSON object per line, as in production (tests/test_logs.py reads them).
        "LOG_FORMAT": "json",
        **WORKER_NOTIFICATION_ENV,
    }
    worker = CeleryWorker(env, tmp_path_factory.mktemp("celery"))
    worker.start()
    yield worker
    # Before pytest-django drops the test database, which fails while we are connected.
    worker.stop()


@pytest.fixture
def celery_worker(transactional_db, _celery_worker, redis_server, smtp_server):
    """A running worker; this process publishes to the same (own) Redis.

    ``transactional_db``: rows must really be committed for the worker to see them.
    """
    point_celery_at(redis_server.url, eager=False)
    _celery_worker.start()
    yield _celery_worker
    point_celery_at(redis_server.url, eager=False)
    _celery_worker.start()
