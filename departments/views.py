"""Department screens: inbox with map, case view and its actions, canned replies, intake.

Every case is fetched through ``_department_case`` (tickets.access): another department's
case is a 404, a wrong role a 403 (role_required).
"""

from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from callcenter.views import intake_submit, render_case_page, render_intake
from departments.forms import (
    AgencyHandoverForm,
    AttachmentForm,
    CannedReplyForm,
    ContractorRequestForm,
    DepartmentIntakeForm,
    DepartmentTransferForm,
    DirectAnswerForm,
    InternalNoteForm,
    ReplyForm,
    WorkStatusForm,
)
from departments.models import CannedReply, CaseAttachment, Department, RelatedAgency
from departments.services import (
    MailChanged,
    OutsideMail,
    agency_mail,
    case_add_internal_note,
    case_attach_file,
    case_hand_over_to_agency,
    case_record_direct_answer,
    case_request_contractor,
    contractor_mail,
    contractors_for,
    open_cases_map,
    overdue_cases,
)
from kobepost.accounts.decorators import role_required
from kobepost.accounts.http import AuthenticatedHttpRequest
from kobepost.accounts.models import User
from kobepost.audit.services import audit_one_shown
from kobepost.lib.links import url_with_pk
from tickets.access import audit_case_shown, cases_visible_to, get_case_for_user
from tickets.corrections import correction_values_visible_to, with_correction_rows
from tickets.geo.places import Ward
from tickets.models import Case, CaseQuerySet, InvalidTransition, inbox_order
from tickets.outbound import MARK_PATTERN, marked_pieces
from tickets.pagination import LookaheadPaginator
from tickets.services import (
    StaleCase,
    case_reply,
    case_set_work_status,
    case_transfer,
    intake_token_issue,
)
from tickets.templatetags.location_picker import location_picker_config

DEPARTMENT = User.Role.DEPARTMENT_STAFF
CALLCENTER = (User.Role.OPERATOR, User.Role.SUPERVISOR)
INBOX_PAGE_SIZE = 30
OVERDUE_PAGE_SIZE = 50
MAP_MAX_POINTS = 200
MAP_GRID = 8
INBOX_REFRESH_SECONDS = 90
INTAKE_TEMPLATE = "departments/case_form.html"

INBOX_FILTERS = {
    "open": gettext_lazy("未完了"),
    "unanswered": gettext_lazy("未回答"),
    "overdue": gettext_lazy("期限超過"),
    "all": gettext_lazy("すべて"),
}


def _department_case(request: AuthenticatedHttpRequest, pk: int) -> Case:
    """The case for this department's staff; 404 for any other department's case."""
    return get_case_for_user(
        request.user,
        pk,
        Case.objects.select_related("dial", "category", "department", "created_by"),
    )


# --- inbox -------------------------------------------------------------------------------------
# What a row of the inbox shows, and nothing else (no caller data, no health data).
INBOX_FIELDS = (
    "reference",
    "title",
    "urgent",
    "category__name",
    "ward",
    "received_at",
    "status",
    "work_status",
    "reply_due_date",
)


def _inbox_cases(user: User, choice: str) -> CaseQuerySet:
    cases = cases_visible_to(user, Case.objects.select_related("category").only(*INBOX_FIELDS))
    if choice == "open":
        cases = cases.open()
    elif choice == "unanswered":
        cases = cases.unanswered()
    elif choice == "overdue":
        cases = cases.overdue()
    # Urgent, then 受付, 所管課対応中 and the rest, due date, oldest: exactly the order of the
    # indexes case_inbox_open_idx and case_inbox_all_idx, so a page is read, not sorted.
    return cases.order_by(*inbox_order())


@require_GET
@role_required(DEPARTMENT)
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The department's inbox: urgent first, then new and unanswered, due dates shown."""
    choice = request.GET.get("filter", "open")
    if choice not in INBOX_FILTERS:
        choice = "open"
    # "すべて" holds the department's whole archive: read one row ahead instead of counting
    # it ("31 件以上", exact on the last page); the other tabs are small and counted.
    paginator = (
        LookaheadPaginator(
            _inbox_cases(request.user, choice),
            INBOX_PAGE_SIZE,
            page_hint=request.GET.get("page"),
        )
        if choice == "all"
        else Paginator(_inbox_cases(request.user, choice), INBOX_PAGE_SIZE)
    )
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = _with_labels(list(page.object_list))
    map_config = location_picker_config()
    config = {
        "dataUrl": reverse("departments:map_data"),
        "refreshSeconds": INBOX_REFRESH_SECONDS,
        "tileUrl": map_config["tileUrl"],
        "attribution": map_config["attribution"],
        "center": map_config["center"],
        "zoom": 12,
        "minZoom": map_config["minZoom"],
        "maxZoom": map_config["maxZoom"],
        "statusLabels": dict(Case.Status.choices),
        "text": {
            "cluster": _("%(count)s件（拡大すると個別に表示）"),
            "failed": _("地図の案件を読み込めませんでした。"),
            "count": _("地図の範囲に %(count)s 件"),
        },
    }
    return render(
        request,
        "departments/home.html",
        {
            "department": request.user.department,
            "page": page,
            "filter": choice,
            "filters": INBOX_FILTERS,
            "today": timezone.localdate(),
            "inbox_config": config,
        },
    )


def _with_labels(cases: list[Case]) -> list[Case]:
    """Attach the translated labels of ward, status and work status to each row.

    ``get_FOO_display`` rebuilds the field's choices on every call, translating every label
    on the way: three columns of thirty rows cost more than the page's queries. Here each
    label is translated, and the detail link reversed, once per page.
    """
    wards = {value: str(label) for value, label in Ward.choices}
    statuses = {value: str(label) for value, label in Case.Status.choices}
    work_statuses = {value: str(label) for value, label in Case.WorkStatus.choices}
    detail_url = url_with_pk("departments:case_detail")
    for case in cases:
        case.detail_url = detail_url(case.pk)  # type: ignore[attr-defined]  # shown by the template
        case.ward_label = wards.get(case.ward, case.ward)  # type: ignore[attr-defined]  # shown by the template
        case.status_label = statuses.get(case.status, case.status)  # type: ignore[attr-defined]  # shown by the template
        case.work_status_label = work_statuses.get(case.work_status, case.work_status)  # type: ignore[attr-defined]  # shown by the template
    return cases


def _bbox(value: str) -> tuple[float, float, float, float] | None:
    try:
        west, south, east, north = (float(part) for part in value.split(","))
    except ValueError:
        return None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        return None
    return west, south, east, north


@require_GET
@role_required(DEPARTMENT)
def map_data(request: AuthenticatedHttpRequest) -> JsonResponse:
    """Open cases of the department inside the visible box; grid clusters when many."""
    bbox = _bbox(request.GET.get("bbox", ""))
    if bbox is None:
        return JsonResponse({"error": _("表示範囲が正しくありません。")}, status=400)
    return map_response(cases_visible_to(request.user), bbox)


def map_response(cases: CaseQuerySet, bbox: tuple[float, float, float, float]) -> JsonResponse:
    """The map's JSON for the open cases among ``cases`` (also used by bench/urls.py)."""
    west, south, east, north = bbox
    # Server-side grid clustering: old PCs draw a few dozen circles, not thousands of pins.
    found = open_cases_map(
        cases=cases,
        west=west,
        south=south,
        east=east,
        north=north,
        max_points=MAP_MAX_POINTS,
        grid=MAP_GRID,
    )
    today = timezone.localdate()
    points = [
        {
            "id": row["pk"],
            "lat": row["latitude"],
            "lng": row["longitude"],
            "status": row["status"],
            "reference": row["reference"],
            "title": row["title"],
            "urgent": row["urgent"],
            "overdue": row["status"] in Case.UNANSWERED_STATUSES
            and row["reply_due_date"] is not None
            and row["reply_due_date"] < today,
            "url": reverse("departments:case_detail", args=[row["pk"]]),
        }
        for row in found.points
    ]
    return JsonResponse({"total": found.total, "points": points, "clusters": found.clusters})


# --- case view ------------------------------------------------------------------------------
FORM_NAMES = (
    "reply_form",
    "work_form",
    "note_form",
    "transfer_form",
    "direct_form",
    "attach_form",
    "contractor_form",
    "agency_form",
)


def _detail_context(request: AuthenticatedHttpRequest, case: Case, bound: dict[str, Any]) -> dict:
    user = request.user
    initial = {"version": case.version}
    contractors = contractors_for(case)
    can_reply = Case.Status.ANSWERED in case.allowed_transitions()
    show_corrections = correction_values_visible_to(user, case)
    context: dict[str, Any] = {
        "case": case,
        "events": with_correction_rows(
            case.events.select_related("actor"), show_values=show_corrections
        ),
        "show_correction_values": show_corrections,
        "attachments": case.attachments.select_related("uploaded_by"),
        "show_health": case.health_symptoms_visible_to(user),
        "today": timezone.localdate(),
        "reply_form": ReplyForm(initial=initial) if can_reply else None,
        "work_form": WorkStatusForm(initial={**initial, "work_status": case.work_status})
        if case.is_open
        else None,
        "note_form": InternalNoteForm(initial=initial),
        "transfer_form": DepartmentTransferForm(initial=initial, current_department=case.department)
        if case.is_open
        else None,
        "direct_form": DirectAnswerForm(initial=initial) if case.direct_answer else None,
        "attach_form": AttachmentForm(),
        "contractor_form": ContractorRequestForm(contractors=contractors)
        if case.is_open and contractors.exists()
        else None,
        "agency_form": AgencyHandoverForm() if RelatedAgency.objects.exists() else None,
        "canned_replies": list(
            CannedReply.objects.filter(category=case.category_id, active=True)
            .filter(Q(department__isnull=True) | Q(department=case.department_id))
            .values("pk", "title", "text")
        )
        if can_reply
        else [],
    }
    context.update(bound)
    return context


def _render_detail(
    request: AuthenticatedHttpRequest, case: Case, *, status: int = 200, **bound: Any
) -> HttpResponse:
    context = _detail_context(request, case, bound)
    audit_case_shown(request, case, show_health=context["show_health"])
    return render(request, "departments/case_detail.html", context, status=status)


@require_GET
@role_required(DEPARTMENT)
def case_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _department_case(request, pk))


def _case_action(
    request: AuthenticatedHttpRequest,
    pk: int,
    *,
    form_name: str,
    form: Any,
    perform: Callable[[Case, dict], Any],
    success: str,
) -> HttpResponse:
    """Validate, run the service, and redirect; or show the page again with what was typed.

    A conflict (someone saved first) answers 409 with their changes listed and the form
    still filled in, now based on the new version so that a deliberate resubmit works.
    """
    case = _department_case(request, pk)
    if not form.is_valid():
        return _render_detail(request, case, status=400, **{form_name: form})
    try:
        perform(case, form.cleaned_data)
    except StaleCase as conflict:
        if hasattr(form, "refresh_version"):
            form.refresh_version(conflict.case.version)
        fresh = _department_case(request, pk)
        return _render_detail(
            request,
            fresh,
            status=409,
            conflict=list(conflict.changes),
            **{form_name: form},
        )
    except InvalidTransition as error:
        form.add_error(None, error.messages[0])
        return _render_detail(request, case, status=400, **{form_name: form})
    except (ValueError, ValidationError) as error:
        text = error.messages[0] if isinstance(error, ValidationError) else str(error)
        form.add_error(None, text)
        return _render_detail(request, case, status=400, **{form_name: form})
    messages.success(request, success)
    return redirect("departments:case_detail", pk=pk)


@require_POST
@role_required(DEPARTMENT)
def case_reply_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        form_name="reply_form",
        form=ReplyForm(request.POST),
        perform=lambda case, data: case_reply(
            case=case,
            user=request.user,
            reply_text=data["reply_text"],
            expected_version=data["version"],
        ),
        success=_("回答を登録しました。コールセンターに通知しました。"),
    )


@require_POST
@role_required(DEPARTMENT)
def case_work_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        form_name="work_form",
        form=WorkStatusForm(request.POST),
        perform=lambda case, data: case_set_work_status(
            case=case,
            user=request.user,
            work_status=data["work_status"],
            note=data["note"],
            expected_version=data["version"],
        ),
        success=_("対応状況を更新しました。コールセンターに通知しました。"),
    )


@require_POST
@role_required(DEPARTMENT)
def case_note(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        form_name="note_form",
        form=InternalNoteForm(request.POST),
        perform=lambda case, data: case_add_internal_note(
            case=case, user=request.user, note=data["note"], expected_version=data["version"]
        ),
        success=_("内部メモを記録しました。"),
    )


@require_POST
@role_required(DEPARTMENT)
def case_direct_answer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        form_name="direct_form",
        form=DirectAnswerForm(request.POST),
        perform=lambda case, data: case_record_direct_answer(
            case=case,
            user=request.user,
            told_at=data["told_at"],
            method=data["method"],
            note=data["note"],
            expected_version=data["version"],
        ),
        success=_("市民への直接回答を記録しました。"),
    )


@require_POST
@role_required(DEPARTMENT)
def case_attach(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        form_name="attach_form",
        form=AttachmentForm(request.POST, request.FILES),
        perform=lambda case, data: case_attach_file(
            case=case, user=request.user, upload=data["file"], description=data["description"]
        ),
        success=_("ファイルを添付しました。"),
    )


@require_POST
@role_required(DEPARTMENT)
def case_transfer_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _department_case(request, pk)
    form = DepartmentTransferForm(request.POST, current_department=case.department)
    response = _case_action(
        request,
        pk,
        form_name="transfer_form",
        form=form,
        perform=lambda case, data: case_transfer(
            case=case,
            user=request.user,
            department=data["department"],
            note=data["note"],
            expected_version=data["version"],
        ),
        success=_("移管しました。移管先の所管課に通知しました。"),
    )
    if response.status_code == 302:
        # The case now belongs to another department: this user may no longer open it.
        return redirect("departments:home")
    return response


# --- mail to contractors and agencies: preview, then confirm ---------------------------------
# A mail outside the city is the one place where a slip would leave the city, so the sender
# reads exactly what will go out (scrubbed, removals marked) before it is sent. The confirm
# POST carries only what was typed plus a signed digest of the text shown: the service
# rebuilds the text and sends it only if it is still that text.
CONFIRM_SALT = "departments.outside-mail"
CONFIRM_MAX_AGE = 30 * 60  # a preview left open longer is shown again before sending


def _confirmation(request: AuthenticatedHttpRequest, case: Case, mail: OutsideMail) -> str:
    return signing.dumps([case.pk, mail.digest], salt=f"{CONFIRM_SALT}:{request.user.pk}")


def _confirmed_digest(request: AuthenticatedHttpRequest, case: Case) -> str | None:
    try:
        case_pk, digest = signing.loads(
            request.POST.get("confirmation", ""),
            salt=f"{CONFIRM_SALT}:{request.user.pk}",
            max_age=CONFIRM_MAX_AGE,
        )
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return digest if case_pk == case.pk and isinstance(digest, str) else None


def _preview(
    request: AuthenticatedHttpRequest,
    case: Case,
    *,
    form: Any,
    mail: OutsideMail,
    status: int = 200,
) -> HttpResponse:
    base = (
        "departments/base_department.html"
        if request.user.is_department_staff
        else "callcenter/base_callcenter.html"
    )
    return render(
        request,
        "departments/outside_mail_preview.html",
        {
            "base_template": base,
            "case": case,
            "form": form,
            "mail": mail,
            "subject": marked_pieces(mail.subject),
            "body": marked_pieces(mail.body),
            "removals": len(MARK_PATTERN.findall(mail.subject + mail.body)),
            "confirmation": _confirmation(request, case, mail),
            "action": request.path,
        },
        status=status,
    )


def _outside_mail_flow(
    request: AuthenticatedHttpRequest,
    case: Case,
    *,
    form: Any,
    mail_of: Callable[[dict], OutsideMail | None],
    perform: Callable[[dict, str], Any],
    back: Callable[..., HttpResponse],
    success: str,
    done_url: str,
) -> HttpResponse:
    """step=preview (the case page's button) → the preview page; step=edit → the case page
    with the form as typed; step=confirm → ``perform`` with the confirmed digest."""
    step = request.POST.get("step", "preview")
    if not form.is_valid():
        return back(form, status=400)
    if step == "edit":
        return back(form, status=200)
    mail = mail_of(form.cleaned_data)
    digest = ""  # nothing is mailed: nothing to confirm
    if mail is not None and step != "confirm":
        return _preview(request, case, form=form, mail=mail)
    if mail is not None:
        confirmed = _confirmed_digest(request, case)
        if confirmed is None:
            messages.error(
                request,
                _("確認の有効期限が切れました。送信する内容をもう一度確認してください。"),
            )
            return _preview(request, case, form=form, mail=mail, status=400)
        digest = confirmed
    try:
        perform(form.cleaned_data, digest)
    except MailChanged as error:
        # Show what would go out now (someone changed the case): the sender confirms
        # that text, or goes back.
        messages.error(request, str(error))
        case.refresh_from_db()
        # MailChanged is raised only for a mail that is sent, so there is one.
        changed = cast(OutsideMail, mail_of(form.cleaned_data))
        return _preview(request, case, form=form, mail=changed, status=409)
    except (ValueError, ValidationError) as error:
        form.add_error(
            None, error.messages[0] if isinstance(error, ValidationError) else str(error)
        )
        return back(form, status=400)
    messages.success(request, success)
    return redirect(done_url)


@require_POST
@role_required(DEPARTMENT, *CALLCENTER)
def case_contractor(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Operators (from the call-center case page) and the department ask a contractor."""
    case = _department_case(request, pk)
    form = ContractorRequestForm(request.POST, contractors=contractors_for(case))

    if request.user.is_department_staff:
        done_url = reverse("departments:case_detail", args=[case.pk])

        def back(form: Any, *, status: int) -> HttpResponse:
            return _render_detail(request, case, status=status, contractor_form=form)

    else:
        done_url = reverse("callcenter:case_detail", args=[case.pk])

        def back(form: Any, *, status: int) -> HttpResponse:
            if "contractor" in form.errors:
                messages.error(request, _("依頼する業者を選んでください。"))
            return render_case_page(request, case.pk, contractor_form=form, status=status)

    def mail_of(data: dict) -> OutsideMail:
        return contractor_mail(case, data["contractor"], data["note"])

    return _outside_mail_flow(
        request,
        case,
        form=form,
        mail_of=mail_of,
        perform=lambda data, digest: case_request_contractor(
            case=case,
            user=request.user,
            contractor=data["contractor"],
            note=data["note"],
            confirmed_digest=digest,
        ),
        back=back,
        success=_("業者に依頼のメールを送りました。"),
        done_url=done_url,
    )


@require_POST
@role_required(DEPARTMENT)
def case_agency(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A hand-over to an outside body; a mail to it goes out after the preview."""
    case = _department_case(request, pk)
    form = AgencyHandoverForm(request.POST)

    def mail_of(data: dict) -> OutsideMail | None:
        return agency_mail(case, data["agency"], data["note"]) if data["send_mail"] else None

    return _outside_mail_flow(
        request,
        case,
        form=form,
        mail_of=mail_of,
        perform=lambda data, digest: case_hand_over_to_agency(
            case=case, user=request.user, **data, confirmed_digest=digest
        ),
        back=lambda form, *, status: _render_detail(request, case, status=status, agency_form=form),
        success=_("関係機関への引継ぎを記録しました。"),
        done_url=reverse("departments:case_detail", args=[case.pk]),
    )


@require_GET
@role_required(DEPARTMENT, *CALLCENTER)
def attachment_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """A stored file, only for people who may see its case (404 otherwise)."""
    attachment = get_object_or_404(CaseAttachment, pk=pk)
    get_case_for_user(request.user, attachment.case_id)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    # A photo of a home or a letter from the caller: seen like the case's page.
    audit_one_shown(
        request, attachment, fields=("file",), detail=f"tickets.case={attachment.case_id}"
    )
    response = FileResponse(
        handle,
        content_type=attachment.content_type,
        as_attachment=not attachment.is_image,
        filename=attachment.original_name,
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- canned replies ---------------------------------------------------------------------------
def _canned_reply_for(request: AuthenticatedHttpRequest, pk: int) -> CannedReply:
    """A canned reply this department may edit: its own only (admins manage shared ones)."""
    return get_object_or_404(CannedReply, pk=pk, department=request.user.department_id)


@require_http_methods(["GET", "POST"])
@role_required(DEPARTMENT)
def canned_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    department = cast(Department, request.user.department)  # department staff have one
    form = CannedReplyForm(request.POST or None, department=department)
    if request.method == "POST" and form.is_valid():
        canned = form.save(commit=False)
        canned.department = department
        canned.save()
        messages.success(
            request, _("定型文「%(title)s」を追加しました。") % {"title": canned.title}
        )
        return redirect("departments:canned_list")
    replies = CannedReply.objects.filter(category__department=department).select_related(
        "category", "department"
    )
    return render(
        request,
        "departments/canned_list.html",
        {"form": form, "replies": replies},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@role_required(DEPARTMENT)
def canned_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    canned = _canned_reply_for(request, pk)
    department = cast(Department, canned.department)  # the user's own (_canned_reply_for)
    form = CannedReplyForm(request.POST or None, instance=canned, department=department)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(
            request, _("定型文「%(title)s」を保存しました。") % {"title": canned.title}
        )
        return redirect("departments:canned_list")
    return render(
        request,
        "departments/canned_edit.html",
        {"form": form, "canned": canned},
        status=400 if request.method == "POST" else 200,
    )


# --- intake by the department ------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@role_required(DEPARTMENT)
def case_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A citizen came or wrote to the department directly: same form and service as operators."""
    department = cast(Department, request.user.department)  # department staff have one
    if request.method == "GET":
        form = DepartmentIntakeForm(department=department)
        token = intake_token_issue(user=request.user)
        return render_intake(request, INTAKE_TEMPLATE, form, token)
    return intake_submit(
        request,
        DepartmentIntakeForm(request.POST, department=department),
        template=INTAKE_TEMPLATE,
        detail_view="departments:case_detail",
        extra_fields={"department": department},
    )


# --- overdue (supervisors) ---------------------------------------------------------------------
@require_GET
@role_required(User.Role.SUPERVISOR)
def overdue_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(overdue_cases(), OVERDUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "departments/overdue_list.html", {"page": page, "today": timezone.localdate()}
    )
