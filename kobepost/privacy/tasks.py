"""Daily jobs of retention: list expired records, remove temporary data. Thin wrappers."""

import logging

from celery import shared_task
from django.core.management import call_command

from kobepost.privacy import retention

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def list_expired_records() -> int | None:
    """Beat job: put records past their retention into the pending disposal batch, and say
    which records are kept only for want of a class (retention.UNCLASSIFIED)."""
    batch = retention.disposal_batch_prepare()
    for store, count in retention.unclassified_counts().items():
        log.warning("retention: %d %s kept, no retention class set", count, store)
    return batch.pk if batch is not None else None


@shared_task(acks_late=True)
def delete_disposed_files(batch_id: int) -> int:
    """After an approval commits: the erased records' files leave MEDIA_ROOT."""
    return retention.disposal_files_delete(batch_id=batch_id)


@shared_task(acks_late=True)
def purge_temporary_data() -> int:
    """Beat job: unused intake tokens, expired sessions, files a disposal left behind."""
    deleted = retention.temporary_data_purge()
    call_command("clearsessions")
    retention.disposal_files_retry()
    return deleted
