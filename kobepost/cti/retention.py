"""Retention of callers' numbers in the call journal (保存期間).

A journal row is a record of the call center's work and stays for the statistics; the
caller's number on it is personal data and goes when its retention ends. The period is the
retention class of the call's dial, counted like a case's (tickets.retention: from April 1
of the fiscal year after the call); a call without a dial, or whose dial has no class,
follows the shortest class there is. Without any retention class nothing is erased, as
for cases. A call whose case is under a legal hold keeps its number until the hold ends.

Unlike a case, the erasure needs no approval: what goes is a number the case (if any)
still holds under its own retention, and the row proves the call happened without it.
"""

import datetime

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from kobepost.cti.models import Call
from tickets.models import Dial, LegalHold, RetentionClass
from tickets.retention import retention_cutoff


def expired_number_filter(today: datetime.date) -> Q | None:
    """Calls whose number has expired on ``today``; None when no retention is configured."""
    shortest = RetentionClass.objects.order_by("years").values_list("years", flat=True).first()
    if shortest is None:
        return None
    # The calls of each period: the dials of that class, and dial-less calls the shortest.
    groups: dict[int, Q] = {shortest: Q(dial__isnull=True)}
    for dial_pk, years in Dial.objects.values_list("pk", "retention_class__years"):
        period = shortest if years is None else years
        groups[period] = groups.get(period, Q(pk__in=[])) | Q(dial_id=dial_pk)
    condition = Q(pk__in=[])
    for years, calls in groups.items():
        condition |= calls & Q(started_at__lt=retention_cutoff(years, today))
    return condition


def call_numbers_purge(*, today: datetime.date | None = None) -> int:
    """Erase the numbers past their retention. Returns how many calls lost theirs."""
    today = today or timezone.localdate()
    expired = expired_number_filter(today)
    if expired is None:
        return 0
    held = Exists(LegalHold.objects.filter(released_at__isnull=True, case=OuterRef("case_id")))
    return (
        Call.objects.filter(number_purged_at__isnull=True)
        .filter(expired)
        .exclude(held)
        .update(
            caller_phone="",
            caller_phone_digits="",
            number_purged_at=timezone.now(),
        )
    )
