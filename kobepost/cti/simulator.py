"""A phone system for demos and manuals: posts a day of believable calls to a running tool.

    python -m kobepost.cti.simulator --url http://127.0.0.1:8000 --token kobe-demo-pbx-2026
    python -m kobepost.cti.simulator --live --speed 30       # calls ring now, 30x faster
    python -m kobepost.cti.simulator --one 078-331-8181 --dial roads --extension 201

Without ``--live`` the calls of today from 8:30 until now are posted at once, each event
with its own time (``at``), so the journal, the call-back queue and the statistics fill up.
With ``--live`` each call rings when its time comes (scaled by ``--speed``) and pops up on
the screen of the operator sitting at its extension. Uses only the standard library: it
runs on any machine that can reach the tool, like the real PBX.
"""

import argparse
import datetime
import json
import random
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass

JST = datetime.timezone(datetime.timedelta(hours=9))
# Calls per hour of a weekday (8:30–20:00 service), peaking late morning and after lunch.
HOURLY_WEIGHTS = {
    8: 3,
    9: 9,
    10: 12,
    11: 11,
    12: 6,
    13: 9,
    14: 10,
    15: 9,
    16: 8,
    17: 6,
    18: 3,
    19: 2,
}
DEFAULT_DIALS = ("hygiene", "clean110", "roads")
DIAL_WEIGHTS = (2, 5, 4)
# Callers with earlier cases in the demo data call again now and then.
KNOWN_NUMBERS = ("078-331-8181", "078-851-2222", "090-1234-5678")
# Ringing (at most a minute) and talking (at most 15 minutes).
LONGEST_CALL = datetime.timedelta(minutes=17)


@dataclass(frozen=True)
class SimulatedCall:
    call_id: str
    caller: str  # a number, or 非通知 / 公衆電話 / 通知不可
    dial: str
    extension: str
    rings_at: datetime.datetime
    outcome: str  # answered, missed, abandoned
    ring_seconds: int
    talk_seconds: int
    transfer_to: str = ""


def call_events(call: SimulatedCall) -> list[dict]:
    """The events a PBX posts for one call, in the order it posts them."""
    base = {"call_id": call.call_id}
    answered_at = call.rings_at + datetime.timedelta(seconds=call.ring_seconds)
    events = [
        {
            **base,
            "event": "new",
            "caller": call.caller,
            "dial": call.dial,
            "extension": call.extension,
            "at": call.rings_at.isoformat(),
        }
    ]
    if call.outcome != "answered":
        events.append({**base, "event": call.outcome, "at": answered_at.isoformat()})
        return events
    events.append(
        {**base, "event": "answered", "extension": call.extension, "at": answered_at.isoformat()}
    )
    ended_at = answered_at + datetime.timedelta(seconds=call.talk_seconds)
    if call.transfer_to:
        moment = answered_at + datetime.timedelta(seconds=call.talk_seconds // 3)
        events.append(
            {
                **base,
                "event": "transferred",
                "extension": call.transfer_to,
                "at": moment.isoformat(),
            }
        )
    events.append({**base, "event": "hangup", "at": ended_at.isoformat()})
    return events


def _random_number(rng: random.Random) -> str:
    if rng.random() < 0.35:
        return f"090-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"
    return f"078-{rng.randint(200, 999)}-{rng.randint(1000, 9999)}"


def simulate_day(
    rng: random.Random,
    *,
    day: datetime.date,
    until: datetime.datetime | None,
    calls: int,
    dials: tuple[str, ...],
    extensions: tuple[str, ...],
) -> list[SimulatedCall]:
    """About ``calls`` calls spread over the day's service hours (none after ``until``)."""
    hours = list(HOURLY_WEIGHTS)
    weights = [HOURLY_WEIGHTS[h] for h in hours]
    dial_weights = DIAL_WEIGHTS[: len(dials)] if len(dials) <= len(DIAL_WEIGHTS) else None
    result = []
    for _index in range(calls):
        hour = rng.choices(hours, weights)[0]
        minute = rng.randint(30 if hour == 8 else 0, 59)
        rings_at = datetime.datetime.combine(
            day, datetime.time(hour, minute, rng.randint(0, 59)), tzinfo=JST
        )
        # Every event of a call must lie before ``until`` (the endpoint refuses the future).
        if until is not None and rings_at > until - LONGEST_CALL:
            continue
        draw = rng.random()
        caller = (
            "非通知"
            if draw < 0.04
            else "公衆電話"
            if draw < 0.06
            else "通知不可"
            if draw < 0.07
            else rng.choice(KNOWN_NUMBERS)
            if draw < 0.15
            else _random_number(rng)
        )
        draw = rng.random()
        outcome = "answered" if draw < 0.87 else "abandoned" if draw < 0.95 else "missed"
        result.append(
            SimulatedCall(
                call_id=f"sim-{uuid.UUID(int=rng.getrandbits(128))}",
                caller=caller,
                dial=rng.choices(dials, dial_weights)[0],
                extension=rng.choice(extensions),
                rings_at=rings_at,
                outcome=outcome,
                ring_seconds=rng.randint(3, 25) if outcome == "answered" else rng.randint(20, 60),
                # About 3 minutes, with a long tail cut at 15 minutes.
                talk_seconds=min(int(rng.lognormvariate(5.2, 0.5)), 900),
                transfer_to=rng.choice(extensions) if rng.random() < 0.05 else "",
            )
        )
    return sorted(result, key=lambda call: call.rings_at)


def post_event(url: str, token: str, event: dict, *, timeout: float = 5.0) -> dict:
    """POST one event as JSON; returns the endpoint's answer (errors included)."""
    request = urllib.request.Request(  # noqa: S310 - the tool's own URL, given by the operator
        url.rstrip("/") + "/cti/pbx/events/",
        data=json.dumps(event).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310  # nosec B310
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        return json.loads(error.read() or b"{}")


def _live(url: str, token: str, calls: list[SimulatedCall], speed: float) -> None:
    """Post each call's events when their (scaled) time comes, from now on."""
    if not calls:
        return
    start = calls[0].rings_at
    began = time.monotonic()
    timeline = sorted(
        (datetime.datetime.fromisoformat(event["at"]), index, event)
        for index, call in enumerate(calls)
        for event in call_events(call)
    )
    for moment, _index, event in timeline:
        delay = (moment - start).total_seconds() / speed - (time.monotonic() - began)
        if delay > 0:
            time.sleep(delay)
        # The tool stamps each event as it arrives: the call rings now.
        answer = post_event(url, token, {k: v for k, v in event.items() if k != "at"})
        print(f"{event['event']:<11} {event['call_id']} → {answer.get('ok')}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--token", default="kobe-demo-pbx-2026")
    parser.add_argument("--calls", type=int, default=120, help="calls in the day")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--dials", default=",".join(DEFAULT_DIALS))
    parser.add_argument("--extensions", default="201,202")
    parser.add_argument("--days-ago", type=int, default=0, choices=range(7), help="0: today")
    parser.add_argument("--live", action="store_true", help="ring now, in (scaled) real time")
    parser.add_argument("--speed", type=float, default=60.0, help="with --live: how much faster")
    parser.add_argument("--one", metavar="NUMBER", help="ring once from NUMBER, now")
    parser.add_argument("--dial", default=DEFAULT_DIALS[0], help="with --one")
    parser.add_argument("--extension", default="201", help="with --one")
    args = parser.parse_args(argv)
    if args.one:
        answer = post_event(
            args.url,
            args.token,
            {
                "event": "new",
                "call_id": f"sim-{uuid.uuid4()}",
                "caller": args.one,
                "dial": args.dial,
                "extension": args.extension,
            },
        )
        print(json.dumps(answer, ensure_ascii=False))
        return 0 if answer.get("ok") else 1
    rng = random.Random(args.seed)  # noqa: S311 # nosec B311 - simulated calls, not secrets
    now = datetime.datetime.now(tz=JST)
    day = now.date() - datetime.timedelta(days=args.days_ago)
    calls = simulate_day(
        rng,
        day=day,
        until=now if not args.live and args.days_ago == 0 else None,
        calls=args.calls,
        dials=tuple(args.dials.split(",")),
        extensions=tuple(args.extensions.split(",")),
    )
    if args.live:
        _live(args.url, args.token, calls, args.speed)
        return 0
    failures = 0
    for call in calls:
        for event in call_events(call):
            answer = post_event(args.url, args.token, event)
            if not answer.get("ok"):
                failures += 1
                print(json.dumps(answer, ensure_ascii=False), file=sys.stderr)
    print(f"{len(calls)} calls posted, {failures} refused events")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
