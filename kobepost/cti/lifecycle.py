"""A call's state, folded from its events in the order they happened, not as they arrived.

A PBX posts over HTTP with retries: the hang-up may arrive before the answer, a retry
after the next event, the new-call event last. The journal row is therefore recomputed
from all of the call's events each time one arrives, sorted by their own time (ties in
the natural order of a call), so any arrival order gives the same row.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from kobepost.cti.models import Call, CallEvent

Kind = CallEvent.Kind
# Within one second the natural order of a call: ring, answer, transfer, end.
_ORDER: dict[str, int] = {
    Kind.NEW: 0,
    Kind.ANSWERED: 1,
    Kind.TRANSFERRED: 2,
    Kind.MISSED: 3,
    Kind.ABANDONED: 3,
    Kind.HANGUP: 4,
}
_ENDINGS = (Kind.HANGUP, Kind.MISSED, Kind.ABANDONED)


@dataclass(frozen=True)
class EventFacts:
    kind: str
    key: str
    at: datetime.datetime
    extension: str = ""
    agent: str = ""


@dataclass(frozen=True)
class CallState:
    outcome: str
    started_at: datetime.datetime
    answered_at: datetime.datetime | None
    ended_at: datetime.datetime | None
    extension: str
    agent: str
    transfers: int


def call_state(events: Iterable[EventFacts]) -> CallState:
    """The journal's view of a call. Needs at least one event."""
    # Extension and agent break the last tie, so no arrival order can change the answer.
    ordered = sorted(events, key=lambda e: (e.at, _ORDER[e.kind], e.key, e.extension, e.agent))
    if not ordered:
        raise ValueError("a call has at least one event")
    answered_at = next((e.at for e in ordered if e.kind == Kind.ANSWERED), None)
    # The call ends with its last ending event; one that claims to end before the call
    # was answered is a clock or retry artefact and cannot un-answer it.
    endings = [e for e in ordered if e.kind in _ENDINGS]
    ended_at = max((e.at for e in endings), default=None)
    if ended_at is not None and answered_at is not None:
        ended_at = max(ended_at, answered_at)
    kinds = {e.kind for e in ordered}
    if answered_at is not None:
        outcome = Call.Outcome.ANSWERED
    elif Kind.MISSED in kinds:
        outcome = Call.Outcome.MISSED
    elif kinds & {Kind.ABANDONED, Kind.HANGUP}:
        # Hung up before anyone answered: the caller gave up waiting.
        outcome = Call.Outcome.ABANDONED
    else:
        outcome = Call.Outcome.RINGING
    extension, agent = "", ""
    for event in ordered:
        # Who has the call: where it rang, who answered, where it was transferred to.
        if event.kind in (Kind.NEW, Kind.ANSWERED, Kind.TRANSFERRED) and (
            event.extension or event.agent
        ):
            extension, agent = event.extension, event.agent
    return CallState(
        outcome=outcome,
        started_at=ordered[0].at,
        answered_at=answered_at,
        ended_at=ended_at,
        extension=extension,
        agent=agent,
        transfers=sum(1 for e in ordered if e.kind == Kind.TRANSFERRED),
    )
