"""Call workflows: a PBX event, the seat, the screen pop, what a call became, call-backs.

``call_event_record`` is what the PBX waits for, so it does one small transaction and
nothing else: no mail, no task, no history lookup. The screen pop reads the journal row
on the operator's next poll (views.pop), at most a second later.

Idempotency: a call is one row per PBX and call id; an event is one row per call, kind
and key (unique constraints), so a PBX that posts an event again, or twice at once, gets
"duplicate" back and changes nothing. The call's row is locked while an event is applied,
so two events of one call arriving together are applied one after the other.
"""

import datetime
from dataclasses import dataclass

from django.core import signing
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from kobepost.accounts.models import User
from kobepost.cti.access import call_for_user, is_awaiting_callback
from kobepost.cti.forms import CallEventData
from kobepost.cti.lifecycle import EventFacts, call_state
from kobepost.cti.models import Call, CallerId, CallEvent, Pbx, Seat
from kobepost.cti.numbers import CallerNumber, caller_number_parse

# How often the operator's page asks for the call at its seat, in milliseconds: the
# banner shows within a second of the PBX's event.
POP_INTERVAL_MS = 1000
# After the hang-up the banner stays this long: the operator finishes the intake (後処理).
POP_LINGER = datetime.timedelta(minutes=10)
# A call whose hang-up never arrived (a PBX restart) stops popping after this.
POP_MAX_AGE = datetime.timedelta(hours=4)
CALLCENTER_ROLES = (User.Role.OPERATOR, User.Role.SUPERVISOR)
INTAKE_LINK_SALT = "kobepost.cti.intake-link"
# An intake kept open through a long call and its 後処理 still links; yesterday's page not.
INTAKE_LINK_MAX_AGE = datetime.timedelta(hours=12)
# What an event may change on the call; the links (case, FAQ, call-back) are written by
# their own services and never overwritten here.
EVENT_FIELDS = [
    "caller_id",
    "caller_phone",
    "caller_phone_digits",
    "dial",
    "direction",
    "operator",
    "extension",
    "agent",
    "outcome",
    "started_at",
    "answered_at",
    "ended_at",
    "transfers",
    "version",
]


@dataclass(frozen=True)
class RecordedEvent:
    call: Call
    duplicate: bool


def _holder_of(*, extension: str, agent: str) -> int | None:
    """The operator who has the call: by their PBX login if given, else by the seat."""
    if agent:
        found = (
            User.objects.filter(username=agent, role__in=CALLCENTER_ROLES, is_active=True)
            .values_list("pk", flat=True)
            .first()
        )
        if found is not None:
            return found
    if extension:
        return Seat.objects.filter(extension=extension).values_list("user_id", flat=True).first()
    return None


# What the journal keeps for a call whose events name no caller (no field, null, blank):
# the PBX could not tell the number, 通知不可 as when it says so.
NOT_TOLD = caller_number_parse("")


def _caller_told(call: Call, event: CallEventData, *, new_call_heard: bool) -> CallerNumber | None:
    """The caller this event tells the journal, or None to keep the call's.

    The new-call event is the authority; any other event only fills what is still unknown
    (its new-call event may arrive late, or never). A call no event has named a caller for
    is 通知不可 from its first event on: shown with that label, never looked up, never owed
    a call back.
    """
    if call.number_purged_at is not None:
        return None
    if event.caller is None:
        return None if call.caller_id else NOT_TOLD
    if event.kind == CallEvent.Kind.NEW or not call.caller_id:
        return event.caller
    # 通知不可 before the new-call event is heard may only be what no event said.
    if call.caller_id == CallerId.UNAVAILABLE and not new_call_heard:
        return event.caller
    return None


def _take_event_facts(call: Call, event: CallEventData, *, new_call_heard: bool) -> None:
    """What an event says about the call besides its timeline: the caller, dial, direction."""
    first_word = event.kind == CallEvent.Kind.NEW
    told = _caller_told(call, event, new_call_heard=new_call_heard)
    if told is not None:
        call.caller_id = told.caller_id
        call.caller_phone = told.display
        call.caller_phone_digits = told.digits
    if event.dial_id is not None and (first_word or call.dial_id is None):
        call.dial_id = event.dial_id
    if event.direction and (first_word or call.version == 0):
        call.direction = event.direction


def call_event_record(*, pbx: Pbx, event: CallEventData) -> RecordedEvent:
    """Apply one PBX event to the journal, once."""
    with transaction.atomic():
        Call.objects.bulk_create(
            [Call(pbx=pbx, call_id=event.call_id, started_at=event.at, version=0)],
            ignore_conflicts=True,
        )
        call = Call.objects.select_for_update().get(pbx=pbx, call_id=event.call_id)
        if call.events.filter(kind=event.kind, key=event.key).exists():
            return RecordedEvent(call=call, duplicate=True)
        CallEvent.objects.create(
            call=call,
            kind=event.kind,
            key=event.key,
            at=event.at,
            extension=event.extension,
            agent=event.agent,
        )
        facts = [
            EventFacts(*row)
            for row in call.events.values_list("kind", "key", "at", "extension", "agent")
        ]
        state = call_state(facts)
        was_answered = call.answered_at is not None
        _take_event_facts(
            call, event, new_call_heard=any(fact.kind == CallEvent.Kind.NEW for fact in facts)
        )
        if (state.extension, state.agent) != (call.extension, call.agent) or call.version == 0:
            call.operator_id = _holder_of(extension=state.extension, agent=state.agent)
        call.extension, call.agent = state.extension, state.agent
        call.outcome = state.outcome
        call.started_at = state.started_at
        call.answered_at = state.answered_at
        call.ended_at = state.ended_at
        call.transfers = state.transfers
        call.version += 1
        call.save(update_fields=EVENT_FIELDS)
        if not was_answered and call.answered_at is not None and call.caller_phone_digits:
            # The caller got through (or we reached them): their missed calls are settled.
            Call.objects.awaiting_callback().filter(
                caller_phone_digits=call.caller_phone_digits, ended_at__lte=call.answered_at
            ).exclude(pk=call.pk).update(
                callback_done_at=timezone.now(),
                callback_resolution=Call.Resolution.CALLED_AGAIN,
            )
    return RecordedEvent(call=call, duplicate=False)


# --- seats ---------------------------------------------------------------------------------
def seat_assign(*, user: User, extension: str) -> Seat | None:
    """Sit ``user`` at ``extension`` (whoever sat there before leaves it); "" leaves the seat."""
    with transaction.atomic():
        Seat.objects.filter(Q(user=user) | Q(extension=extension)).delete()
        if not extension:
            return None
        return Seat.objects.create(user=user, extension=extension)


# --- the operator's current calls ----------------------------------------------------------
def _recent_at_seat(user: User, now: datetime.datetime) -> QuerySet[Call]:
    return Call.objects.filter(
        operator=user, direction=Call.Direction.IN, started_at__gte=now - POP_MAX_AGE
    ).filter(Q(ended_at__isnull=True) | Q(ended_at__gte=now - POP_LINGER))


def calls_to_pop(*, user: User, now: datetime.datetime | None = None) -> QuerySet[Call]:
    """The calls the operator's screen shows, newest first: ringing or on the line at their
    seat, or ended in the last minutes, until closed or taken as a case."""
    now = now or timezone.now()
    return (
        _recent_at_seat(user, now)
        .filter(dismissed_at__isnull=True, case__isnull=True)
        .order_by("-started_at", "-id")
    )


def call_on_the_line(*, user: User, now: datetime.datetime | None = None) -> Call | None:
    """The answered call the operator is on (or has just finished) with no FAQ answer yet:
    an FAQ answer logged now belongs to it."""
    now = now or timezone.now()
    return (
        _recent_at_seat(user, now)
        .filter(answered_at__isnull=False, simple_call__isnull=True)
        .order_by("-answered_at", "-id")
        .first()
    )


def call_dismiss(*, call: Call) -> None:
    Call.objects.filter(pk=call.pk, dismissed_at__isnull=True).update(dismissed_at=timezone.now())


# --- what a call became ----------------------------------------------------------------------
@dataclass(frozen=True)
class IntakeCall:
    """The call an intake was started from, as the intake page carries it."""

    call: Call
    # Posted back with the intake (signed): ``user`` could act on the call when the intake
    # began. The PBX may transfer the call to another operator while the intake is open;
    # the case saved from it is still what the call became.
    link: str
    transferred: bool  # away from this operator since the intake began


def intake_call_start(*, user: User, call: Call) -> IntakeCall:
    """An intake started from ``call`` (the caller checked ``user`` may act on it)."""
    link = signing.dumps([str(call.public_id), user.pk, call.transfers], salt=INTAKE_LINK_SALT)
    return IntakeCall(call=call, link=link, transferred=False)


def _intake_link_read(*, user: User, link: str) -> tuple[str, int] | None:
    """(public id, transfers when the intake began) if ``link`` is ``user``'s, else None."""
    if not link:
        return None
    try:
        public_id, user_id, transfers = signing.loads(
            link, salt=INTAKE_LINK_SALT, max_age=INTAKE_LINK_MAX_AGE
        )
    except signing.BadSignature:
        return None
    return (public_id, transfers) if user_id == user.pk else None


def _transferred_away(call: Call, user: User, transfers_at_start: int) -> bool:
    return call.transfers > transfers_at_start and call.operator_id != user.pk


def call_for_intake(*, user: User, public_id: str, link: str = "") -> IntakeCall | None:
    """The call an intake was started from and is no case yet, if ``user`` started it
    (``link``, whoever holds the call now) or may act on it (access.call_is_theirs)."""
    calls = Call.objects.select_related("dial").filter(case__isnull=True)
    started = _intake_link_read(user=user, link=link) if user.is_callcenter else None
    if started is not None and started[0] == str(public_id):
        call = calls.filter(public_id=started[0]).first()
        if call is None:
            return None
        return IntakeCall(
            call=call, link=link, transferred=_transferred_away(call, user, started[1])
        )
    call = call_for_user(user, public_id, calls)
    return intake_call_start(user=user, call=call) if call is not None else None


def intake_call_transferred(*, user: User, link: str) -> bool | None:
    """For the intake page's script: whether the call its intake was started from went to
    another operator meanwhile. None when ``link`` is not ``user``'s or the call became a
    case already."""
    started = _intake_link_read(user=user, link=link)
    if started is None:
        return None
    call = (
        Call.objects.filter(public_id=started[0], case__isnull=True)
        .only("transfers", "operator_id")
        .first()
    )
    return None if call is None else _transferred_away(call, user, started[1])


def call_link_case(*, public_id: str, link: str = "", case, user: User, existing: bool) -> bool:
    """The intake started from this call was saved as ``case`` (``existing``: added to a
    case already open). A call becomes one case; a second save changes nothing."""
    intake = call_for_intake(user=user, public_id=public_id, link=link)
    if intake is None:
        return False
    call = intake.call
    updates = {"case": case, "case_existing": existing}
    if is_awaiting_callback(call):
        updates |= {
            "callback_done_at": timezone.now(),
            "callback_done_by": user,
            "callback_resolution": Call.Resolution.CASE,
        }
    return bool(Call.objects.filter(pk=call.pk, case__isnull=True).update(**updates))


def call_link_faq(*, operator: User, simple_call) -> bool:
    """An FAQ answer was logged: it is what the call the operator is on became."""
    call = call_on_the_line(user=operator)
    if call is None:
        return False
    return bool(
        Call.objects.filter(pk=call.pk, simple_call__isnull=True).update(simple_call=simple_call)
    )


def call_callback_done(*, call: Call, user: User) -> bool:
    """The missed call was called back. False when it no longer waited for one."""
    return bool(
        Call.objects.awaiting_callback()
        .filter(pk=call.pk)
        .update(
            callback_done_at=timezone.now(),
            callback_done_by=user,
            callback_resolution=Call.Resolution.CALLED_BACK,
        )
    )
