"""Case workflows that touch more than one row: creation, status changes, transfers, replies.

Every change writes a CaseEvent (who, when, from/to) in the same transaction.

Notifications (mail to the department, to the call center) are a later issue. They will hook
in at ``_after_commit_notify``, which every workflow already calls once its transaction has
committed; today it does nothing and sends no mail.
"""

import datetime
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from departments.models import Department
from kobepost.models import User
from tickets.models import Case, CaseEvent, FiscalYearCounter, IntakeToken, fiscal_year_of


def _after_commit_notify(case: Case, event: CaseEvent) -> None:
    """Hook point for the notification issue: runs after commit, sends nothing yet."""


def _record(
    case: Case,
    *,
    kind: str,
    actor: User,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    at: datetime.datetime | None = None,
) -> CaseEvent:
    event = CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor=actor,
        at=at or timezone.now(),
        from_status=from_status,
        to_status=to_status,
        note=note,
    )
    transaction.on_commit(lambda: _after_commit_notify(case, event))
    return event


def case_create(*, created_by: User, **fields: Any) -> Case:
    """Save a new case with the next reference number of its fiscal year."""
    with transaction.atomic():
        case = Case(created_by=created_by, **fields)
        if case.category_id is not None:
            case.dial_id = case.category.dial_id
            if case.department_id is None:
                case.department_id = case.category.department_id
            if "direct_answer" not in fields:
                case.direct_answer = case.category.direct_answer_default
        received_at = case.received_at or timezone.now()
        case.fiscal_year = fiscal_year_of(received_at)
        case.reference = FiscalYearCounter.allocate(case.fiscal_year)
        case.full_clean(exclude=["reference", "fiscal_year", "created_by"])
        case.save()
        _record(case, kind=CaseEvent.Kind.CREATED, actor=created_by, to_status=case.status)
        if case.urgent and case.urgent_contact:
            _record(
                case,
                kind=CaseEvent.Kind.URGENT_CONTACT,
                actor=created_by,
                at=case.urgent_contacted_at,
                note=_("%(contact)s に電話連絡") % {"contact": case.urgent_contact},
            )
    return case


def case_create_once(*, token: str, created_by: User, **fields: Any) -> tuple[Case, bool]:
    """Create a case for a one-time form token; a resubmit of the token gets that case back.

    The token row is locked for the transaction, so a double click waits for the first
    submit to commit and then finds the case it created. Returns (case, created).
    """
    with transaction.atomic():
        intake = IntakeToken.objects.select_for_update().get(token=token, user=created_by)
        if intake.case_id is not None:
            return intake.case, False
        case = case_create(created_by=created_by, **fields)
        intake.case = case
        intake.save(update_fields=["case"])
    return case, True


def case_link_call(*, token: str, case: Case, user: User, note: str) -> tuple[Case, bool]:
    """Record another call about an existing case instead of creating a duplicate."""
    with transaction.atomic():
        intake = IntakeToken.objects.select_for_update().get(token=token, user=user)
        if intake.case_id is not None:
            return intake.case, False
        _record(case, kind=CaseEvent.Kind.LINKED_CALL, actor=user, note=note)
        intake.case = case
        intake.save(update_fields=["case"])
    return case, True


def intake_token_issue(*, user: User) -> str:
    # Tokens older than a day belong to forms nobody will submit any more.
    IntakeToken.objects.filter(created_at__lt=timezone.now() - datetime.timedelta(days=1)).delete()
    token = secrets.token_urlsafe(32)
    IntakeToken.objects.create(token=token, user=user)
    return token


def case_change_status(*, case: Case, user: User, status: str, note: str = "") -> Case:
    """Move a case along its lifecycle; refused changes raise InvalidTransition."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        case.check_transition(status)
        kind = CaseEvent.Kind.REOPEN if case.is_reopen(status) else CaseEvent.Kind.STATUS
        previous = case.status
        case.status = status
        fields = ["status", "updated_at"]
        if status == Case.Status.IN_PROGRESS and case.work_status == Case.WorkStatus.DONE:
            case.work_status = Case.WorkStatus.WORKING
            fields.append("work_status")
        case.save(update_fields=fields)
        _record(case, kind=kind, actor=user, from_status=previous, to_status=status, note=note)
    return case


def case_transfer(*, case: Case, user: User, department: Department, note: str = "") -> Case:
    """Hand a case to another department; it starts again at 受付 there."""
    with transaction.atomic():
        case = Case.objects.select_for_update().select_related("department").get(pk=case.pk)
        if department.pk == case.department_id:
            raise ValueError(_("同じ所管課には移管できません。"))
        if case.status == Case.Status.CLOSED:
            raise ValueError(_("完了した案件は移管できません。再開してから移管してください。"))
        previous_status = case.status
        text = _("%(old)s → %(new)s") % {"old": case.department.name, "new": department.name}
        case.department = department
        case.status = Case.Status.RECEIVED
        case.work_status = Case.WorkStatus.NOT_STARTED
        case.save(update_fields=["department", "status", "work_status", "updated_at"])
        _record(
            case,
            kind=CaseEvent.Kind.TRANSFER,
            actor=user,
            from_status=previous_status,
            to_status=case.status,
            note=f"{text}\n{note}".strip(),
        )
    return case


def case_reply(*, case: Case, user: User, reply_text: str) -> Case:
    """The department's answer: sets the reply and moves the case to 回答済."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        case.check_transition(Case.Status.ANSWERED)
        previous = case.status
        case.reply_text = reply_text
        case.replied_at = timezone.now()
        case.status = Case.Status.ANSWERED
        case.save(update_fields=["reply_text", "replied_at", "status", "updated_at"])
        _record(
            case,
            kind=CaseEvent.Kind.REPLY,
            actor=user,
            from_status=previous,
            to_status=case.status,
            note=reply_text,
        )
    return case


def case_set_work_status(*, case: Case, user: User, work_status: str, note: str = "") -> Case:
    """The department's progress on the ground (未着手/対応中/対応済), kept for reports."""
    if work_status not in Case.WorkStatus.values:
        raise ValueError(_("対応状況が正しくありません。"))
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        previous = Case.WorkStatus(case.work_status).label
        case.work_status = work_status
        case.save(update_fields=["work_status", "updated_at"])
        label = Case.WorkStatus(work_status).label
        _record(
            case,
            kind=CaseEvent.Kind.WORK_STATUS,
            actor=user,
            note=f"{previous} → {label}\n{note}".strip(),
        )
    return case


CALLBACK_METHODS = {
    "phone": gettext_lazy("電話"),
    "fax": gettext_lazy("FAX"),
    "email": gettext_lazy("電子メール"),
}


def case_record_citizen_callback(
    *, case: Case, user: User, told_at: datetime.datetime, method: str, note: str = ""
) -> Case:
    """The operator told the citizen the department's answer: 回答済 → 市民回答済."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        case.check_transition(Case.Status.CITIZEN_ANSWERED)
        previous = case.status
        case.status = Case.Status.CITIZEN_ANSWERED
        case.citizen_told_at = told_at
        case.save(update_fields=["status", "citizen_told_at", "updated_at"])
        method_label = str(CALLBACK_METHODS.get(method, method))
        _record(
            case,
            kind=CaseEvent.Kind.CALLBACK,
            actor=user,
            at=told_at,
            from_status=previous,
            to_status=case.status,
            note=f"{method_label}: {note}".strip().rstrip(":"),
        )
    return case
