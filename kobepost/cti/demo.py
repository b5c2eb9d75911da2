"""A demo phone system, the demo operators' seats and three days of call journal.

The journal is written through the same service as the PBX's events, so it holds what a
real PBX would leave: answered calls that became cases (the demo cases' own callers),
calls answered from the FAQ, missed calls from known numbers waiting in the call-back
queue, withheld numbers and a public phone. Idempotent: a second run adds nothing.
"""

import datetime
import random

from django.utils import timezone

from faq.models import SimpleCall
from kobepost.accounts.models import User
from kobepost.cti.forms import CallEventData
from kobepost.cti.models import Call, CallEvent, Pbx, Seat
from kobepost.cti.numbers import caller_number_parse
from kobepost.cti.services import call_event_record
from kobepost.public.models import token_digest
from tickets.models import Case, Dial

DEMO_PBX_NAME = "デモ PBX（コールセンター）"
# Known to the simulator's default (python -m kobepost.cti.simulator); demo data only.
DEMO_PBX_TOKEN = "kobe-demo-pbx-2026"  # noqa: S105 # nosec B105
SEATS = (("operator1", "201"), ("operator2", "202"), ("supervisor1", "209"))
OTHER_CALLERS = (
    "078-242-1111",
    "078-511-2233",
    "078-706-4455",
    "090-2468-1357",
    "080-3141-5926",
    "078-991-7788",
)
# Calls of years ago, past their dial's retention: the demo's disposal list shows them.
# (year, month, day, hour, minute), dial code, caller
OLD_CALLS = (
    ((2019, 6, 3, 10, 15), "clean110", "078-611-2468"),
    ((2020, 9, 14, 15, 40), "clean110", "090-8642-1357"),
)
# outcome, caller (None: one of OTHER_CALLERS), extension, ring, talk seconds
EXTRA_CALLS = (
    ("missed", "078-811-3456", "201", 45, 0),
    ("abandoned", "078-851-2222", "202", 30, 0),
    ("abandoned", "非通知", "201", 20, 0),
    ("answered", "公衆電話", "202", 6, 140),
    ("answered", "非通知", "201", 4, 95),
    ("missed", None, "202", 40, 0),
)


def _event(call_id: str, kind: str, at: datetime.datetime, **facts) -> CallEventData:
    caller = facts.get("caller")
    return CallEventData(
        kind=kind,
        call_id=call_id,
        key="",
        at=at,
        caller=caller_number_parse(caller) if caller else None,
        dial_id=facts.get("dial_id"),
        direction=facts.get("direction", ""),
        extension=facts.get("extension", ""),
        agent="",
    )


def ring_call(
    pbx: Pbx,
    call_id: str,
    *,
    at: datetime.datetime,
    caller: str | None,
    dial_id: int | None,
    extension: str,
    outcome: str,
    ring: int = 5,
    talk: int | None = 120,
    direction: str = "in",
) -> Call:
    """A whole call through the PBX's service: rings, then is answered and hung up after
    ``talk`` seconds (None: still on the line), or is missed or abandoned after ``ring``.
    ``outcome`` "ringing" posts the new-call event only. (Demo data and tests.)"""
    new = _event(
        call_id,
        CallEvent.Kind.NEW,
        at,
        caller=caller,
        dial_id=dial_id,
        extension=extension,
        direction=direction,
    )
    call = call_event_record(pbx=pbx, event=new).call
    answered = at + datetime.timedelta(seconds=ring)
    if outcome == "ringing":
        return call
    if outcome != "answered":
        kind = CallEvent.Kind.MISSED if outcome == "missed" else CallEvent.Kind.ABANDONED
        return call_event_record(pbx=pbx, event=_event(call_id, kind, answered)).call
    event = _event(call_id, CallEvent.Kind.ANSWERED, answered, extension=extension)
    call = call_event_record(pbx=pbx, event=event).call
    if talk is None:
        return call
    ended = answered + datetime.timedelta(seconds=talk)
    return call_event_record(pbx=pbx, event=_event(call_id, CallEvent.Kind.HANGUP, ended)).call


def seed_calls() -> None:
    pbx, _created = Pbx.objects.get_or_create(
        name=DEMO_PBX_NAME,
        defaults={"token_digest": token_digest(DEMO_PBX_TOKEN), "token_hint": DEMO_PBX_TOKEN[:6]},
    )
    for username, extension in SEATS:
        user = User.objects.filter(username=username).first()
        if user is not None and not Seat.objects.filter(extension=extension).exists():
            Seat.objects.filter(user=user).delete()
            Seat.objects.create(user=user, extension=extension)
    if pbx.calls.exists():
        return
    rng = random.Random(23)  # noqa: S311 # nosec B311 - repeatable demo data, not secrets
    now = timezone.now().replace(microsecond=0)
    dials = list(Dial.objects.values_list("pk", flat=True))
    number = 0

    def next_id() -> str:
        nonlocal number
        number += 1
        return f"demo-{number:04d}"

    def answered_before(moment, *, caller: str, dial_id: int, taken_by: User, **link) -> None:
        """The answered call that ended in ``link`` (a case, an FAQ answer) at ``moment``."""
        talk = rng.randint(90, 400)
        call = ring_call(
            pbx,
            next_id(),
            at=moment - datetime.timedelta(seconds=talk + 60),
            caller=caller,
            dial_id=dial_id,
            extension="201" if taken_by.username == "operator1" else "202",
            outcome="answered",
            ring=rng.randint(3, 15),
            talk=talk,
        )
        Call.objects.filter(pk=call.pk).update(**link)

    # The demo cases taken by phone: each was a call from its caller.
    for case in (
        Case.objects.filter(
            channel=Case.Channel.PHONE, received_at__gte=now - datetime.timedelta(days=3)
        )
        .exclude(caller_phone="")
        .select_related("created_by")
    ):
        answered_before(
            case.received_at,
            caller=case.caller_phone,
            dial_id=case.dial_id,
            taken_by=case.created_by,
            case=case,
        )
    # The FAQ answers of the demo data: each was an answered call from someone.
    for simple_call in SimpleCall.objects.select_related("operator").filter(
        cti_call__isnull=True, created_at__gte=now - datetime.timedelta(days=3)
    ):
        answered_before(
            simple_call.created_at,
            caller=rng.choice(OTHER_CALLERS),
            dial_id=simple_call.dial_id,
            taken_by=simple_call.operator,
            simple_call=simple_call,
        )
    dial_by_code = dict(Dial.objects.values_list("code", "pk"))
    for moment, dial_code, caller in OLD_CALLS:
        ring_call(
            pbx,
            next_id(),
            at=datetime.datetime(*moment, tzinfo=timezone.get_current_timezone()),
            caller=caller,
            dial_id=dial_by_code.get(dial_code),
            extension="201",
            outcome="answered",
            talk=rng.randint(60, 240),
        )
    # The last hour's calls nobody could take, and callers without a number.
    for index, (outcome, extra_caller, extension, ring, talk) in enumerate(EXTRA_CALLS):
        ring_call(
            pbx,
            next_id(),
            at=now - datetime.timedelta(minutes=15 + index * 9),
            caller=extra_caller or rng.choice(OTHER_CALLERS),
            dial_id=dials[index % len(dials)] if dials else None,
            extension=extension,
            outcome=outcome,
            ring=ring,
            talk=talk,
        )
