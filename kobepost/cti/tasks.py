"""Daily retention job of the call journal. A thin wrapper."""

from celery import shared_task

from kobepost.cti import retention


@shared_task(acks_late=True)
def purge_call_numbers() -> int:
    """Beat job: erase callers' numbers past their retention (idempotent)."""
    return retention.call_numbers_purge()
