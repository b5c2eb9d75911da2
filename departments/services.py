"""Department workflows beyond the case lifecycle: notes, files, hand-overs, reminders.

Same rules as tickets.services: keyword-only, one transaction, a timeline event for
everything, outbox rows written inside the transaction.
"""

import datetime
import hashlib
import secrets
from collections import defaultdict
from dataclasses import dataclass
from typing import cast

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, F, Q, QuerySet, Value
from django.db.models.functions import Floor, Least
from django.template import Context, engines
from django.template.backends.django import DjangoTemplates
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from departments.models import (
    CaseAttachment,
    Contractor,
    Department,
    OverdueReminder,
    RelatedAgency,
)
from kobepost.accounts.models import User
from kobepost.lib.jp_calendar import next_business_day
from kobepost.notifications.mail import absolute_link, japanese_date
from kobepost.notifications.models import Notification
from kobepost.notifications.services import Audience, event_key, notice_post, notification_queue
from kobepost.public.photos import clean_photo
from tickets.models import Case, CaseEvent, CaseQuerySet
from tickets.outbound import Channel, outbound_case, scrub_for_case
from tickets.services import (
    StaleCase,
    _label,
    _lock,
    _notify_callcenter,
    _record,
    _save,
    department_case_path,
)

__all__ = ["StaleCase"]

MAIL_TEMPLATE = "departments/mail/department_mail.txt"
ATTACHMENT_MAX_MB = 10
PDF_MAGIC = b"%PDF-"
IMAGE_CONTENT_TYPES = {"image/jpeg", "image/png"}
DIRECT_ANSWER_METHODS = {
    "phone": gettext_lazy("電話"),
    "visit": gettext_lazy("訪問"),
    "email": gettext_lazy("電子メール"),
    "letter": gettext_lazy("文書"),
}
HANDOVER_METHODS = {
    "phone": gettext_lazy("電話"),
    "email": gettext_lazy("電子メール"),
    "fax": gettext_lazy("FAX"),
    "visit": gettext_lazy("持参・訪問"),
}


def _render_mail(part: str, context: dict) -> tuple[str, str]:
    template = cast(DjangoTemplates, engines["django"]).engine
    with translation.override("ja"):
        subject = template.get_template(f"{MAIL_TEMPLATE}#{part}_subject").render(
            Context(context, autoescape=False)
        )
        body = template.get_template(f"{MAIL_TEMPLATE}#{part}_body").render(
            Context(context, autoescape=False)
        )
    lines = [line.rstrip() for line in body.strip().splitlines()]
    return " ".join(subject.split())[:200], "\n".join(lines) + "\n"


# --- case actions ---------------------------------------------------------------------------
def case_add_internal_note(
    *, case: Case, user: User, note: str, expected_version: int | None = None
) -> Case:
    """A note for the city's staff only: never mailed, never read to the citizen."""
    with transaction.atomic():
        case = _lock(case, expected_version)
        _save(case, [])
        _record(case, kind=CaseEvent.Kind.INTERNAL_NOTE, actor=user, note=note)
    return case


def case_record_direct_answer(
    *,
    case: Case,
    user: User,
    told_at: datetime.datetime,
    method: str,
    note: str = "",
    expected_version: int | None = None,
) -> Case:
    """The department answered the citizen itself (所管課直接回答): when and how.

    The answer is the department's reply, given straight to the citizen: a case still
    waiting for it (受付, 所管課対応中) becomes 回答済 at the moment the citizen was told,
    so it is no longer counted, listed or mailed as overdue. A direct-answer case never
    waits for a call back (Case.skips_callback), so the call center can close it; they are
    told as for any status change by the department. A case already past 回答済 only
    gets the line on its timeline.
    """
    with transaction.atomic():
        case = _lock(case, expected_version)
        if not case.direct_answer:
            raise ValueError(_("この案件は所管課直接回答の案件ではありません。"))
        previous = case.status
        moves_on = previous in Case.UNANSWERED_STATUSES
        case.citizen_told_at = told_at
        fields = ["citizen_told_at"]
        if moves_on:
            case.check_transition(Case.Status.ANSWERED)
            case.status = Case.Status.ANSWERED
            case.replied_at = told_at
            fields += ["status", "replied_at"]
        _save(case, fields)
        label = str(DIRECT_ANSWER_METHODS.get(method, method))
        event = _record(
            case,
            kind=CaseEvent.Kind.DIRECT_ANSWER,
            actor=user,
            at=told_at,
            from_status=previous if moves_on else "",
            to_status=case.status if moves_on else "",
            note=f"{label}\n{note}".strip(),
        )
        if moves_on:
            _notify_callcenter(
                case,
                event,
                kind=Notification.Kind.STATUS_CHANGE,
                notice=_("所管課が市民へ直接回答 %(case)s") % {"case": _label(case)},
                previous_status=str(Case.Status(previous).label),
            )
    return case


@dataclass(frozen=True)
class CleanFile:
    content: bytes
    content_type: str
    is_image: bool


def clean_attachment(upload: UploadedFile) -> CleanFile:
    """A photo (re-encoded without metadata) or a PDF; anything else is refused."""
    head = upload.read(len(PDF_MAGIC))
    upload.seek(0)
    if head == PDF_MAGIC:
        limit = ATTACHMENT_MAX_MB * 1024 * 1024
        data = upload.read(limit + 1)
        if len(data) > limit:
            raise ValidationError(
                _("ファイルが大きすぎます（%(limit)s MB まで）。") % {"limit": ATTACHMENT_MAX_MB}
            )
        return CleanFile(content=data, content_type="application/pdf", is_image=False)
    try:
        photo = clean_photo(upload)
    except ValidationError as error:
        if error.code == "not_a_photo":
            raise ValidationError(
                _("添付できるのは写真（JPEG・PNG）と PDF だけです。"), code="bad_type"
            ) from None
        raise
    return CleanFile(content=photo.content, content_type="image/jpeg", is_image=True)


def case_attach_file(
    *, case: Case, user: User, upload: UploadedFile, description: str = ""
) -> CaseAttachment:
    """Store a checked file under MEDIA_ROOT and note it on the timeline."""
    cleaned = clean_attachment(upload)
    name = (upload.name or "file").rsplit("/", 1)[-1][:150]
    if cleaned.is_image and not name.lower().endswith((".jpg", ".jpeg")):
        name = name.rsplit(".", 1)[0] + ".jpg"
    with transaction.atomic():
        case = _lock(case)
        attachment = CaseAttachment(
            case=case,
            original_name=name,
            content_type=cleaned.content_type,
            size=len(cleaned.content),
            is_image=cleaned.is_image,
            description=description,
            uploaded_by=user,
        )
        attachment.file.save("upload", ContentFile(cleaned.content), save=False)
        try:
            attachment.save()
            _save(case, [])
            _record(
                case,
                kind=CaseEvent.Kind.ATTACHMENT,
                actor=user,
                note=f"{name}\n{description}".strip(),
            )
        except Exception:
            attachment.file.delete(save=False)
            raise
    return attachment


def contractors_for(case: Case) -> QuerySet[Contractor]:
    """Active contractors serving the case's department and its category (or every one)."""
    return (
        Contractor.objects.filter(active=True, departments=case.department_id)
        .filter(Q(categories=case.category_id) | Q(categories__isnull=True))
        .distinct()
    )


def gsi_map_link(latitude: float, longitude: float) -> str:
    return f"https://maps.gsi.go.jp/#17/{latitude:.6f}/{longitude:.6f}/"


@dataclass(frozen=True)
class OutsideMail:
    """A mail to a contractor or an agency, exactly as it will be sent."""

    recipient: str  # the contractor's or agency's name
    address: str
    subject: str
    body: str

    @property
    def digest(self) -> str:
        """What the sender confirmed: any change to the text or the address gives another."""
        text = "\n".join((self.address, self.subject, self.body))
        return hashlib.sha256(text.encode()).hexdigest()


class MailChanged(ValueError):
    """The text to send is no longer the text the sender confirmed: nothing was sent."""


def _outside_mail(
    case: Case, channel: Channel, part: str, note: str, recipient: Contractor | RelatedAgency
) -> OutsideMail:
    """The place and the problem, for people outside the city: never the caller."""
    with translation.override("ja"):
        context = outbound_case(case, channel) | {
            "note": scrub_for_case(case, note, channel),
            "department_phone": case.department.phone,
            part: recipient.name,
        }
    if context.get("latitude") is not None and context.get("longitude") is not None:
        context["map_link"] = gsi_map_link(context["latitude"], context["longitude"])
    subject, body = _render_mail(part, context)
    return OutsideMail(
        recipient=recipient.name, address=recipient.email, subject=subject, body=body
    )


def contractor_mail(case: Case, contractor: Contractor, note: str) -> OutsideMail:
    return _outside_mail(case, Channel.CONTRACTOR_MAIL, "contractor", note, contractor)


def agency_mail(case: Case, agency: RelatedAgency, note: str) -> OutsideMail:
    return _outside_mail(case, Channel.AGENCY_MAIL, "agency", note, agency)


def _check_confirmed(mail: OutsideMail, confirmed_digest: str) -> None:
    if not secrets.compare_digest(mail.digest.encode(), (confirmed_digest or "").encode()):
        raise MailChanged(
            _(
                "送信する内容が確認したときから変わりました（案件が更新された可能性があります）。"
                "内容をもう一度確認してください。"
            )
        )


def case_request_contractor(
    *, case: Case, user: User, contractor: Contractor, note: str = "", confirmed_digest: str
) -> CaseEvent:
    """Mail a repair request to a contractor and note it on the timeline.

    ``confirmed_digest`` is ``OutsideMail.digest`` of the text the sender was shown: the
    mail is rebuilt here, under the case's lock, and sent only if it is still that text.
    """
    with transaction.atomic():
        case = _lock(case)
        if not contractors_for(case).filter(pk=contractor.pk).exists():
            raise ValueError(_("この業者はこの案件の所管課・分類を担当していません。"))
        mail = contractor_mail(case, contractor, note)
        _check_confirmed(mail, confirmed_digest)
        _save(case, [])
        text = _("%(name)s へ依頼（メール）") % {"name": contractor.name}
        event = _record(
            case, kind=CaseEvent.Kind.CONTRACTOR, actor=user, note=f"{text}\n{note}".strip()
        )
        notification_queue(
            event_key=event_key("case", case.pk, "contractor", event.pk),
            kind=Notification.Kind.CONTRACTOR_REQUEST,
            audience=Audience.of_contractor(contractor),
            case=case,
            subject=mail.subject,
            body=mail.body,
        )
    return event


def case_hand_over_to_agency(
    *,
    case: Case,
    user: User,
    agency: RelatedAgency,
    handed_at: datetime.datetime,
    method: str,
    note: str = "",
    send_mail: bool = False,
    confirmed_digest: str = "",
) -> CaseEvent:
    """Record that the case went to an outside body (兵庫県, 警察 ...); optionally mail it.

    A mail goes out only as confirmed (``confirmed_digest``, see ``case_request_contractor``).
    """
    if send_mail and not agency.email:
        raise ValueError(_("この関係機関にはメールアドレスが登録されていません。"))
    with transaction.atomic():
        case = _lock(case)
        mail = agency_mail(case, agency, note) if send_mail else None
        if mail is not None:
            _check_confirmed(mail, confirmed_digest)
        _save(case, [])
        method_label = str(HANDOVER_METHODS.get(method, method))
        text = _("%(agency)s へ引継ぎ（%(method)s）") % {
            "agency": agency.name,
            "method": method_label,
        }
        event = _record(
            case,
            kind=CaseEvent.Kind.AGENCY_HANDOVER,
            actor=user,
            at=handed_at,
            note=f"{text}\n{note}".strip(),
        )
        if mail is not None:
            notification_queue(
                event_key=event_key("case", case.pk, "agency", event.pk),
                kind=Notification.Kind.CONTRACTOR_REQUEST,
                audience=Audience.of_agency(agency),
                case=case,
                subject=mail.subject,
                body=mail.body,
            )
    return event


# --- overdue reminders -----------------------------------------------------------------------
def overdue_remind(*, today: datetime.date | None = None) -> int:
    """Mail each department its overdue cases and those due today or on the next business
    day (the pre-breach view), once per department and day.

    Safe to run any number of times a day (beat after a restart, a manual run): the
    (department, day) row and the outbox event key both carry the date. Returns how many
    departments were reminded by this run.
    """
    today = today or timezone.localdate()
    tomorrow = next_business_day(today)
    chased = (
        Case.objects.unanswered()
        .filter(reply_due_date__lte=tomorrow)
        .select_related("category", "department")
        .only(
            "pk",
            "reference",
            "title",
            "ward",
            "reply_due_date",
            "status",
            "department",
            "category__name",
            "department__name",
            "department__notification_emails",
            # What the title is scrubbed of (tickets.outbound.people_of_case).
            "channel",
            "caller_name",
            "caller_kana",
            "caller_phone",
            "caller_phone_digits",
        )
        .prefetch_related("posts__citizen")
        .order_by("department_id", "reply_due_date", "received_at")
    )
    by_department: dict[int, list[Case]] = defaultdict(list)
    departments: dict[int, Department] = {}
    for case in chased:
        by_department[case.department_id].append(case)
        departments[case.department_id] = case.department
    reminded = 0
    for department_id, cases in by_department.items():
        department = departments[department_id]
        # reply_due_date__lte above: every chased case has a due date.
        overdue = [case for case in cases if case.reply_due_date and case.reply_due_date < today]
        try:
            with transaction.atomic():
                OverdueReminder.objects.create(
                    department=department, day=today, case_count=len(overdue)
                )
                _queue_overdue(department, cases, today, tomorrow)
        except IntegrityError:
            continue  # already reminded today
        reminded += 1
    return reminded


def _queue_overdue(
    department: Department, cases: list[Case], today: datetime.date, tomorrow: datetime.date
) -> None:
    link = "/departments/?filter=overdue"
    with translation.override("ja"):

        def lines(wanted: list[Case]) -> list[dict]:
            # Only what the outbound policy lets a reminder mail carry (tickets.outbound).
            return [
                facts
                | {
                    "ward": facts["ward"] or _("区の指定なし"),
                    "due": japanese_date(facts["due_date"]),
                    "url": absolute_link(department_case_path(case)),
                }
                for case in wanted
                for facts in [outbound_case(case, Channel.REMINDER_MAIL)]
            ]

        overdue = [case for case in cases if case.reply_due_date and case.reply_due_date < today]
        context = {
            "department": department.name,
            "count": len(overdue),
            "today": japanese_date(today),
            "tomorrow": japanese_date(tomorrow),
            "cases": lines(overdue),
            "due_today": lines([case for case in cases if case.reply_due_date == today]),
            "due_tomorrow": lines([case for case in cases if case.reply_due_date == tomorrow]),
            "url": absolute_link(link),
        }
    subject, body = _render_mail("overdue", context)
    notification_queue(
        event_key=event_key("overdue", department.pk, today.isoformat()),
        kind=Notification.Kind.OVERDUE_REMINDER,
        audience=Audience.of_department(department),
        subject=subject,
        body=body,
        link=link,
    )
    if overdue:
        notice_post(
            department=department,
            title=_("対応期限を過ぎた案件が %(count)d 件あります") % {"count": len(overdue)},
            link=link,
        )


def overdue_cases() -> QuerySet[Case]:
    """Every overdue case, for supervisors: most overdue first."""
    return Case.objects.overdue().for_list().order_by("reply_due_date", "received_at", "id")


# --- map of open cases --------------------------------------------------------------------------
MAP_POINT_FIELDS = (
    "pk",
    "latitude",
    "longitude",
    "status",
    "reference",
    "title",
    "urgent",
    "reply_due_date",
)


@dataclass(frozen=True)
class CaseMap:
    """What the department map shows: every case when few, else grid cells with counts."""

    total: int
    points: list[dict]
    clusters: list[dict]


def open_cases_map(
    *,
    cases: CaseQuerySet,
    west: float,
    south: float,
    east: float,
    north: float,
    max_points: int,
    grid: int,
) -> CaseMap:
    """The open cases among ``cases`` inside the box, as points or as ``grid`` × ``grid`` cells.

    The cells are counted by the database (GROUP BY the cell, COUNT, AVG of the position):
    a whole-city view of thousands of open cases costs one aggregate over the index
    ``case_open_map_idx`` instead of shipping every row to Python. The same aggregate gives
    the total, so the rows themselves are read only when few enough to draw one by one.
    """
    in_box = cases.open().filter(
        latitude__gte=south, latitude__lte=north, longitude__gte=west, longitude__lte=east
    )
    cell_lat = (north - south) / grid
    cell_lng = (east - west) / grid
    last = Value(float(grid - 1))  # a case on the north or east edge belongs to the last cell
    clusters = list(
        in_box.order_by()
        .values(
            row=Least(Floor((F("latitude") - Value(south)) / Value(cell_lat)), last),
            column=Least(Floor((F("longitude") - Value(west)) / Value(cell_lng)), last),
        )
        # COUNT(*), not COUNT(id): everything the aggregate reads is in the index.
        .annotate(count=Count("*"), lat=Avg("latitude"), lng=Avg("longitude"))
        .order_by("row", "column")
    )
    total = sum(cell["count"] for cell in clusters)
    if total <= max_points:
        return CaseMap(total=total, points=list(in_box.values(*MAP_POINT_FIELDS)), clusters=[])
    return CaseMap(
        total=total,
        points=[],
        clusters=[
            {"lat": cell["lat"], "lng": cell["lng"], "count": cell["count"]} for cell in clusters
        ],
    )
