"""Who may change a case's status: the one rule the case pages show and the services enforce.

The lifecycle (``Case.allowed_transitions``) says which statuses a case may go to next; this
says who may take it there. The call center closes cases, records that the citizen was told
(市民回答済) and reopens them (back to 所管課対応中 from 回答済 or later); the case's own
department starts its work (受付 → 所管課対応中) and answers (回答済). The case page offers
the first buttons (``status_actions_for``); the services that change a status
(``case_change_status``, ``case_reply``, ``case_set_work_status``,
``case_record_citizen_callback``) refuse anything else, whoever calls them.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from kobepost.accounts.models import User
from tickets.models import Case


class StatusChangeRefused(PermissionDenied):
    """This user may not make this status change (a 403 where a view lets it through)."""


def may_change_status(user: User, case: Case, status: str) -> bool:
    """Whether ``user`` may move ``case`` to ``status``, whatever its lifecycle allows now."""
    if user.is_callcenter:
        if status == Case.Status.IN_PROGRESS:
            return case.is_reopen(status)
        return status in (Case.Status.CITIZEN_ANSWERED, Case.Status.CLOSED)
    if user.is_department_staff and user.department_id == case.department_id:
        if status == Case.Status.IN_PROGRESS:
            return case.status == Case.Status.RECEIVED
        return status == Case.Status.ANSWERED
    return False


def may_set_work_status(user: User, case: Case) -> bool:
    """The work on the ground (未着手/対応中/対応済) is recorded by the case's department."""
    return bool(user.is_department_staff and user.department_id == case.department_id)


def may_record_citizen_callback(user: User) -> bool:
    """Telling the citizen the answer (市民回答済) is the call center's."""
    return bool(user.is_callcenter)


def status_change_check(*, user: User, case: Case, status: str) -> None:
    """Raise StatusChangeRefused unless ``user`` may move ``case`` to ``status``."""
    if not may_change_status(user, case, status):
        raise StatusChangeRefused(_("この状態の変更は、あなたの役割ではできません。"))


def status_actions_for(user: User, case: Case) -> list[tuple[str, str]]:
    """Status changes this user may make on this case now, as (status, button label)."""
    allowed = case.allowed_transitions()
    actions: list[tuple[str, str]] = []
    for status in (Case.Status.CLOSED, Case.Status.IN_PROGRESS):
        if status not in allowed or not may_change_status(user, case, status):
            continue
        if status == Case.Status.CLOSED:
            label = _("完了にする")
        elif case.is_reopen(status):
            label = _("再開する（所管課対応中に戻す）")
        else:
            label = _("対応を開始する")
        actions.append((status, label))
    return actions
