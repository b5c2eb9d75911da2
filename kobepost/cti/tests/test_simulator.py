"""The simulator's day of calls is what the endpoint accepts, and believable."""

import datetime
import json
import random

from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from kobepost.cti.forms import CallEventForm
from kobepost.cti.models import Call
from kobepost.cti.simulator import JST, call_events, simulate_day
from kobepost.cti.tests.conftest import EVENTS_URL


def test_a_simulated_day_is_accepted_event_by_event(pbx, pbx_client, seated):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    calls = simulate_day(
        random.Random(7),
        day=yesterday,
        until=None,
        calls=40,
        dials=("hygiene", "clean110", "roads"),
        extensions=("201", "202"),
    )
    assert len(calls) == 40
    assert all(8 <= call.rings_at.astimezone(JST).hour <= 19 for call in calls)
    for call in calls:
        for event in call_events(call):
            response = pbx_client.post(
                EVENTS_URL,
                data=json.dumps(event),
                content_type="application/json",
                headers={"Authorization": f"Bearer {pbx[1]}"},
            )
            assert response.json()["ok"] is True, response.json()
    assert Call.objects.count() == 40
    assert Call.objects.exclude(outcome=Call.Outcome.RINGING).count() == 40
    assert Call.objects.filter(dial__isnull=True).count() == 0


def test_calls_of_today_never_reach_past_now():
    now = datetime.datetime.now(tz=JST).replace(hour=13, minute=0)
    calls = simulate_day(
        random.Random(1),
        day=now.date(),
        until=now,
        calls=200,
        dials=("roads",),
        extensions=("201",),
    )
    latest = max(
        datetime.datetime.fromisoformat(event["at"])
        for call in calls
        for event in call_events(call)
    )
    assert latest <= now


@given(
    st.fixed_dictionaries(
        {},
        optional={
            name: st.text(max_size=60)
            for name in ("event", "call_id", "caller", "dial", "extension", "agent", "at")
        },
    )
)
def test_the_event_form_answers_any_input_with_errors_or_an_event(fields):
    form = CallEventForm(fields)
    if form.is_valid():
        assert form.cleaned_data["event"] in {
            "new",
            "answered",
            "transferred",
            "hangup",
            "missed",
            "abandoned",
        }
        assert form.cleaned_data["at"] is not None
    else:
        assert form.errors
