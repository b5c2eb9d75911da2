"""/health/ for the monitoring system: is every part the tool depends on working?

Each check is a callable named in ``settings.HEALTH_CHECKS`` (dotted paths). A check returns
a short text ("ok", or "skipped: ..." when the part is not configured) and raises
``HealthCheckFailed`` (or any exception) when the part is broken. The JSON key is the
function name without its ``check_`` prefix. More checks are added by listing them.

The page answers only to monitoring: the admin networks and loopback. The network
allowlist middleware already lets anonymous requests in only from known networks; the
view narrows that further, so a call center or LGWAN PC cannot probe the back end.
"""

import ipaddress
import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kobepost.accounts.network import client_ip

logger = logging.getLogger("kobepost.health")

# Monitoring must answer fast: a hung dependency is reported, not waited for.
REDIS_TIMEOUT_SECONDS = 2
CELERY_PING_TIMEOUT_SECONDS = 1.5
LOOPBACK_NETWORKS = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


class HealthCheckFailed(Exception):
    """Raised by a check; the message is shown to monitoring as the error detail."""


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise HealthCheckFailed("SELECT 1 returned an unexpected row")
    return "ok"


def check_redis() -> str:
    if not settings.REDIS_URL:
        return "skipped: REDIS_URL is not set"
    import redis

    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
    )
    try:
        if not client.ping():
            raise HealthCheckFailed("PING was not answered")
    finally:
        client.close()
    return "ok"


def check_celery_worker() -> str:
    """At least one worker answers a control ping through the broker."""
    broker_url = settings.CELERY_BROKER_URL
    if settings.CELERY_TASK_ALWAYS_EAGER or broker_url.startswith("memory://"):
        return "skipped: tasks run in-process (no broker)"
    from celery import Celery

    # A throwaway app bound to today's broker URL: the shared app keeps connection and
    # mailbox state from earlier calls, which must not decide what the probe sees. One
    # connection with short timeouts: a dead broker must not hang the monitoring probe.
    app = Celery("kobepost-health", broker=broker_url, set_as_current=False)
    with app.connection_for_write(
        url=broker_url,
        connect_timeout=REDIS_TIMEOUT_SECONDS,
        transport_options={
            **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
            "max_retries": 0,
            "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
        },
    ) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0)
        replies = app.control.ping(timeout=CELERY_PING_TIMEOUT_SECONDS, connection=conn)
    if not replies:
        raise HealthCheckFailed("no Celery worker answered the ping")
    return f"ok ({len(replies)} worker{'s' if len(replies) > 1 else ''})"


def check_notification_outbox() -> str:
    """The oldest mail not yet sent: the relay resends within minutes, so an old one means
    the broker, the workers or the SMTP server have been failing for a while."""
    from kobepost.notifications.models import Notification

    oldest = (
        Notification.objects.filter(
            status__in=(Notification.Status.PENDING, Notification.Status.SENDING)
        )
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if oldest is None:
        return "ok (nothing waiting)"
    age = int((timezone.now() - oldest).total_seconds())
    if age > settings.HEALTH_MAX_UNSENT_SECONDS:
        raise HealthCheckFailed(f"oldest unsent notification is {age} s old")
    return f"ok (oldest unsent {age} s)"


def check_notification_failures() -> str:
    """Mails that failed for good (retried past the deadline, or an unknown mailbox): each
    may be a case its department never heard of, until a supervisor resends it."""
    from kobepost.notifications.services import failed_notifications

    failed = failed_notifications().count()
    if failed > settings.HEALTH_MAX_FAILED_NOTIFICATIONS:
        raise HealthCheckFailed(
            f"{failed} notification mail{'s' if failed > 1 else ''} failed"
            " (resend them at /notifications/failed/)"
        )
    return f"ok ({failed} failed)" if failed else "ok (none failed)"


def configured_checks() -> list[tuple[str, Callable[[], str]]]:
    checks = []
    for dotted_path in settings.HEALTH_CHECKS:
        check = import_string(dotted_path)
        checks.append((check.__name__.removeprefix("check_"), check))
    return checks


def run_checks() -> tuple[bool, dict[str, str]]:
    results: dict[str, str] = {}
    healthy = True
    for name, check in configured_checks():
        try:
            results[name] = check()
        except Exception as error:  # any failure of a dependency is a finding, not a crash
            healthy = False
            detail = str(error) or type(error).__name__
            results[name] = f"error: {type(error).__name__}: {detail}"[:500]
            logger.warning("health check %s failed: %s", name, detail)
    return healthy, results


def _from_monitoring(request: HttpRequest) -> bool:
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return False
    allowed = tuple(settings.ADMIN_NETWORKS) + LOOPBACK_NETWORKS
    return any(address in network for network in allowed)


@login_not_required
@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    if not _from_monitoring(request):
        logger.warning("health refused: address=%s", client_ip(request))
        raise PermissionDenied
    healthy, results = run_checks()
    return JsonResponse(
        results,
        status=200 if healthy else 503,
        json_dumps_params={"ensure_ascii": False, "sort_keys": True},
    )
