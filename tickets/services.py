"""Case workflows that touch more than one row: creation, status changes, transfers, replies.

Every change writes a CaseEvent (who, when, from/to) and bumps the case's version in the
same transaction. Notifications are written into the outbox in that transaction too
(kobepost.notifications): a mail exists exactly when the change was committed, and a
rolled-back change mails nobody.

Optimistic locking: workflows that a person starts from a form take ``expected_version``
(the version the form was shown with). The UPDATE only matches that version; if another
person saved first, ``StaleCase`` tells what they changed and nothing is written.
"""

import datetime
import secrets
from typing import Any

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from departments.models import Contractor, Department
from kobepost.accounts.models import User
from kobepost.lib.jp_calendar import fiscal_year_of
from kobepost.notifications import notice_texts
from kobepost.notifications.mail import CaseFacts
from kobepost.notifications.models import Notification
from kobepost.notifications.services import (
    Audience,
    event_key,
    notice_post,
    notification_queue_case,
)
from kobepost.privacy.models import DataCorrection, DataRequest
from kobepost.public.mail import PostEvent, post_status_notify
from kobepost.public.models import Post, linked_post_status
from tickets.corrections import (
    CORRECTABLE_FIELDS,
    LOCATION,
    current_value,
    field_label,
    value_text,
)
from tickets.counted_months import case_counts_changed
from tickets.models import Case, CaseEvent, FiscalYearCounter, IntakeToken
from tickets.outbound import Channel, outbound_case
from tickets.policy import (
    StatusChangeRefused,
    may_record_citizen_callback,
    may_set_work_status,
    status_change_check,
)


class StaleCase(Exception):
    """Someone saved the case after the form was shown: nothing was written."""

    def __init__(self, case: Case, since_version: int) -> None:
        super().__init__(f"case {case.pk} is at version {case.version}, not {since_version}")
        self.case = case
        self.since_version = since_version

    @property
    def changes(self) -> QuerySet[CaseEvent]:
        """What the others did since the form's version, for the message to the user."""
        return self.case.events.filter(case_version__gt=self.since_version).select_related("actor")


def _lock(case: Case, expected_version: int | None = None) -> Case:
    locked = (
        Case.objects.select_for_update(of=("self",))
        .select_related("category", "department")
        .get(pk=case.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise StaleCase(locked, expected_version)
    return locked


def _save(case: Case, fields: list[str]) -> None:
    """Write ``fields`` and bump the version; the version is compared in the UPDATE itself."""
    now = timezone.now()
    values = {name: getattr(case, name) for name in fields if name not in {"updated_at"}}
    updated = Case.objects.filter(pk=case.pk, version=case.version).update(
        **values, version=F("version") + 1, updated_at=now
    )
    if not updated:
        raise StaleCase(Case.objects.get(pk=case.pk), case.version)
    case.version += 1
    case.updated_at = now
    # The counts of a closed month follow in the same transaction (no query this month).
    case_counts_changed(received_at=[case.received_at], fields=fields)


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
    """Write a timeline line; a status reached also sets the case's milestone column.

    Every status change of a case passes through here, so this is the one place that keeps
    Case.first_answered_at / first_told_at / first_closed_at equal to the earliest timeline
    line of that status. "Earliest" is by the line's time, not by the order of writing: a
    call back may be recorded later with the earlier moment the citizen was told.
    """
    event = CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor=actor,
        at=at or timezone.now(),
        from_status=from_status,
        to_status=to_status,
        note=note,
        case_version=case.version,
    )
    milestone = Case.MILESTONES.get(to_status)
    if milestone is not None:
        # Compared in the UPDATE itself; the version is not bumped: nothing a person typed
        # changed, and the event above already carries this change's version.
        moved = Case.objects.filter(
            Q(**{f"{milestone}__isnull": True}) | Q(**{f"{milestone}__gt": event.at}),
            pk=case.pk,
        ).update(**{milestone: event.at})
        if moved:  # a response time of the statistics changed (no query this month)
            case_counts_changed(received_at=[case.received_at], fields=[milestone])
        reached = getattr(case, milestone)
        if reached is None or event.at < reached:
            setattr(case, milestone, event.at)
    if Case.Status.CLOSED in (from_status, to_status):
        _linked_posts_follow(case, case.status, at=event.at)
    return event


def _linked_posts_follow(case: Case, status: str, *, at: datetime.datetime) -> None:
    """KOBE ぽすと posts linked to the case finish when it closes and live again if it is
    reopened: their retention period counts from the closing (kobepost.privacy.retention)."""
    post_status = linked_post_status(status)
    changing = list(Post.objects.filter(case=case).exclude(status=post_status))
    Post.objects.filter(pk__in=[post.pk for post in changing]).update(
        status=post_status, updated_at=at
    )
    if post_status == Post.Status.DONE:
        for post in changing:
            post_status_notify(post=post, event=PostEvent.FINISHED, occurrence=at.timestamp())


# --- notifications ------------------------------------------------------------------------
def department_case_path(case: Case) -> str:
    return reverse("departments:case_detail", args=[case.pk])


def callcenter_case_path(case: Case) -> str:
    return reverse("callcenter:case_detail", args=[case.pk])


def case_facts(case: Case, channel: Channel, **extra: Any) -> CaseFacts:
    """What a mail of ``channel`` says about the case: the policy's fields, scrubbed."""
    with translation.override("ja"):
        facts = outbound_case(case, channel)
        facts["ward"] = facts["ward"] or _("区の指定なし")
    return CaseFacts(**(facts | extra))


def _notify_department(
    case: Case,
    event: CaseEvent,
    *,
    kind: str,
    notice: tuple[str, dict[str, Any]],
    department: Department | None = None,
    **facts: Any,
) -> None:
    """Mail the department and post it an in-app notice (``notice``: code and params)."""
    department = department or case.department
    link = department_case_path(case)
    notification_queue_case(
        kind=kind,
        event_key=event_key("case", case.pk, event.kind, event.pk, "department"),
        audience=Audience.of_department(department),
        case=case,
        facts=case_facts(case, Channel.DEPARTMENT_MAIL, **facts),
        link=link,
    )
    code, params = notice
    notice_post(department=department, code=code, params=params, link=link)


def _notify_callcenter(
    case: Case, event: CaseEvent, *, kind: str, notice: tuple[str, dict[str, Any]], **facts: Any
) -> None:
    link = callcenter_case_path(case)
    notification_queue_case(
        kind=kind,
        event_key=event_key("case", case.pk, event.kind, event.pk, "callcenter"),
        audience=Audience.callcenter(),
        case=case,
        facts=case_facts(case, Channel.CALLCENTER_MAIL, **facts),
        link=link,
    )
    code, params = notice
    notice_post(to_callcenter=True, code=code, params=params, link=link)


def _notice_params(case: Case, **more: Any) -> dict[str, Any]:
    """What a notice about the case may name (the NOTICE channel's fields), and ``more``."""
    with translation.override("ja"):
        facts = outbound_case(case, Channel.NOTICE)
    return notice_texts.case_params(reference=facts["reference"], category=facts["category"]) | more


def contractors_for(case: Case) -> QuerySet[Contractor]:
    """The contractors a case may be handed to (the call center's case page and the
    department's offer the same list): active ones serving the case's department and its
    category (or every category)."""
    return (
        Contractor.objects.filter(active=True, departments=case.department_id)
        .filter(Q(categories=case.category_id) | Q(categories__isnull=True))
        .distinct()
    )


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
        if case.category_id is not None:
            case.reply_due_date = case.compute_reply_due_date(received_at)
        case.full_clean(exclude=["reference", "fiscal_year", "created_by"])
        case.save()
        case_counts_changed(received_at=[case.received_at], fields=None)
        created = _record(
            case, kind=CaseEvent.Kind.CREATED, actor=created_by, to_status=case.status
        )
        if case.urgent and case.urgent_contact:
            _record(
                case,
                kind=CaseEvent.Kind.URGENT_CONTACT,
                actor=created_by,
                at=case.urgent_contacted_at,
                note=_("%(contact)s に電話連絡") % {"contact": case.urgent_contact},
            )
        if case.urgent:
            _notify_department(
                case,
                created,
                kind=Notification.Kind.URGENT_CASE,
                notice=(notice_texts.CASE_URGENT, _notice_params(case)),
            )
        else:
            _notify_department(
                case,
                created,
                kind=Notification.Kind.NEW_CASE,
                notice=(notice_texts.CASE_NEW, _notice_params(case)),
            )
    return case


def case_create_once(*, token: str, created_by: User, **fields: Any) -> tuple[Case, bool]:
    """Create a case for a one-time form token; a resubmit of the token gets that case back.

    The token row is locked for the transaction, so a double click waits for the first
    submit to commit and then finds the case it created. Returns (case, created).
    """
    with transaction.atomic():
        intake = IntakeToken.objects.select_for_update().get(token=token, user=created_by)
        if intake.case is not None:
            return intake.case, False
        case = case_create(created_by=created_by, **fields)
        intake.case = case
        intake.save(update_fields=["case"])
    return case, True


def case_link_call(*, token: str, case: Case, user: User, note: str) -> tuple[Case, bool]:
    """Record another call about an existing case instead of creating a duplicate."""
    with transaction.atomic():
        intake = IntakeToken.objects.select_for_update().get(token=token, user=user)
        if intake.case is not None:
            return intake.case, False
        case = _lock(case)
        _save(case, [])
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


def case_change_status(
    *,
    case: Case,
    user: User,
    status: str,
    note: str = "",
    expected_version: int | None = None,
) -> Case:
    """Move a case along its lifecycle. A change this user may not make raises
    StatusChangeRefused (tickets.policy, a PermissionDenied); one the lifecycle does not
    allow raises InvalidTransition.

    A department's change is mailed to the call center; a reopen by the call center to the
    department.
    """
    with transaction.atomic():
        case = _lock(case, expected_version)
        if status in Case.Status.values:
            # Who first, on the locked row (whether it is a reopen depends on the status
            # now); a status that does not exist is the lifecycle's error below.
            status_change_check(user=user, case=case, status=status)
        case.check_transition(status)
        kind = CaseEvent.Kind.REOPEN if case.is_reopen(status) else CaseEvent.Kind.STATUS
        previous = case.status
        case.status = status
        fields = ["status", "updated_at"]
        if status == Case.Status.IN_PROGRESS and case.work_status == Case.WorkStatus.DONE:
            case.work_status = Case.WorkStatus.WORKING
            fields.append("work_status")
        _save(case, fields)
        event = _record(
            case, kind=kind, actor=user, from_status=previous, to_status=status, note=note
        )
        previous_label = str(Case.Status(previous).label)
        notice = (notice_texts.CASE_STATUS, _notice_params(case, status=case.status))
        if user.is_department_staff:
            _notify_callcenter(
                case,
                event,
                kind=Notification.Kind.STATUS_CHANGE,
                notice=notice,
                previous_status=previous_label,
            )
        elif kind == CaseEvent.Kind.REOPEN:
            _notify_department(
                case,
                event,
                kind=Notification.Kind.STATUS_CHANGE,
                notice=notice,
                previous_status=previous_label,
            )
    return case


def case_transfer(
    *,
    case: Case,
    user: User,
    department: Department,
    note: str = "",
    expected_version: int | None = None,
) -> Case:
    """Hand a case to another department; it starts again at 受付 there, with a new due date.

    The new department is mailed; the previous one no longer sees the case.
    """
    with transaction.atomic():
        case = _lock(case, expected_version)
        if department.pk == case.department_id:
            raise ValueError(_("同じ所管課には移管できません。"))
        if case.status == Case.Status.CLOSED:
            raise ValueError(_("完了した案件は移管できません。再開してから移管してください。"))
        previous_status = case.status
        previous_department = case.department.name
        text = _("%(old)s → %(new)s") % {"old": previous_department, "new": department.name}
        case.department = department
        case.status = Case.Status.RECEIVED
        case.work_status = Case.WorkStatus.NOT_STARTED
        case.reply_due_date = case.compute_reply_due_date(timezone.now())
        _save(case, ["department", "status", "work_status", "reply_due_date"])
        event = _record(
            case,
            kind=CaseEvent.Kind.TRANSFER,
            actor=user,
            from_status=previous_status,
            to_status=case.status,
            note=f"{text}\n{note}".strip(),
        )
        _notify_department(
            case,
            event,
            kind=Notification.Kind.TRANSFER,
            notice=(notice_texts.CASE_TRANSFERRED, _notice_params(case)),
            previous_department=previous_department,
        )
    return case


def case_reply(
    *, case: Case, user: User, reply_text: str, expected_version: int | None = None
) -> Case:
    """The department's answer: sets the reply, moves the case to 回答済, mails the center."""
    with transaction.atomic():
        case = _lock(case, expected_version)
        status_change_check(user=user, case=case, status=Case.Status.ANSWERED)
        case.check_transition(Case.Status.ANSWERED)
        previous = case.status
        case.reply_text = reply_text
        case.replied_at = timezone.now()
        case.status = Case.Status.ANSWERED
        _save(case, ["reply_text", "replied_at", "status"])
        event = _record(
            case,
            kind=CaseEvent.Kind.REPLY,
            actor=user,
            from_status=previous,
            to_status=case.status,
            note=reply_text,
        )
        _notify_callcenter(
            case,
            event,
            kind=Notification.Kind.DEPARTMENT_REPLY,
            notice=(notice_texts.CASE_REPLIED, _notice_params(case)),
        )
    return case


def case_set_work_status(
    *,
    case: Case,
    user: User,
    work_status: str,
    note: str = "",
    expected_version: int | None = None,
) -> Case:
    """The department's progress on the ground (未着手/対応中/対応済); mailed to the center.

    A department starting work on a new case also moves it from 受付 to 所管課対応中.
    """
    if work_status not in Case.WorkStatus.values:
        raise ValueError(_("対応状況が正しくありません。"))
    with transaction.atomic():
        case = _lock(case, expected_version)
        if not may_set_work_status(user, case):
            raise StatusChangeRefused(_("対応状況は、案件の所管課だけが記録できます。"))
        previous = Case.WorkStatus(case.work_status).label
        previous_status = case.status
        case.work_status = work_status
        fields = ["work_status"]
        if work_status != Case.WorkStatus.NOT_STARTED and case.status == Case.Status.RECEIVED:
            case.status = Case.Status.IN_PROGRESS
            fields.append("status")
        _save(case, fields)
        label = Case.WorkStatus(work_status).label
        event = _record(
            case,
            kind=CaseEvent.Kind.WORK_STATUS,
            actor=user,
            from_status=previous_status if previous_status != case.status else "",
            to_status=case.status if previous_status != case.status else "",
            note=f"{previous} → {label}\n{note}".strip(),
        )
        with translation.override("ja"):
            status_text = f"{case.get_status_display()}（{_('対応状況')}: {label}）"
        _notify_callcenter(
            case,
            event,
            kind=Notification.Kind.STATUS_CHANGE,
            notice=(notice_texts.CASE_WORK_STATUS, _notice_params(case, work_status=work_status)),
            status=status_text,
            previous_status=str(previous),
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
        case = _lock(case)
        if not may_record_citizen_callback(user):
            raise StatusChangeRefused(_("市民への回答の記録は、コールセンターだけができます。"))
        case.check_transition(Case.Status.CITIZEN_ANSWERED)
        previous = case.status
        case.status = Case.Status.CITIZEN_ANSWERED
        case.citizen_told_at = told_at
        _save(case, ["status", "citizen_told_at"])
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


def case_correct(
    *,
    case: Case,
    user: User,
    changes: dict[str, Any],
    reason: str,
    data_request: DataRequest | None = None,
    expected_version: int | None = None,
) -> CaseEvent:
    """Put right what the case records wrongly (訂正): caller, place, category, text.

    ``changes`` maps names of tickets.corrections.CORRECTABLE_FIELDS to their corrected
    values (``location`` to a (latitude, longitude) pair); unchanged ones are ignored.
    Each changed field gets a DataCorrection row with the values before and after, and
    the timeline one line that names the fields and the reason, never the values. The
    other side (the department, or the call center when the department corrects) gets an
    in-app notice naming the fields; nothing is mailed, because a correction is personal
    data and the mail already sent carried none of it. The department stays: moving the
    case is a transfer, with its own notice and due date.
    """
    reason = reason.strip()
    if not reason:
        raise ValueError(_("訂正の理由を入力してください。"))
    unknown = set(changes) - set(CORRECTABLE_FIELDS)
    if unknown:
        raise ValueError(f"not correctable: {sorted(unknown)}")
    with transaction.atomic():
        case = _lock(case, expected_version)
        changed: list[tuple[str, str, str]] = []
        fields: list[str] = []
        for name in CORRECTABLE_FIELDS:
            if name not in changes:
                continue
            old, new = current_value(case, name), changes[name]
            if old == new or (name == "category" and getattr(new, "pk", None) == case.category_id):
                continue
            changed.append((name, value_text(name, old), value_text(name, new)))
            if name == LOCATION:
                case.latitude, case.longitude = new
                fields += ["latitude", "longitude"]
            else:
                setattr(case, name, new)
                fields.append(name)
        if not changed:
            raise ValueError(_("変更された項目がありません。訂正する内容を入力してください。"))
        if "category" in fields:
            case.dial_id = case.category.dial_id
            fields.append("dial")
        # Case.save (not _save's UPDATE) so that the search columns and the phone digits
        # follow the correction; the row is locked, so the version cannot move.
        case.version += 1
        case.save(update_fields=[*fields, "version", "updated_at"])
        case_counts_changed(received_at=[case.received_at], fields=fields)
        labels = "、".join(field_label(name) for name, _old, _new in changed)
        note = _("訂正した項目: %(fields)s\n理由: %(reason)s") % {
            "fields": labels,
            "reason": reason,
        }
        if data_request is not None:
            note += "\n" + _("開示等の請求 #%(number)s") % {"number": data_request.pk}
        event = _record(case, kind=CaseEvent.Kind.CORRECTION, actor=user, note=note)
        DataCorrection.objects.bulk_create(
            DataCorrection(
                data_request=data_request,
                record_type="tickets.case",
                record_id=str(case.pk),
                field=name,
                old_value=old,
                new_value=new,
                corrected_by=user,
                corrected_at=event.at,
                reason=reason,
                event=event,
            )
            for name, old, new in changed
        )
        params = _notice_params(case, fields=[name for name, _old, _new in changed])
        if user.is_department_staff:
            notice_post(
                to_callcenter=True,
                code=notice_texts.CASE_CORRECTED,
                params=params,
                link=callcenter_case_path(case),
            )
        else:
            notice_post(
                department=case.department,
                code=notice_texts.CASE_CORRECTED,
                params=params,
                link=department_case_path(case),
            )
    return event
