"""Who may change a case's status (tickets/policy.py): the service refuses what the case page
does not offer, whoever calls it, and writes nothing."""

import pytest
from django.utils import timezone

from tickets.models import Case
from tickets.policy import StatusChangeRefused, status_actions_for
from tickets.services import (
    case_change_status,
    case_record_citizen_callback,
    case_reply,
    case_set_work_status,
)
from tickets.tests.factories import make_case


def refused(case: Case, user, status: str) -> None:
    events = case.events.count()
    before = case.status
    with pytest.raises(StatusChangeRefused):
        case_change_status(case=case, user=user, status=status)
    case.refresh_from_db()
    assert case.status == before
    assert case.events.count() == events


@pytest.fixture
def received(operator):
    return make_case(operator)  # roads: 東部建設事務所 (staff_tobu)


def test_only_the_cases_department_starts_its_work(received, operator, supervisor, staff_seibu):
    for user in (operator, supervisor, staff_seibu):
        refused(received, user, Case.Status.IN_PROGRESS)


def test_the_department_does_not_close_or_reopen(received, operator, staff_tobu):
    case = case_reply(case=received, user=staff_tobu, reply_text="補修しました。")
    refused(case, staff_tobu, Case.Status.CITIZEN_ANSWERED)
    refused(case, staff_tobu, Case.Status.IN_PROGRESS)  # a reopen is the call center's
    direct = case_reply(
        case=make_case(operator, direct_answer=True), user=staff_tobu, reply_text="直接回答"
    )
    refused(direct, staff_tobu, Case.Status.CLOSED)


def test_the_call_center_does_not_answer_for_the_department(received, operator):
    refused(received, operator, Case.Status.ANSWERED)


def test_an_administrator_changes_no_status(received, admin_user):
    refused(received, admin_user, Case.Status.CLOSED)


def test_allowed_changes_go_through(received, operator, staff_tobu):
    case = case_change_status(case=received, user=staff_tobu, status=Case.Status.IN_PROGRESS)
    case = case_change_status(case=case, user=staff_tobu, status=Case.Status.ANSWERED)
    case = case_change_status(case=case, user=operator, status=Case.Status.CITIZEN_ANSWERED)
    case = case_change_status(case=case, user=operator, status=Case.Status.CLOSED)
    case = case_change_status(case=case, user=operator, status=Case.Status.IN_PROGRESS)
    assert case.status == Case.Status.IN_PROGRESS


def test_the_buttons_are_what_the_service_allows(received, operator, staff_tobu, staff_seibu):
    assert status_actions_for(operator, received) == []
    assert status_actions_for(staff_seibu, received) == []
    assert [status for status, _label in status_actions_for(staff_tobu, received)] == [
        Case.Status.IN_PROGRESS
    ]
    direct = case_reply(
        case=make_case(operator, direct_answer=True), user=staff_tobu, reply_text="直接回答"
    )
    assert [label for _status, label in status_actions_for(operator, direct)] == [
        "完了にする",
        "再開する（所管課対応中に戻す）",
    ]
    assert status_actions_for(staff_tobu, direct) == []
    closed = case_change_status(case=direct, user=operator, status=Case.Status.CLOSED)
    assert status_actions_for(operator, closed) == [
        (Case.Status.IN_PROGRESS, "再開する（所管課対応中に戻す）")
    ]


def test_the_answer_the_work_status_and_the_call_back_are_refused_to_the_wrong_role(
    operator, staff_tobu, staff_seibu
):
    """The services check who, not only the views: nothing is written for a refused call."""
    case = make_case(operator)
    for refused in (
        lambda: case_reply(case=case, user=operator, reply_text="回答"),
        lambda: case_reply(case=case, user=staff_seibu, reply_text="回答"),
        lambda: case_set_work_status(case=case, user=operator, work_status="working"),
        lambda: case_set_work_status(case=case, user=staff_seibu, work_status="working"),
    ):
        with pytest.raises(StatusChangeRefused):
            refused()
    case.refresh_from_db()
    assert (case.status, case.work_status, case.reply_text) == (
        Case.Status.RECEIVED,
        Case.WorkStatus.NOT_STARTED,
        "",
    )
    case = case_reply(case=case, user=staff_tobu, reply_text="補修しました。")
    with pytest.raises(StatusChangeRefused):
        case_record_citizen_callback(
            case=case, user=staff_tobu, told_at=timezone.now(), method="phone"
        )
    case.refresh_from_db()
    assert case.status == Case.Status.ANSWERED and case.citizen_told_at is None
    assert case.events.count() == 2  # created, the department's answer
