"""/health/: what monitoring sees, and who may ask."""

import ipaddress
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.fixtures import service_missing

BASE_CHECKS = [
    "kobepost.health.check_database",
    "kobepost.health.check_redis",
    "kobepost.health.check_celery_worker",
]
CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"
# A Redis database of its own, so a worker started by another test run never answers here.
HEALTH_REDIS_DB = 14


def check_outbox_stuck() -> str:
    """Stands in for a check an app adds later (e.g. the notification outbox age)."""
    raise RuntimeError("oldest unsent notification is 42 minutes old")


def real_redis_url() -> str:
    base = os.environ.get("REDIS_URL", "")
    if not base:
        service_missing("REDIS_URL is not set")
    import redis

    url = base.rsplit("/", 1)[0] + f"/{HEALTH_REDIS_DB}"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        service_missing(f"Redis at {url} not reachable: {error}")
    return url


@pytest.fixture
def monitoring(settings):
    settings.HEALTH_CHECKS = list(BASE_CHECKS)
    return Client(REMOTE_ADDR="127.0.0.1")


def test_all_ok_on_the_real_database(monitoring, settings, db):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # no worker in this test; see the services tests
    response = monitoring.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["celery_worker"].startswith("skipped")
    assert body["redis"] == "ok" if settings.REDIS_URL else body["redis"].startswith("skipped")
    assert response["Cache-Control"].startswith("max-age=0")


def test_redis_on_a_closed_port_gives_503_with_the_detail(monitoring, settings, db):
    settings.REDIS_URL = CLOSED_PORT_REDIS
    settings.CELERY_BROKER_URL = CLOSED_PORT_REDIS
    settings.CELERY_TASK_ALWAYS_EAGER = False
    response = monitoring.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["redis"].startswith("error: ")
    assert "Connection" in body["redis"]
    assert body["celery_worker"].startswith("error: ")


def test_an_added_check_that_fails_turns_the_answer_503(monitoring, settings, db):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.HEALTH_CHECKS = [*BASE_CHECKS, "tests.test_health.check_outbox_stuck"]
    response = monitoring.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["outbox_stuck"] == (
        "error: RuntimeError: oldest unsent notification is 42 minutes old"
    )
    assert body["database"] == "ok"


def test_reachable_without_login_only_from_admin_networks_and_loopback(settings, db):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.HEALTH_CHECKS = ["kobepost.health.check_database"]
    settings.CALLCENTER_NETWORKS = (ipaddress.ip_network("10.10.0.0/16"),)
    settings.CITY_NETWORKS = (ipaddress.ip_network("172.20.0.0/16"),)
    # Loopback probes pass the middleware only when loopback is one of the listed networks
    # (the default); here it is not, so only the admin network remains.
    settings.ADMIN_NETWORKS = (ipaddress.ip_network("10.99.0.0/24"),)
    settings.TRUSTED_PROXIES = (ipaddress.ip_network("10.0.0.5/32"),)

    def status(peer: str, forwarded: str | None = None) -> int:
        headers = {"REMOTE_ADDR": peer}
        if forwarded:
            headers["HTTP_X_FORWARDED_FOR"] = forwarded
        return Client().get("/health/", **headers).status_code  # type: ignore[arg-type]  # WSGI keys

    assert status("10.99.0.7") == 200  # admin network (monitoring server)
    assert status("10.0.0.5", "10.99.0.7") == 200  # monitoring through our nginx
    assert status("10.10.1.5") == 403  # call center VPN: known network, but not monitoring
    assert status("172.20.3.4") == 403  # LGWAN
    assert status("10.0.0.5", "172.20.3.4") == 403  # LGWAN through our nginx
    assert status("203.0.113.9") == 403  # internet (refused by the middleware already)
    assert status("203.0.113.9", "10.99.0.7") == 403  # forged header from outside


def test_refused_answer_shows_no_check_results(settings, db):
    settings.CALLCENTER_NETWORKS = (ipaddress.ip_network("10.10.0.0/16"),)
    response = Client(REMOTE_ADDR="10.10.1.5").get("/health/")
    assert response.status_code == 403
    assert b"database" not in response.content


def test_only_get(monitoring, db):
    assert monitoring.post("/health/").status_code == 405


@pytest.mark.services
def test_no_worker_on_a_live_broker_gives_503(monitoring, settings, db):
    url = real_redis_url()
    settings.REDIS_URL = url
    settings.CELERY_BROKER_URL = url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    response = monitoring.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["redis"] == "ok"
    assert body["celery_worker"] == "error: HealthCheckFailed: no Celery worker answered the ping"


@pytest.mark.services
def test_a_running_worker_answers_the_ping(monitoring, settings, db, tmp_path):
    url = real_redis_url()
    settings.REDIS_URL = url
    settings.CELERY_BROKER_URL = url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    env = {**os.environ, "REDIS_URL": url, "CELERY_TASK_ALWAYS_EAGER": "false"}
    worker = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "kobepost",
            "worker",
            "--pool=solo",
            "--without-mingle",
            "--without-gossip",
            f"--hostname=health-test-{os.getpid()}@%h",
            "--loglevel=WARNING",
        ],
        cwd=django_settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "worker.log").open("w"),
    )
    try:
        deadline = time.monotonic() + 120
        response = monitoring.get("/health/")
        while response.status_code != 200 and time.monotonic() < deadline:
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            time.sleep(0.5)
            response = monitoring.get("/health/")
        assert response.status_code == 200, response.json()
        assert response.json()["celery_worker"] == "ok (1 worker)"
    finally:
        worker.terminate()
        worker.wait(timeout=20)


def _notification(age_seconds: int, status: str):
    from datetime import timedelta

    from django.utils import timezone

    from kobepost.notifications.models import Notification

    row = Notification.objects.create(
        event_key=f"case:1:created:{age_seconds}:{status}",
        kind=Notification.Kind.NEW_CASE,
        recipient="kensetsu-tobu@city.kobe.example",
        subject="新しい案件",
        body="本文",
        status=status,
        next_attempt_at=timezone.now(),
    )
    Notification.objects.filter(pk=row.pk).update(
        created_at=timezone.now() - timedelta(seconds=age_seconds)
    )


def test_an_old_unsent_notification_turns_the_answer_503(monitoring, settings, db):
    settings.HEALTH_CHECKS = ["kobepost.health.check_notification_outbox"]
    settings.HEALTH_MAX_UNSENT_SECONDS = 900
    assert monitoring.get("/health/").json()["notification_outbox"] == "ok (nothing waiting)"
    _notification(3600, "sent")  # long sent: not waiting
    _notification(120, "pending")
    response = monitoring.get("/health/")
    assert response.status_code == 200
    assert response.json()["notification_outbox"].startswith("ok (oldest unsent 12")
    _notification(1000, "sending")
    response = monitoring.get("/health/")
    assert response.status_code == 503
    assert "oldest unsent notification is 10" in response.json()["notification_outbox"]


def test_failed_mail_turns_the_answer_503_with_a_count(monitoring, settings, db):
    """Measured on the old code: with 20 failed mails it answered "ok (nothing waiting)"."""
    settings.HEALTH_CHECKS = [
        "kobepost.health.check_notification_outbox",
        "kobepost.health.check_notification_failures",
    ]
    assert monitoring.get("/health/").json()["notification_failures"] == "ok (none failed)"
    for number in range(20):
        _notification(60 + number, "failed")
    response = monitoring.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["notification_failures"] == (
        "error: HealthCheckFailed: 20 notification mails failed"
        " (resend them at /notifications/failed/)"
    )
    assert body["notification_outbox"] == "ok (nothing waiting)"

    settings.HEALTH_MAX_FAILED_NOTIFICATIONS = 20  # tolerated (configurable)
    response = monitoring.get("/health/")
    assert response.status_code == 200
    assert response.json()["notification_failures"] == "ok (20 failed)"
