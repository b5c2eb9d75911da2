"""Every way a case goes through its lifecycle, against what the screens count.

"Overdue" (期限超過: inbox filter, supervisors' list, the daily reminder mail) and
"awaiting call-back" (折り返し待ち) are queries; each path below says where a case that
went that way must appear once its reply due date has passed. The property the pages show
(Case.is_overdue) must agree with the query.
"""

import datetime
from collections.abc import Callable

import pytest
import time_machine
from django.utils import timezone

from departments.services import case_record_direct_answer, overdue_remind
from tickets.models import Case
from tickets.services import (
    case_change_status,
    case_record_citizen_callback,
    case_reply,
    case_set_work_status,
    case_transfer,
)
from tickets.tests.factories import make_case

Step = Callable[[Case, dict], Case]


def start(case: Case, people: dict) -> Case:
    return case_change_status(case=case, user=people["staff"], status=Case.Status.IN_PROGRESS)


def work(case: Case, people: dict) -> Case:
    return case_set_work_status(case=case, user=people["staff"], work_status="working")


def reply(case: Case, people: dict) -> Case:
    return case_reply(case=case, user=people["staff"], reply_text="補修します。")


def call_back(case: Case, people: dict) -> Case:
    return case_record_citizen_callback(
        case=case, user=people["operator"], told_at=timezone.now(), method="phone"
    )


def close(case: Case, people: dict) -> Case:
    return case_change_status(case=case, user=people["operator"], status=Case.Status.CLOSED)


def reopen(case: Case, people: dict) -> Case:
    return case_change_status(case=case, user=people["operator"], status=Case.Status.IN_PROGRESS)


def direct_answer(case: Case, people: dict) -> Case:
    return case_record_direct_answer(
        case=case, user=people["staff"], told_at=timezone.now(), method="phone", note="説明済み"
    )


# (name, case fields, steps, overdue after the due date, awaiting call-back, final status)
PATHS = [
    ("受付のまま", {}, [], True, False, "received"),
    ("対応開始", {}, [start], True, False, "in_progress"),
    ("対応状況を対応中に", {}, [work], True, False, "in_progress"),
    ("回答", {}, [reply], False, True, "answered"),
    ("対応中から回答", {}, [start, reply], False, True, "answered"),
    ("回答・折り返し", {}, [reply, call_back], False, False, "citizen_answered"),
    ("回答・折り返し・完了", {}, [reply, call_back, close], False, False, "closed"),
    ("回答不要の回答", {"reply_needed": False}, [reply], False, False, "answered"),
    ("回答不要の回答・完了", {"reply_needed": False}, [reply, close], False, False, "closed"),
    ("直接回答の案件に回答", {"direct_answer": True}, [reply], False, False, "answered"),
    ("所管課直接回答", {"direct_answer": True}, [direct_answer], False, False, "answered"),
    (
        "対応中から所管課直接回答",
        {"direct_answer": True},
        [start, direct_answer],
        False,
        False,
        "answered",
    ),
    (
        "所管課直接回答・完了",
        {"direct_answer": True},
        [direct_answer, close],
        False,
        False,
        "closed",
    ),
    (
        "回答後に所管課直接回答",
        {"direct_answer": True},
        [reply, direct_answer],
        False,
        False,
        "answered",
    ),
    ("回答後に再開", {}, [reply, reopen], True, False, "in_progress"),
    ("完了後に再開", {}, [reply, call_back, close, reopen], True, False, "in_progress"),
    (
        "直接回答・完了・再開",
        {"direct_answer": True},
        [direct_answer, close, reopen],
        True,
        False,
        "in_progress",
    ),
]


@pytest.fixture
def people(operator, staff_tobu):
    return {"operator": operator, "staff": staff_tobu}


@pytest.mark.parametrize(
    ("name", "fields", "steps", "overdue", "callback", "status"),
    PATHS,
    ids=[path[0] for path in PATHS],
)
def test_each_path_is_counted_where_it_belongs(
    people, name, fields, steps, overdue, callback, status
):
    case = make_case(people["operator"], title=name, **fields)
    for step in steps:
        case = step(case, people)
    case.refresh_from_db()
    assert case.status == status
    after_due = case.reply_due_date + datetime.timedelta(days=1)
    assert Case.objects.overdue(after_due).filter(pk=case.pk).exists() is overdue
    assert Case.objects.awaiting_callback().filter(pk=case.pk).exists() is callback
    assert Case.objects.callback_queue().filter(pk=case.pk).exists() is callback
    with time_machine.travel(after_due + datetime.timedelta(hours=12), tick=False):
        assert case.is_overdue is overdue
        assert overdue_remind(today=after_due) == (1 if overdue else 0)


def test_a_direct_answer_can_be_closed_by_the_call_center_without_a_call_back(people):
    case = make_case(people["operator"], direct_answer=True)
    case = direct_answer(case, people)
    assert case.status == Case.Status.ANSWERED and case.skips_callback
    assert Case.Status.CLOSED in case.allowed_transitions()
    assert Case.Status.CITIZEN_ANSWERED not in case.allowed_transitions()


def test_a_direct_answer_on_a_case_that_is_not_one_is_refused_and_changes_nothing(people):
    case = make_case(people["operator"])
    with pytest.raises(ValueError, match="所管課直接回答の案件ではありません"):
        direct_answer(case, people)
    case.refresh_from_db()
    assert case.status == Case.Status.RECEIVED and case.citizen_told_at is None


def test_a_transfer_starts_again_with_a_new_due_date(people, kobe):
    case = make_case(people["operator"])
    after_due = case.reply_due_date + datetime.timedelta(days=1)
    with time_machine.travel(after_due, tick=False):
        assert Case.objects.overdue(after_due).filter(pk=case.pk).exists()
        case = case_transfer(case=case, user=people["operator"], department=kobe["kensetsu-kita"])
        assert case.status == Case.Status.RECEIVED and case.reply_due_date > after_due
        assert not Case.objects.overdue(after_due).filter(pk=case.pk).exists()
        assert not case.is_overdue


def test_the_direct_answer_is_the_first_answer_of_the_statistics(people):
    case = make_case(people["operator"], direct_answer=True)
    told = timezone.now() - datetime.timedelta(minutes=30)
    case = case_record_direct_answer(case=case, user=people["staff"], told_at=told, method="visit")
    case.refresh_from_db()
    assert case.first_answered_at == told and case.replied_at == told
    assert case.citizen_told_at == told and case.first_told_at is None
