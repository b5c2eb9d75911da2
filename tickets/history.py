"""Earlier cases of a caller's phone number, and what a history list may show of them.

One rule for the intake's lookup while the number is typed and for the screen pop when
the phone rings (kobepost.cti): the case's reference, title, status and date, and a link
to its page (which audits what it shows). Never the caller's name, address, details or
health symptoms: the list is read by whoever sits at the desk, before anyone knows who is
calling.
"""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from kobepost.audit.services import audit_shown, record_type_of
from tickets.models import Case
from tickets.normalize import normalize_phone, phone_digits

PHONE_HISTORY_LIMIT = 10
# Fewer digits match too many strangers' numbers to be anybody's history.
PHONE_PREFIX_MIN_DIGITS = 6


def cases_of_phone(raw: str) -> QuerySet[Case]:
    """The number's cases, newest first: the exact number once it is a whole one, else the
    numbers starting with the digits typed so far."""
    try:
        cases = Case.objects.filter(caller_phone_digits=normalize_phone(raw).digits)
    except ValidationError:
        digits = phone_digits(raw)
        if len(digits) < PHONE_PREFIX_MIN_DIGITS:
            return Case.objects.none()
        cases = Case.objects.filter(caller_phone_digits__startswith=digits)
    return cases.for_list().order_by("-received_at", "-id")[:PHONE_HISTORY_LIMIT]


def audit_phone_history(request: HttpRequest, case_ids: list[int]) -> None:
    """Cases found by a caller's phone number tell who called about what: audited."""
    audit_shown(
        request,
        record_type=record_type_of(Case),
        record_ids=case_ids,
        fields=("caller_phone",),
        detail="phone lookup",
    )


def case_summary(case: Case) -> dict:
    return {
        "id": case.pk,
        "reference": case.reference,
        "title": case.title,
        "status": case.get_status_display(),
        "receivedAt": date_format(timezone.localtime(case.received_at), "DATETIME_FORMAT"),
        "url": reverse("callcenter:case_detail", args=[case.pk]),
    }
