"""A caller's number is never written to a log line nor put in a URL, on any screen of the
phone system: the banner's polls, the journal, the call-back queue, the intake from a call.
Each screen that shows a whole number writes an audit row for it (test_journal, test_pop,
test_callbacks, tests/test_audit_coverage.py cover every URL of the project)."""

import datetime
import json
import logging
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from kobepost.audit.models import AuditEvent
from kobepost.cti.demo import ring_call
from kobepost.cti.models import Call

ON_THE_LINE = "078-331-8181"
MISSED = "090-1234-5678"
# Any run of the numbers' digits that could identify them, however written.
TRACES = re.compile(r"331.?8181|3318181|1234.?5678|12345678")
URL_IN_HTML = re.compile(r"""(?:href|action|src|formaction)=["']([^"']*)["']""")


def urls_in(response) -> list[str]:
    """Every URL the page or the JSON gives the browser to follow."""
    if response["Content-Type"].startswith("application/json"):
        found: list[str] = []

        def walk(value) -> None:
            if isinstance(value, dict):
                for key, item in value.items():
                    if key.lower().endswith("url") and isinstance(item, str):
                        found.append(item)
                    walk(item)
            elif isinstance(value, list):
                for item in value:
                    walk(item)

        walk(json.loads(response.content))
        return found
    return URL_IN_HTML.findall(response.content.decode())


@pytest.fixture
def calls(pbx, seated, roads) -> dict[str, Call]:
    """山田 is on the line with 078-331-8181; 090-1234-5678 rang 佐藤's seat and was missed."""
    now = timezone.now()

    def ring(call_id, caller, extension, outcome, minutes, **extra):
        return ring_call(
            pbx[0],
            call_id,
            at=now - datetime.timedelta(minutes=minutes),
            caller=caller,
            dial_id=roads.pk,
            extension=extension,
            outcome=outcome,
            **extra,
        )

    return {
        "missed": ring("p-2", MISSED, "202", "missed", 10),
        "on_the_line": ring("p-1", ON_THE_LINE, "201", "answered", 2, talk=None),
    }


def test_the_banner_journal_queue_and_intake_log_no_number_and_put_none_in_a_url(
    login_client, seated, supervisor, calls, caplog
):
    caplog.set_level(logging.DEBUG)
    operator, other = seated
    on_the_line = calls["on_the_line"]
    day = timezone.localtime(on_the_line.started_at).date().isoformat()
    requests = [
        (operator, "get", reverse("cti:pop"), {}),
        (operator, "get", reverse("cti:pop"), {"since": "stale"}),
        (operator, "get", reverse("cti:journal"), {"day": day}),
        (other, "get", reverse("cti:journal"), {"day": day, "outcome": "missed"}),
        (supervisor, "get", reverse("cti:journal"), {"day": day, "page": "2"}),
        (operator, "get", reverse("callcenter:callbacks"), {}),
        (operator, "get", reverse("callcenter:case_create"), {"call": on_the_line.public_id}),
        # Another operator's call: refused, and the refusal logs no number either.
        (other, "get", reverse("callcenter:case_create"), {"call": on_the_line.public_id}),
        (operator, "post", reverse("cti:dismiss", args=[on_the_line.public_id]), {}),
    ]
    shown = {}
    clients = {user: login_client(user) for user in (operator, other, supervisor)}
    for user, method, path, params in requests:
        client = clients[user]
        response = getattr(client, method)(path, params)
        assert response.status_code in (200, 404), (path, response.status_code)
        assert not TRACES.search(response.request["PATH_INFO"])
        assert not TRACES.search(response.request.get("QUERY_STRING", ""))
        for url in urls_in(response):
            assert not TRACES.search(url), (path, url)
        shown[(user.username, path, str(params))] = response.content.decode()

    # The pages did show the numbers (so the checks above looked at real screens)…
    pop = shown[(operator.username, reverse("cti:pop"), "{}")]
    assert ON_THE_LINE in json.loads(pop)["call"]["caller"]
    assert MISSED in shown[(operator.username, reverse("callcenter:callbacks"), "{}")]
    # …each one audited, and none reached a log line.
    assert AuditEvent.objects.filter(record_type="cti.call").exists()
    assert caplog.records, "the requests were logged (a refused one at least)"
    assert not TRACES.search(caplog.text), caplog.text
