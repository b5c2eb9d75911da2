"""Beat job of the statistics: count the closed months not counted (thin wrapper)."""

from celery import shared_task

from kobepost.stats.rollup import stats_months_build


@shared_task(acks_late=True)
def build_statistics_months() -> int:
    """Count every closed month without counts: the first run after a month ends, and the
    months a change invalidated (kobepost.stats.rollup). Idempotent."""
    return stats_months_build()
