"""A call's journal row does not depend on the order its events arrived in."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kobepost.cti.lifecycle import EventFacts, call_state
from kobepost.cti.models import Call, CallEvent

T0 = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.UTC)


def at(seconds: int) -> datetime.datetime:
    return T0 + datetime.timedelta(seconds=seconds)


ANSWERED_CALL = [
    EventFacts(CallEvent.Kind.NEW, "", at(0), "201"),
    EventFacts(CallEvent.Kind.ANSWERED, "", at(8), "201"),
    EventFacts(CallEvent.Kind.TRANSFERRED, "a", at(60), "202"),
    EventFacts(CallEvent.Kind.TRANSFERRED, "b", at(90), "", "op_sato"),
    EventFacts(CallEvent.Kind.HANGUP, "", at(200)),
]


@given(st.permutations(ANSWERED_CALL))
def test_any_arrival_order_gives_the_same_state(events):
    state = call_state(events)
    assert state == call_state(ANSWERED_CALL)
    assert state.outcome == Call.Outcome.ANSWERED
    assert (state.started_at, state.answered_at, state.ended_at) == (at(0), at(8), at(200))
    assert (state.extension, state.agent, state.transfers) == ("", "op_sato", 2)


@given(
    st.lists(
        st.builds(
            EventFacts,
            kind=st.sampled_from(CallEvent.Kind.values),
            key=st.sampled_from(["", "a", "b"]),
            at=st.integers(0, 600).map(at),
            extension=st.sampled_from(["", "201", "202"]),
            agent=st.just(""),
        ),
        min_size=1,
        max_size=8,
    ).flatmap(lambda events: st.tuples(st.just(events), st.permutations(events)))
)
def test_any_set_of_events_in_any_order_agrees_with_itself(pair):
    events, shuffled = pair
    state = call_state(shuffled)
    assert state == call_state(events)
    assert state.started_at == min(e.at for e in events)
    if state.answered_at is not None and state.ended_at is not None:
        assert state.ended_at >= state.answered_at


def test_answered_wins_over_an_ending_stamped_before_it():
    events = [
        EventFacts(CallEvent.Kind.NEW, "", at(0), "201"),
        EventFacts(CallEvent.Kind.HANGUP, "", at(5)),
        EventFacts(CallEvent.Kind.ANSWERED, "", at(6), "201"),
    ]
    state = call_state(events)
    assert state.outcome == Call.Outcome.ANSWERED and state.ended_at == at(6)


@pytest.mark.parametrize(
    ("kinds", "outcome"),
    [
        (["new"], Call.Outcome.RINGING),
        (["new", "missed"], Call.Outcome.MISSED),
        (["new", "abandoned"], Call.Outcome.ABANDONED),
        (["new", "hangup"], Call.Outcome.ABANDONED),
        (["missed", "hangup"], Call.Outcome.MISSED),
    ],
)
def test_calls_nobody_answered(kinds, outcome):
    events = [EventFacts(kind, "", at(index)) for index, kind in enumerate(kinds)]
    assert call_state(events).outcome == outcome


def test_a_call_needs_an_event():
    with pytest.raises(ValueError, match="at least one event"):
        call_state([])
