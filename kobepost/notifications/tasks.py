"""Celery tasks. Thin: the work and the policy are in kobepost.notifications.services."""

import logging
import smtplib

from celery import Task, shared_task
from django.conf import settings

from kobepost.lib.cache import failure_text
from kobepost.notifications import services

log = logging.getLogger(__name__)

TEMPORARY_ERRORS = (smtplib.SMTPException, OSError)


@shared_task(
    bind=True,
    acks_late=True,
    # Only a last resort (prefork pools enforce it): every SMTP step has its own socket
    # timeout, and recording "sent" may rightly outlast the lease (see the services).
    time_limit=services.SENT_RECORD_GIVE_UP_SECONDS + settings.NOTIFICATION_LEASE_SECONDS,
)
def send_notification(self: Task, notification_id: int) -> str:
    """Send one outbox row; safe to run any number of times for the same id."""
    notification = services.notification_claim(notification_id)
    if notification is None:
        if not services.notification_exists(notification_id):
            # Deleted since, or a message meant for another database: worth a look.
            log.warning("notification %s does not exist; nothing sent", notification_id)
            return "missing"
        return "skipped"
    try:
        services.notification_deliver(notification)
    except (*TEMPORARY_ERRORS, ValueError) as error:
        retry_in = services.notification_record_failure(notification, error)
        if retry_in is None:
            log.error(
                "notification %s failed after %d attempts: %s",
                notification_id,
                notification.attempts,
                failure_text(error),
            )
            return "failed"
        log.warning(
            "notification %s attempt %d, next in %.0f s: %s",
            notification_id,
            notification.attempts,
            retry_in,
            failure_text(error),
        )
        # In-process (development, no broker) there is no relay to wait for: the row
        # stays pending rather than retrying in a loop inside the request.
        if not self.request.is_eager:
            services.notification_publish([notification_id], countdown=retry_in)
        return "retrying"
    services.notification_mark_sent(notification)
    log.info("notification %s sent", notification_id, extra={"notification_id": notification_id})
    return "sent"


@shared_task(acks_late=True)
def relay_pending_notifications() -> int:
    """Beat job: publish outbox rows that were never published or whose worker died."""
    return services.notification_relay()
