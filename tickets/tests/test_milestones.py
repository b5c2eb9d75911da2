"""Case.first_answered_at / first_told_at / first_closed_at: the first time, kept by the workflow.

They must always equal the earliest timeline line of their status, which is what the
statistics used to compute from CaseEvent for every case on every page view.
"""

import datetime
import importlib
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.db import connection
from django.db.models import Min, Q

from departments.services import case_record_direct_answer
from tickets.models import Case, CaseEvent, Category
from tickets.services import (
    case_change_status,
    case_create,
    case_record_citizen_callback,
    case_reply,
    case_set_work_status,
    case_transfer,
)

JST = ZoneInfo("Asia/Tokyo")
T0 = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=JST)


def at(hours: float) -> datetime.datetime:
    return T0 + datetime.timedelta(hours=hours)


def new_case(user, code: str = "road-damage", **fields) -> Case:
    with time_machine.travel(T0, tick=False):
        return case_create(
            created_by=user,
            category=Category.objects.get(code=code),
            title="道路に穴",
            received_at=T0,
            **fields,
        )


def milestones(case: Case) -> tuple:
    case.refresh_from_db()
    return case.first_answered_at, case.first_told_at, case.first_closed_at


def timeline_minimum(case: Case) -> tuple:
    """What the statistics computed before: MIN(at) of the timeline per status."""
    firsts = CaseEvent.objects.filter(case=case).aggregate(
        **{
            column: Min("at", filter=Q(to_status=status))
            for status, column in Case.MILESTONES.items()
        }
    )
    return firsts["first_answered_at"], firsts["first_told_at"], firsts["first_closed_at"]


@pytest.mark.django_db
def test_reply_call_back_and_close_set_the_milestones_once(operator, staff_tobu):
    case = new_case(operator)
    assert milestones(case) == (None, None, None)

    with time_machine.travel(at(1), tick=False):
        case = case_set_work_status(case=case, user=staff_tobu, work_status="working")
    assert milestones(case) == (None, None, None)  # 所管課対応中 is no milestone
    with time_machine.travel(at(10), tick=False):
        case = case_reply(case=case, user=staff_tobu, reply_text="補修します。")
    assert case.first_answered_at == at(10)  # the returned case is up to date too
    # The operator records at 13:00 that the citizen was told at 12:00.
    with time_machine.travel(at(13), tick=False):
        case = case_record_citizen_callback(
            case=case, user=operator, told_at=at(12), method="phone"
        )
    with time_machine.travel(at(24), tick=False):
        case = case_change_status(case=case, user=operator, status=Case.Status.CLOSED)
    assert milestones(case) == (at(10), at(12), at(24))

    # Reopened, answered, told and closed again: the first times stay.
    with time_machine.travel(at(30), tick=False):
        case = case_change_status(case=case, user=operator, status=Case.Status.IN_PROGRESS)
    with time_machine.travel(at(40), tick=False):
        case = case_reply(case=case, user=staff_tobu, reply_text="再度補修しました。")
        case = case_record_citizen_callback(
            case=case, user=operator, told_at=at(41), method="phone"
        )
    with time_machine.travel(at(50), tick=False):
        case = case_change_status(case=case, user=operator, status=Case.Status.CLOSED)
    case.refresh_from_db()
    assert case.replied_at == at(40)  # the latest reply, as shown on the case page
    assert milestones(case) == (at(10), at(12), at(24)) == timeline_minimum(case)


@pytest.mark.django_db
def test_the_earliest_moment_wins_not_the_first_written(operator, staff_tobu):
    case = new_case(operator)
    with time_machine.travel(at(10), tick=False):
        case = case_reply(case=case, user=staff_tobu, reply_text="補修します。")
        case = case_record_citizen_callback(
            case=case, user=operator, told_at=at(10), method="phone"
        )
        # Reopened: the call center's (tickets/policy.py).
        case = case_change_status(case=case, user=operator, status=Case.Status.IN_PROGRESS)
    with time_machine.travel(at(20), tick=False):
        case = case_reply(case=case, user=staff_tobu, reply_text="訂正します。")
        # A call back typed in later with an earlier moment than the one recorded before.
        case = case_record_citizen_callback(case=case, user=operator, told_at=at(5), method="phone")
    assert milestones(case) == (at(10), at(5), None) == timeline_minimum(case)


@pytest.mark.django_db
def test_answer_without_call_back_transfer_and_direct_answer(operator, staff_tobu, kobe):
    case = new_case(operator, reply_needed=False)
    with time_machine.travel(at(3), tick=False):
        case = case_change_status(case=case, user=staff_tobu, status=Case.Status.ANSWERED)
    with time_machine.travel(at(4), tick=False):
        case = case_change_status(case=case, user=operator, status=Case.Status.CLOSED)
    assert milestones(case) == (at(3), None, at(4))
    with time_machine.travel(at(5), tick=False):
        case = case_change_status(case=case, user=operator, status=Case.Status.IN_PROGRESS)
        case = case_transfer(case=case, user=operator, department=kobe["kensetsu-seibu"])
    # Back at 受付 in another department: what happened before still happened.
    assert case.status == Case.Status.RECEIVED
    assert milestones(case) == (at(3), None, at(4))

    # A department's own answer to the citizen is no 市民回答済 line of the timeline.
    direct = new_case(operator, direct_answer=True)
    with time_machine.travel(at(6), tick=False):
        direct = case_reply(case=direct, user=staff_tobu, reply_text="直接回答しました。")
        case_record_direct_answer(case=direct, user=staff_tobu, told_at=at(6), method="phone")
    assert milestones(direct) == (at(6), None, None) == timeline_minimum(direct)


@pytest.mark.django_db
def test_migration_backfill_takes_the_first_time_from_the_timeline(operator, staff_tobu):
    reopened = new_case(operator)
    with time_machine.travel(at(10), tick=False):
        reopened = case_reply(case=reopened, user=staff_tobu, reply_text="補修します。")
        reopened = case_record_citizen_callback(
            case=reopened, user=operator, told_at=at(11), method="phone"
        )
    with time_machine.travel(at(12), tick=False):
        reopened = case_change_status(case=reopened, user=operator, status=Case.Status.CLOSED)
        reopened = case_change_status(case=reopened, user=operator, status=Case.Status.IN_PROGRESS)
    with time_machine.travel(at(20), tick=False):
        reopened = case_reply(case=reopened, user=staff_tobu, reply_text="再度。")
    answered = new_case(operator, code="streetlight")
    with time_machine.travel(at(7), tick=False):
        case_reply(case=answered, user=staff_tobu, reply_text="修理します。")
    untouched = new_case(operator, code="park-equipment")
    expected = {c.pk: milestones(c) for c in (reopened, answered, untouched)}
    assert expected == {
        reopened.pk: (at(10), at(11), at(12)),
        answered.pk: (at(7), None, None),
        untouched.pk: (None, None, None),
    }
    # As before the migration: the columns are empty, only the timeline knows.
    Case.objects.update(first_answered_at=None, first_told_at=None, first_closed_at=None)

    migration = importlib.import_module("tickets.migrations.0009_case_first_milestones")
    migration.backfill_milestones(apps, SimpleNamespace(connection=connection))

    assert {c.pk: milestones(c) for c in (reopened, answered, untouched)} == expected
