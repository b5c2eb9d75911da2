"""The PBX's event endpoint: who may post, what it keeps, once, in any order, never a 500."""

import ipaddress
import json
import logging

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from kobepost.cti.models import Call, CallerId, CallEvent, Pbx
from kobepost.cti.tests.conftest import EVENTS_URL, minutes_ago
from tickets.models import Dial

PBX_NETWORK = (ipaddress.ip_network("10.20.30.0/24"),)


def answer(response) -> dict:
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def test_a_new_call_from_the_pbx_is_journaled_for_the_operator_at_the_extension(
    post_event, seated, roads
):
    response = post_event(
        event="new", call_id="c-1", caller="０７８（３３１）８１８１", dial="roads", extension="201"
    )
    assert response.status_code == 200
    assert answer(response) == {
        "ok": True,
        "duplicate": False,
        "call": {"call_id": "c-1", "outcome": "ringing", "version": 1},
    }
    call = Call.objects.get(call_id="c-1")
    assert (call.caller_id, call.caller_phone, call.caller_phone_digits) == (
        CallerId.NUMBER,
        "078-331-8181",
        "0783318181",
    )
    assert call.dial == roads and call.operator == seated[0] and call.extension == "201"


def test_the_dial_is_found_by_the_number_that_was_dialled_too(post_event, kobe):
    hygiene = Dial.objects.get(code="hygiene")
    post_event(event="new", call_id="c-2", caller="0783318181", dial=hygiene.phone)
    assert Call.objects.get(call_id="c-2").dial == hygiene


def test_a_form_post_with_the_token_as_a_field_works_as_well(pbx, pbx_client, kobe):
    _pbx, token = pbx
    response = pbx_client.post(
        EVENTS_URL, {"event": "new", "call_id": "f-1", "caller": "078-331-8181", "token": token}
    )
    assert response.status_code == 200 and answer(response)["ok"] is True
    assert Call.objects.filter(call_id="f-1").exists()


def test_an_address_outside_the_pbx_networks_is_refused_even_from_the_call_center(
    post_event, settings, kobe
):
    settings.CTI_PBX_NETWORKS = PBX_NETWORK
    # 127.0.0.1 is in CALLCENTER_NETWORKS: a staff network is not a PBX network.
    response = post_event(event="new", call_id="x-1", caller="078-331-8181")
    assert response.status_code == 403
    assert answer(response)["error"]["code"] == "forbidden_address"
    allowed = post_event(
        client=Client(REMOTE_ADDR="10.20.30.5"), event="new", call_id="x-1", caller="078-331-8181"
    )
    assert allowed.status_code == 200
    assert Call.objects.count() == 1


def test_the_pbx_behind_a_trusted_proxy_is_known_by_its_forwarded_address(
    post_event, settings, kobe
):
    settings.CTI_PBX_NETWORKS = PBX_NETWORK
    settings.TRUSTED_PROXIES = (ipaddress.ip_network("127.0.0.1/32"),)
    proxied = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.20.30.5")
    assert post_event(client=proxied, event="new", call_id="p-1").status_code == 200
    forged = Client(REMOTE_ADDR="192.0.2.9", HTTP_X_FORWARDED_FOR="10.20.30.5")
    assert post_event(client=forged, event="new", call_id="p-2").status_code == 403


def test_every_path_under_the_pbx_prefix_refuses_other_addresses(settings, pbx):
    """The staff allowlist steps aside for this prefix: each view there must check itself."""
    settings.CTI_PBX_NETWORKS = PBX_NETWORK
    prefix = settings.CTI_PBX_URL_PREFIX

    def paths(entries, base=""):
        for entry in entries:
            if isinstance(entry, URLResolver):
                yield from paths(entry.url_patterns, base + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield "/" + base + str(entry.pattern)

    under = [p for p in paths(get_resolver().url_patterns) if p.startswith(prefix)]
    assert under == [EVENTS_URL]
    outsider = Client(REMOTE_ADDR="192.0.2.9")
    for path in under:
        assert outsider.post(path).status_code == 403
        assert outsider.get(path).status_code == 403


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-token"}, {"Authorization": "Basic abc"}],
    ids=["missing", "wrong", "not-bearer"],
)
def test_a_missing_or_wrong_token_is_refused_with_401(pbx_client, headers, pbx):
    response = pbx_client.post(
        EVENTS_URL,
        data=json.dumps({"event": "new", "call_id": "t-1"}),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert answer(response)["error"]["code"] == "invalid_token"
    assert not Call.objects.exists()


def test_a_disabled_pbx_is_refused(post_event, pbx):
    Pbx.objects.filter(pk=pbx[0].pk).update(active=False)
    assert post_event(event="new", call_id="d-1").status_code == 401


def test_only_the_tokens_digest_is_stored(pbx):
    stored, token = pbx
    stored.refresh_from_db()
    assert token not in (stored.token_digest, stored.token_hint)
    assert Pbx.for_token(token) == stored


def test_an_answered_call_transferred_and_hung_up(post_event, seated, kobe):
    _first, second = seated
    post_event(
        event="new", call_id="a-1", caller="078-331-8181", extension="201", at=minutes_ago(6)
    )
    post_event(event="answered", call_id="a-1", extension="201", at=minutes_ago(5.9))
    post_event(event="transferred", call_id="a-1", extension="202", at=minutes_ago(3))
    response = post_event(event="hangup", call_id="a-1", at=minutes_ago(1))
    assert answer(response)["call"]["outcome"] == "answered"
    call = Call.objects.get(call_id="a-1")
    assert call.outcome == Call.Outcome.ANSWERED and call.transfers == 1
    assert call.operator == second and call.extension == "202"
    assert 290 <= call.talk_seconds <= 300
    assert list(call.events.values_list("kind", flat=True)) == [
        "new",
        "answered",
        "transferred",
        "hangup",
    ]


@pytest.mark.parametrize(
    ("ending", "outcome"),
    [("missed", "missed"), ("abandoned", "abandoned"), ("hangup", "abandoned")],
)
def test_a_call_nobody_answered(post_event, seated, ending, outcome):
    post_event(
        event="new", call_id="m-1", caller="078-331-8181", extension="201", at=minutes_ago(2)
    )
    post_event(event=ending, call_id="m-1", at=minutes_ago(1))
    call = Call.objects.get(call_id="m-1")
    assert call.outcome == outcome and call.answered_at is None and call.ended_at is not None


def test_the_operator_is_found_by_their_pbx_login(post_event, operator, kobe):
    post_event(event="new", call_id="g-1", caller="078-331-8181", agent=operator.username)
    assert Call.objects.get(call_id="g-1").operator == operator


def test_the_same_event_posted_twice_is_kept_once(post_event, seated):
    fields = {"event": "new", "call_id": "i-1", "caller": "078-331-8181", "extension": "201"}
    first = answer(post_event(**fields))
    again = answer(post_event(**fields))
    assert (first["duplicate"], again["duplicate"]) == (False, True)
    assert again["call"]["version"] == first["call"]["version"] == 1
    assert CallEvent.objects.count() == 1 and Call.objects.count() == 1


def test_transfers_are_told_apart_and_each_one_kept_once(post_event, seated):
    post_event(event="new", call_id="t-2", extension="201", at=minutes_ago(5))
    post_event(event="answered", call_id="t-2", extension="201", at=minutes_ago(4.5))
    moment = minutes_ago(3)
    for _retry in range(2):
        post_event(event="transferred", call_id="t-2", extension="202", at=moment)
    post_event(
        event="transferred", call_id="t-2", event_id="x-9", extension="201", at=minutes_ago(2)
    )
    post_event(
        event="transferred", call_id="t-2", event_id="x-9", extension="201", at=minutes_ago(2)
    )
    call = Call.objects.get(call_id="t-2")
    assert call.transfers == 2 and call.operator == seated[0]


def test_events_arriving_out_of_order_give_the_same_journal_row(post_event, seated):
    times = {"new": minutes_ago(5), "answered": minutes_ago(4), "hangup": minutes_ago(1)}
    in_order = [("new", "o-1"), ("answered", "o-1"), ("hangup", "o-1")]
    reversed_ = [("hangup", "o-2"), ("answered", "o-2"), ("new", "o-2")]
    for kind, call_id in in_order + reversed_:
        post_event(
            event=kind,
            call_id=call_id,
            at=times[kind],
            extension="201" if kind != "hangup" else "",
            caller="078-331-8181" if kind == "new" else "",
        )
    fields = ("outcome", "started_at", "answered_at", "ended_at", "operator_id", "caller_phone")
    one, two = (Call.objects.values(*fields).get(call_id=c) for c in ("o-1", "o-2"))
    assert one == two and one["outcome"] == "answered"


@pytest.mark.parametrize(
    ("fields", "caller_id"),
    [
        ({"caller": "非通知"}, CallerId.WITHHELD),
        ({"caller": "anonymous"}, CallerId.WITHHELD),
        ({"caller": "", "caller_status": "P"}, CallerId.WITHHELD),
        ({"caller": "公衆電話"}, CallerId.PAYPHONE),
        ({"caller": "通知不可"}, CallerId.UNAVAILABLE),
        ({"caller": "12"}, CallerId.UNAVAILABLE),
    ],
)
def test_withheld_and_missing_numbers_are_kept_as_such(post_event, kobe, fields, caller_id):
    assert post_event(event="new", call_id="w-1", **fields).status_code == 200
    call = Call.objects.get(call_id="w-1")
    assert call.caller_id == caller_id and call.caller_phone == call.caller_phone_digits == ""


def test_the_caller_of_the_new_call_event_wins_over_one_told_earlier(post_event, kobe):
    post_event(event="answered", call_id="n-1", caller="非通知", at=minutes_ago(1))
    post_event(event="new", call_id="n-1", caller="078-331-8181", at=minutes_ago(2))
    assert Call.objects.get(call_id="n-1").caller_phone == "078-331-8181"


def test_a_later_answered_call_settles_the_missed_call_of_the_same_number(post_event, seated):
    post_event(event="new", call_id="r-1", caller="078-331-8181", at=minutes_ago(30))
    post_event(event="missed", call_id="r-1", at=minutes_ago(29))
    assert Call.objects.awaiting_callback().count() == 1
    post_event(
        event="new", call_id="r-2", caller="078-331-8181", extension="201", at=minutes_ago(5)
    )
    post_event(event="answered", call_id="r-2", extension="201", at=minutes_ago(4))
    missed = Call.objects.get(call_id="r-1")
    assert not Call.objects.awaiting_callback().exists()
    assert missed.callback_resolution == Call.Resolution.CALLED_AGAIN


BAD_INPUT = [
    ("not json", "application/json", 400, "invalid_json"),
    ("[1, 2]", "application/json", 400, "invalid_json"),
    ('{"event": "new"}', "application/json", 400, "invalid"),
    ('{"event": "ring-ring", "call_id": "b"}', "application/json", 400, "invalid"),
    ('{"event": "new", "call_id": "has space"}', "application/json", 400, "invalid"),
    ('{"event": "new", "call_id": "b", "at": "yesterday"}', "application/json", 400, "invalid"),
    (
        '{"event": "new", "call_id": "b", "at": "2031-01-01T00:00"}',
        "application/json",
        400,
        "invalid",
    ),
    ('{"event": "new", "call_id": "b", "at": 1000000000}', "application/json", 400, "invalid"),
    ('{"event": "new", "call_id": ["b"]}', "application/json", 400, "invalid"),
    ('{"event": "new", "call_id": "b", "extension": "2 01"}', "application/json", 400, "invalid"),
    (
        '{"event": "new", "call_id": "b", "direction": "sideways"}',
        "application/json",
        400,
        "invalid",
    ),
    ("event=new&call_id=b", "text/plain", 415, "unsupported_media_type"),
    ('{"event": "new", "call_id": "' + "b" * 9000 + '"}', "application/json", 413, "too_large"),
]


@pytest.mark.parametrize(("body", "content_type", "status", "code"), BAD_INPUT)
def test_bad_input_gets_a_json_error_never_a_500(pbx_client, pbx, body, content_type, status, code):
    response = pbx_client.post(
        EVENTS_URL,
        data=body,
        content_type=content_type,
        headers={"Authorization": f"Bearer {pbx[1]}"},
    )
    assert response.status_code == status
    error = answer(response)["error"]
    assert error["code"] == code and error["message"]
    assert not Call.objects.exists()


def test_field_errors_are_named_in_japanese(post_event):
    response = post_event(event="new")
    assert answer(response)["error"]["fields"] == {"call_id": ["このフィールドは必須です。"]}


def test_get_is_refused_with_405_in_json(pbx_client, pbx):
    response = pbx_client.get(EVENTS_URL)
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert answer(response)["error"]["code"] == "method_not_allowed"


def test_the_callers_number_never_reaches_the_logs(post_event, pbx_client, caplog, kobe):
    caplog.set_level(logging.DEBUG)
    post_event(event="new", call_id="l-1", caller="078-331-8181")
    post_event(event="bogus", call_id="l-2", caller="078-331-8181")
    post_event(token="wrong", event="new", call_id="l-3", caller="078-331-8181")
    assert "331" not in caplog.text


def test_an_event_is_one_small_transaction(post_event, seated, django_assert_num_queries):
    """Token, dial, then in one transaction (a savepoint here): the call row (insert,
    lock), the event (check, insert), the call's events, the operator at the seat, the
    row's update. Nothing waits on mail, a task or another service."""
    with django_assert_num_queries(11):
        post_event(event="new", call_id="q-1", caller="078-331-8181", dial="roads", extension="201")
    # The answer also settles the number's missed calls (one UPDATE); the seat is known.
    with django_assert_num_queries(10):
        post_event(event="answered", call_id="q-1", extension="201")
    with django_assert_num_queries(6):
        post_event(event="answered", call_id="q-1", extension="201")  # duplicate
