"""Who may see a caller's number in the journal, and which calls a user may act on.

One rule for both (``call_is_theirs``): supervisors may act on every call; an operator on
the calls they took (the PBX put them at their seat or login), the calls waiting for a call
back (any operator makes it) and the calls they called back. Whoever may act on a call sees
its number; every other number is masked (numbers.masked_number). Department staff never
open the journal. Every view that takes a call id fetches the call through
``get_call_for_user`` (404 for anyone else) or, where a stale id must not fail a save,
``call_for_user``: starting an intake from another operator's call would show its number.
"""

import uuid

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from kobepost.accounts.models import User
from kobepost.cti.models import Call, CallerId
from kobepost.cti.numbers import masked_number


def is_awaiting_callback(call: Call) -> bool:
    """In Python what ``CallQuerySet.awaiting_callback`` selects in SQL (tests compare them)."""
    return (
        call.direction == Call.Direction.IN
        and call.outcome in Call.UNANSWERED_OUTCOMES
        and call.caller_id == CallerId.NUMBER
        and call.callback_done_at is None
        and call.number_purged_at is None
        and bool(call.caller_phone_digits)
    )


def call_is_theirs(user: User, call: Call) -> bool:
    """Whether ``user`` may act on the call: start an intake from it, see its number."""
    if user.is_supervisor:
        return True
    if user.is_operator:
        return (
            call.operator_id == user.pk
            or call.callback_done_by_id == user.pk
            or is_awaiting_callback(call)
        )
    return False


def number_visible_to(user: User, call: Call) -> bool:
    if not call.caller_phone or call.number_purged_at is not None:
        return False
    return call_is_theirs(user, call)


def caller_label(call: Call) -> str:
    """非通知, 公衆電話, 通知不可: why a call has no number. A row from before every event
    was read this way (no caller told) is 通知不可 too."""
    return str(CallerId(call.caller_id or CallerId.UNAVAILABLE).label)


def caller_text(user: User, call: Call) -> tuple[str, bool]:
    """What the page shows for the caller, and whether that is the whole number."""
    if call.number_purged_at is not None:
        return _("（保存期間経過のため廃棄）"), False
    if call.caller_id != CallerId.NUMBER:
        return caller_label(call), False
    if number_visible_to(user, call):
        return call.caller_phone, True
    return masked_number(call.caller_phone), False


def call_for_user(
    user: User, public_id: uuid.UUID | str, queryset: QuerySet[Call] | None = None
) -> Call | None:
    """The call ``public_id`` names if ``user`` may act on it (call_is_theirs), else None."""
    if not user.is_callcenter or not public_id:
        return None
    calls = Call.objects.all() if queryset is None else queryset
    try:
        call = calls.get(public_id=public_id)
    except (Call.DoesNotExist, ValidationError, ValueError):
        return None
    return call if call_is_theirs(user, call) else None


def get_call_for_user(
    user: User, public_id: uuid.UUID | str, queryset: QuerySet[Call] | None = None
) -> Call:
    """The call ``public_id`` names if ``user`` may act on it; 404 for anyone else, as for a
    call that does not exist (whether another operator's call exists is not theirs to know)."""
    call = call_for_user(user, public_id, queryset)
    if call is None:
        raise Http404
    return call
