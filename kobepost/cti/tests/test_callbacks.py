"""Missed and abandoned calls from a known number wait in the call-back queue with the cases."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from kobepost.audit.models import AuditEvent
from kobepost.cti.demo import ring_call
from kobepost.cti.models import Call
from kobepost.cti.services import call_link_case
from tickets.models import Case
from tickets.services import case_reply
from tickets.tests.factories import make_case

QUEUE = reverse("callcenter:callbacks")


def ring(pbx, roads, call_id, caller, outcome, minutes_ago):
    return ring_call(
        pbx[0],
        call_id,
        at=timezone.now() - datetime.timedelta(minutes=minutes_ago),
        caller=caller,
        dial_id=roads.pk,
        extension="201",
        outcome=outcome,
        ring=30,
    )


@pytest.fixture
def queue(pbx, seated, roads, operator, staff_tobu):
    """Oldest first: a missed call, an answered case, an abandoned call, then noise."""
    missed = ring(pbx, roads, "m-1", "078-331-8181", "missed", 90)
    case = make_case(operator, title="街灯の修理依頼", caller_name="田中 一郎")
    case_reply(case=case, user=staff_tobu, reply_text="明日修理します。")
    Case.objects.filter(pk=case.pk).update(
        replied_at=timezone.now() - datetime.timedelta(minutes=60)
    )
    abandoned = ring(pbx, roads, "a-1", "078-851-2222", "abandoned", 30)
    ring(pbx, roads, "w-1", "非通知", "missed", 20)  # nobody to call back
    ring(pbx, roads, "x-1", "078-242-1111", "answered", 10)  # answered: nothing owed
    return missed, case, abandoned


def queue_rows(response) -> list[tuple[str, int]]:
    return [(row["source"], row["pk"]) for row in response.context["page"].object_list]


def test_missed_calls_are_in_the_queue_ordered_with_the_cases(login_client, operator, queue):
    missed, case, abandoned = queue
    response = login_client(operator).get(QUEUE)
    assert queue_rows(response) == [("call", missed.pk), ("case", case.pk), ("call", abandoned.pk)]
    page = response.content.decode()
    assert "078-331-8181" in page and "078-851-2222" in page and "非通知" not in page
    assert f"?call={missed.public_id}" in page
    assert reverse("cti:callback_done", args=[missed.public_id]) in page


def test_the_queue_page_audits_the_numbers_it_shows(login_client, operator, queue):
    missed, case, abandoned = queue
    login_client(operator).get(QUEUE)
    calls = AuditEvent.objects.filter(record_type="cti.call").values_list("record_id", flat=True)
    cases = AuditEvent.objects.filter(record_type="tickets.case").values_list(
        "record_id", flat=True
    )
    assert set(calls) == {str(missed.pk), str(abandoned.pk)} and list(cases) == [str(case.pk)]


def test_a_call_back_done_leaves_the_queue(login_client, operator, queue):
    missed, _case, _abandoned = queue
    client = login_client(operator)
    response = client.post(reverse("cti:callback_done", args=[missed.public_id]))
    assert response.status_code == 302 and response["Location"] == QUEUE
    missed.refresh_from_db()
    assert missed.callback_resolution == Call.Resolution.CALLED_BACK
    assert missed.callback_done_by == operator
    assert ("call", missed.pk) not in queue_rows(client.get(QUEUE))
    again = client.post(reverse("cti:callback_done", args=[missed.public_id]), follow=True)
    assert "折り返し待ちではありません" in again.content.decode()


def test_an_intake_started_from_a_missed_call_settles_it(login_client, operator, queue):
    missed, _case, _abandoned = queue
    assert call_link_case(
        public_id=str(missed.public_id), case=make_case(operator), user=operator, existing=False
    )
    missed.refresh_from_db()
    assert missed.callback_resolution == Call.Resolution.CASE
    assert not Call.objects.awaiting_callback().filter(pk=missed.pk).exists()


def test_department_staff_cannot_mark_a_call_back(login_client, staff_tobu, queue):
    missed = queue[0]
    response = login_client(staff_tobu).post(reverse("cti:callback_done", args=[missed.public_id]))
    assert response.status_code == 403
    assert Call.objects.awaiting_callback().filter(pk=missed.pk).exists()


def test_the_queue_pages_through_cases_and_calls_together(login_client, operator, pbx, roads):
    for number in range(55):
        ring(pbx, roads, f"p-{number}", f"078-331-{1000 + number}", "missed", 200 - number)
    client = login_client(operator)
    first = client.get(QUEUE)
    second = client.get(QUEUE, {"page": 2})
    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 5
    assert first.context["page"].paginator.count == 55


def test_a_call_neither_theirs_nor_to_call_back_cannot_be_marked(login_client, operator2, queue):
    answered = Call.objects.get(call_id="x-1")  # answered at 山田's extension
    response = login_client(operator2).post(reverse("cti:callback_done", args=[answered.public_id]))
    assert response.status_code == 404
    assert Call.objects.get(pk=answered.pk).callback_done_at is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans")
def test_the_queue_is_sorted_once_not_each_part_first(queue):
    """Each part of the union read without its model's ordering: ordered parts were each
    sorted by receipt, then sorted again in the queue's order (7.3 → 2.6 ms for 14,506
    waiting cases on 2,000,000)."""
    from callcenter.views import callback_queue

    plan = callback_queue()[:50].explain()
    assert plan.count("Sort Key") == 1, plan
    assert "received_at" not in plan and "started_at" not in plan, plan


def test_a_long_queue_is_counted_up_to_the_cap_and_pages_to_its_end(
    login_client, operator, pbx, roads, monkeypatch
):
    """Beyond the cap the page says "N ページ目" instead of a total; every waiting call is
    still reached, in order, and the last page is counted exactly."""
    from callcenter import views
    from tickets import pagination

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    monkeypatch.setattr(views, "COUNT_CAP", 3)
    monkeypatch.setattr(pagination, "DEEP_OFFSET", 2)  # pages past the first sliced as deep
    calls = [
        ring(pbx, roads, f"c-{number}", f"078-331-{2000 + number}", "missed", 100 - number)
        for number in range(7)
    ]
    client = login_client(operator)
    first = client.get(QUEUE)
    assert first.context["page"].paginator.count_is_lower_bound
    assert "1 ページ目" in first.content.decode() and "1 / " not in first.content.decode()
    seen = []
    for number in (1, 2, 3, 4):
        seen += queue_rows(client.get(QUEUE, {"page": number}))
    assert seen == [("call", call.pk) for call in calls]
    last = client.get(QUEUE, {"page": 4}).content.decode()
    assert "4 / 4 ページ" in last and 'rel="next"' not in last
