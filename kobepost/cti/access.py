"""Who may see a caller's number in the journal, and which calls a user may act on.

Supervisors see every number. An operator sees the numbers of the calls they took and of
the calls waiting for a call back (they are the ones who make it); every other number is
masked (numbers.masked_number). Department staff never open the journal.
"""

import uuid

from django.core.exceptions import ValidationError
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


def number_visible_to(user: User, call: Call) -> bool:
    if not call.caller_phone or call.number_purged_at is not None:
        return False
    if user.is_supervisor:
        return True
    if user.is_operator:
        return call.operator_id == user.pk or is_awaiting_callback(call)
    return False


def caller_text(user: User, call: Call) -> tuple[str, bool]:
    """What the page shows for the caller, and whether that is the whole number."""
    if call.number_purged_at is not None:
        return _("（保存期間経過のため廃棄）"), False
    if call.caller_id != CallerId.NUMBER:
        return (call.get_caller_id_display() if call.caller_id else "—"), False
    if number_visible_to(user, call):
        return call.caller_phone, True
    return masked_number(call.caller_phone), False


def get_call_for_user(user: User, public_id: uuid.UUID | str, queryset=None) -> Call:
    """A call of the journal for the call center's staff; 404 for anyone else."""
    if not user.is_callcenter:
        raise Http404
    calls = Call.objects.all() if queryset is None else queryset
    try:
        return calls.get(public_id=public_id)
    except (Call.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None
