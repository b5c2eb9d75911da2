"""Celery tasks of the department area. Thin: the work is in departments.services."""

from celery import shared_task
from django.utils import timezone

from departments import services
from kobepost.lib.jp_calendar import is_business_day


@shared_task(acks_late=True)
def send_overdue_reminders() -> int:
    """Daily beat job: one mail per department with its overdue cases (idempotent per day).

    Offices are closed on public holidays and at the year end: no reminder those days.
    """
    if not is_business_day(timezone.localdate()):
        return 0
    return services.overdue_remind()
