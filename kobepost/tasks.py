"""Celery tasks. Thin: the work is in kobepost.notifications.services."""

import logging
import smtplib

from celery import Task, shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings

from kobepost.notifications import services

log = logging.getLogger(__name__)

TEMPORARY_ERRORS = (smtplib.SMTPException, OSError)


def _retry_in(retries: int) -> float:
    # The longest countdown Celery's jittered backoff can pick for this retry: the relay
    # must not publish the row again before the scheduled retry had its chance.
    return get_exponential_backoff_interval(
        factor=settings.NOTIFICATION_RETRY_BACKOFF,
        retries=retries,
        maximum=settings.NOTIFICATION_RETRY_BACKOFF_MAX,
        full_jitter=False,
    )


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=TEMPORARY_ERRORS,
    retry_backoff=settings.NOTIFICATION_RETRY_BACKOFF,
    retry_backoff_max=settings.NOTIFICATION_RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=settings.NOTIFICATION_MAX_ATTEMPTS - 1,
    # A hung conversation must end before the lease lets another worker take the row.
    time_limit=max(settings.NOTIFICATION_LEASE_SECONDS - 10, 5),
)
def send_notification(self: Task, notification_id: int) -> str:
    """Send one outbox row; safe to run any number of times for the same id."""
    notification = services.notification_claim(notification_id)
    if notification is None:
        return "skipped"
    try:
        services.notification_deliver(notification)
    except (*TEMPORARY_ERRORS, ValueError) as error:
        final = (
            services.is_permanent_smtp_error(error)
            or notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
        )
        services.notification_record_failure(
            notification, error, retry_in=None if final else _retry_in(self.request.retries)
        )
        if final:
            log.error(
                "notification %s failed after %d attempts: %s",
                notification_id,
                notification.attempts,
                error,
            )
            return "failed"
        log.warning("notification %s attempt %d: %s", notification_id, notification.attempts, error)
        raise  # autoretry_for schedules the next attempt with backoff
    services.notification_mark_sent(notification)
    return "sent"


@shared_task(acks_late=True)
def relay_pending_notifications() -> int:
    """Beat job: publish outbox rows that were never published or whose worker died."""
    return services.notification_relay()
