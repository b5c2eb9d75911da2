"""Operator screens: home, call intake, case list and search, detail, call-back queue."""

import datetime
from collections.abc import Mapping
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page
from django.db import transaction
from django.db.models import CharField, F, Q, QuerySet, Value
from django.http import Http404, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from callcenter.forms import OPEN_STATUSES, CaseSearchForm, CitizenCallbackForm
from faq.views import base_template
from kobepost.accounts.decorators import role_required
from kobepost.accounts.http import AuthenticatedHttpRequest
from kobepost.accounts.models import User
from kobepost.audit.models import AuditAction
from kobepost.audit.services import audit_one_shown, audit_record, audit_shown, record_type_of
from kobepost.cti.access import caller_label, caller_text, get_call_for_user
from kobepost.cti.models import Call, CallerId
from kobepost.cti.services import (
    IntakeCall,
    call_for_intake,
    call_link_case,
    intake_call_start,
)
from kobepost.lib.jp_calendar import start_of_day
from kobepost.lib.links import UUID_PLACEHOLDER, url_with_pk
from kobepost.lib.private_search import (
    carries_private_fields,
    private_search_data,
    private_search_url,
)
from kobepost.lib.request_input import parse_id
from tickets.access import audit_case_shown, cases_visible_to, get_case_for_user
from tickets.case_page import (
    case_page_context,
    case_page_queryset,
    case_page_url,
    intake_submit,
    render_case_page,
    render_intake,
)
from tickets.forms import CaseCorrectionForm, CaseIntakeForm, StatusChangeForm, TransferForm
from tickets.geo.places import Ward, parse_point
from tickets.history import audit_phone_history, case_summary, cases_of_phone
from tickets.models import (
    HEALTH_DIAL_CODE,
    LIST_STATUS_ORDER,
    Case,
    CaseQuerySet,
    Category,
    Dial,
    InvalidTransition,
    list_status_order,
    list_status_rank,
)
from tickets.pagination import (
    COUNT_CAP,
    CappedCountPaginator,
    KeysetPage,
    LookaheadPaginator,
    bounded_page_hint,
    numbered_page_limit,
)
from tickets.routing import routing_table
from tickets.search import (
    few_matches_first,
    is_word_search,
    nearby_days,
    nearby_open_cases,
    nearby_radius_m,
    phone_query_digits,
    search_cases,
)
from tickets.services import (
    StaleCase,
    case_change_status,
    case_correct,
    case_record_citizen_callback,
    case_transfer,
    intake_token_issue,
)

CALLCENTER = (User.Role.OPERATOR, User.Role.SUPERVISOR)
INTAKE_TEMPLATE = "callcenter/case_form.html"
CASE_READERS = (*CALLCENTER, User.Role.DEPARTMENT_STAFF)
PAGE_SIZE = 50
# A common word matches tens of thousands of cases, and counting them is most of a search's
# SQL time. A word search is not counted (LookaheadPaginator: "51 件以上" until its last
# page); only a page asked beyond the end counts, at most this many.
SEARCH_COUNT_CAP = 200


@require_GET
@role_required(*CALLCENTER)
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = start_of_day(timezone.localdate())
    counts = {
        "received_today": Case.objects.filter(received_at__gte=today).count(),
        "open": Case.objects.open().count(),
        "awaiting_callback": Case.objects.awaiting_callback().count(),
        "urgent_open": Case.objects.open().filter(urgent=True).count(),
    }
    return render(request, "callcenter/home.html", {"dials": Dial.objects.all(), "counts": counts})


# --- intake ------------------------------------------------------------------------------
def _intake_initial(params) -> dict:
    """Initial values passed by the FAQ screen: dial, category, title, details. Never a
    phone number or a name: an address is written down in access logs and histories."""
    initial: dict = {}
    dial_value = params.get("dial", "")
    if dial_value:
        dial_id = parse_id(dial_value)
        lookup = {"pk": dial_id} if dial_id else {"code": dial_value}
        initial["dial"] = Dial.objects.filter(**lookup).first()
    category_value = params.get("category", "")
    if category_value:
        category_id = parse_id(category_value)
        lookup = {"pk": category_id} if category_id else {"code": category_value}
        category = Category.objects.filter(active=True, **lookup).first()
        if category:
            initial.update(
                category=category,
                dial=category.dial,
                department=category.department,
                direct_answer=category.direct_answer_default,
            )
    for name in ("title", "details"):
        if params.get(name):
            initial[name] = params[name][:2000]
    return initial


def _category_map() -> dict:
    """For the page's script: category → department, dial and direct-answer default."""
    return {
        str(row.pk): {
            "department": row.department_id,
            "dial": row.dial_id,
            "directAnswer": row.direct_answer_default,
            "health": row.dial_code == HEALTH_DIAL_CODE,
        }
        for row in routing_table().category_rows(active_only=True)
    }


def _intake_context(intake: IntakeCall | None = None) -> dict:
    """What the operator's intake page adds: routing for its script, the side column, and
    the phone call it was started from (the screen pop), linked to the case when saved."""
    call = intake.call if intake else None
    return {
        "cti_call": str(call.public_id) if call else "",
        "cti_link": intake.link if intake else "",
        "cti_transferred": bool(intake and intake.transferred),
        # 非通知・公衆電話…: nothing to fill in, so the operator knows to ask for a number.
        "cti_caller_label": (
            caller_label(call) if call and call.caller_id != CallerId.NUMBER else ""
        ),
        "category_map": _category_map(),
        "intake_config": {
            "historyUrl": reverse("callcenter:phone_history"),
            "nearbyUrl": reverse("callcenter:nearby_cases"),
            "faqUrl": reverse("faq:lookup"),
            "radiusM": nearby_radius_m(),
            "days": nearby_days(),
        },
    }


def _link_phone_call(request: AuthenticatedHttpRequest, case: Case, *, existing: bool) -> None:
    """The intake was started from a phone call (the screen pop): the journal records what
    the call became. Nothing for an intake without a call (departments pass no hook)."""
    call = request.POST.get("cti_call", "")
    if call:
        call_link_case(
            public_id=call,
            link=request.POST.get("cti_link", ""),
            case=case,
            user=request.user,
            existing=existing,
        )


@require_http_methods(["GET", "POST"])
@role_required(*CALLCENTER)
def case_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "GET":
        initial = _intake_initial(request.GET)
        call = None
        if "call" in request.GET:
            # Another operator's call is not found (its number would be filled in); one
            # already taken as a case opens an intake of its own.
            call = get_call_for_user(
                request.user, request.GET["call"], Call.objects.select_related("dial")
            )
            call = call if call.case_id is None else None
        if call is not None:
            # The number comes from the journal, never from the URL.
            initial.update(caller_phone=call.caller_phone, dial=call.dial or initial.get("dial"))
            if call.caller_phone:
                audit_one_shown(request, call, fields=("caller_phone",))
        form = CaseIntakeForm(initial=initial)
        token = intake_token_issue(user=request.user)
        intake = intake_call_start(user=request.user, call=call) if call is not None else None
        return render_intake(
            request, INTAKE_TEMPLATE, form, token, extra_context=_intake_context(intake)
        )
    intake = call_for_intake(
        user=request.user,
        public_id=request.POST.get("cti_call", ""),
        link=request.POST.get("cti_link", ""),
    )
    return intake_submit(
        request,
        CaseIntakeForm(request.POST),
        template=INTAKE_TEMPLATE,
        extra_context=_intake_context(intake),
        detail_view="callcenter:case_detail",
        link_calls=True,
        after_save=lambda case, existing: _link_phone_call(request, case, existing=existing),
    )


@require_POST
@role_required(*CALLCENTER)
def phone_history(request: AuthenticatedHttpRequest) -> JsonResponse:
    """Earlier cases from the number being typed (the caller may have called before).
    Posted: the number must not be in a URL (kobepost.lib.private_search)."""
    cases = list(cases_of_phone(request.POST.get("phone", "")))
    audit_phone_history(request, [case.pk for case in cases])
    return JsonResponse({"cases": [case_summary(case) for case in cases]})


@require_POST
@role_required(*CALLCENTER)
def nearby_cases(request: AuthenticatedHttpRequest) -> JsonResponse:
    """Open cases of the same category near the chosen point: maybe the same problem.
    Posted: the point is often the caller's home."""
    point = parse_point(request.POST.get("latitude"), request.POST.get("longitude"))
    if point is None:
        return JsonResponse({"cases": []})
    latitude, longitude = point
    found = nearby_open_cases(
        latitude=latitude,
        longitude=longitude,
        category_id=parse_id(request.POST.get("category")),
    )
    audit_shown(
        request,
        record_type=record_type_of(Case),
        record_ids=[case.pk for case, _distance in found],
        fields=("address",),
    )
    return JsonResponse(
        {
            "cases": [
                {**case_summary(case), "distanceM": round(distance), "address": case.address}
                for case, distance in found
            ]
        }
    )


# --- list and search -----------------------------------------------------------------------
def _filtered_cases(user: User, form: CaseSearchForm) -> CaseQuerySet:
    cases = cases_visible_to(user, Case.objects.for_list())
    if not form.is_valid():
        return cases.none()
    data = form.cleaned_data
    for name in ("dial", "category", "department"):
        if data.get(name):
            cases = cases.filter(**{name: data[name]})
    if data.get("status") == OPEN_STATUSES:
        cases = cases.open()
    elif data.get("status"):
        cases = cases.filter(status=data["status"])
    if data.get("ward"):
        cases = cases.filter(ward=data["ward"])
    if data.get("urgent"):
        cases = cases.filter(urgent=True)
    if data.get("received_from"):
        cases = cases.filter(received_at__gte=start_of_day(data["received_from"]))
    if data.get("received_to"):
        end = start_of_day(data["received_to"]) + datetime.timedelta(days=1)
        cases = cases.filter(received_at__lt=end)
    cases = search_cases(cases, data.get("q", ""))
    if is_word_search(data.get("q", "")):
        cases = few_matches_first(cases)
    sort = data.get("sort") or "-received_at"
    if sort.endswith("status"):
        return cases.order_by(*list_status_order(descending=sort.startswith("-")))
    direction = "-" if sort.startswith("-") else ""
    return cases.order_by(sort, f"{direction}id")


def _rows_beyond(sort: str, row: Mapping[str, Any], *, backward: bool = False) -> list[Q]:
    """The rows after ``row`` in the list's order (before it when ``backward``), as
    conditions read one after the other.

    Each condition starts an index range at the row (its receipt time, or its status rank),
    so the next or previous page costs what the first one costs, however deep. The status
    sorts read the rest of the row's status, then the statuses beyond it.
    """
    received, pk = row["received_at"], row["pk"]
    if (sort == "received_at") != backward:
        step = Q(received_at__gte=received) & (Q(received_at__gt=received) | Q(pk__gt=pk))
    else:
        step = Q(received_at__lte=received) & (Q(received_at__lt=received) | Q(pk__lt=pk))
    if not sort.endswith("status"):
        return [step]
    rank = LIST_STATUS_ORDER.index(row["status"])
    if sort.startswith("-") != backward:
        return [Q(status_rank=rank) & step, Q(status_rank__lt=rank)]
    return [Q(status_rank=rank) & step, Q(status_rank__gt=rank)]


def _keyset_page(
    user: User, form: CaseSearchForm, *, pk: int, backward: bool, number: str | None
) -> KeysetPage | None:
    """The page after the case ``pk`` (次へ: the page before's last row), or before it
    (前へ: the page after's first row). None when the user may not see that case, or when
    going back reaches the start (the first page is then shown as usual)."""
    row = (
        cases_visible_to(user, Case.objects.all())
        .filter(pk=pk)
        .values("pk", "received_at", "status")
        .first()
    )
    if row is None:
        return None
    cases = _filtered_cases(user, form).alias(status_rank=list_status_rank())
    if backward:
        cases = cases.reverse()
    rows: list[dict] = []
    sort = form.cleaned_data.get("sort") or "-received_at"
    for condition in _rows_beyond(sort, row, backward=backward):
        wanted = PAGE_SIZE + 1 - len(rows)
        rows += cases.filter(condition).values(*LIST_COLUMNS)[:wanted]
        if len(rows) > PAGE_SIZE:
            break
    if not backward:
        return KeysetPage(rows, parse_id(number) or 2, PAGE_SIZE)
    if len(rows) <= PAGE_SIZE:
        return None
    return KeysetPage(rows[PAGE_SIZE - 1 :: -1], parse_id(number) or 2, PAGE_SIZE, after=True)


# The list's table reads plain rows: 50 cases with their dial, category and department as
# model instances took longer to build than the rest of the page (about 5 ms of 20).
LIST_COLUMNS = (
    "pk",
    "reference",
    "received_at",
    "status",
    "title",
    "urgent",
    "ward",
    "dial__name",
    "category__name",
    "department__name",
)
CALLBACK_COLUMNS = (
    "pk",
    "reference",
    "urgent",
    "replied_at",
    "title",
    "caller_name",
    "caller_phone",
    "department__name",
)
# Whom to call back: what the queue and the call-back page show of each caller.
CALLBACK_FIELDS = ("caller_name", "caller_phone")


def _label_rows(rows: list[dict], **urls: str) -> None:
    """Labels in the active language and the rows' links (``name=viewname``), once per page:
    lazy labels were translated again for every row and every render."""
    status_labels = {value: str(label) for value, label in Case.Status.choices}
    ward_labels = {value: str(label) for value, label in Ward.choices}
    url_makers = {name: url_with_pk(viewname) for name, viewname in urls.items()}
    for row in rows:
        if "status" in row:
            row["status_label"] = status_labels.get(row["status"], row["status"])
        if "ward" in row:
            row["ward_label"] = ward_labels.get(row["ward"], row["ward"])
        for name, make_url in url_makers.items():
            row[name] = make_url(row["pk"])


def case_search_form(request: AuthenticatedHttpRequest) -> tuple[CaseSearchForm, bool]:
    """The list's search as the address and the session hold it (kobepost.lib.private_search);
    the flag says the search words of the address are no longer known."""
    data, forgotten = private_search_data(request, request.GET)
    return CaseSearchForm(data), forgotten


@require_http_methods(["GET", "POST"])
@role_required(*CASE_READERS)
def case_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST" or carries_private_fields(
        request.GET, CaseSearchForm.PRIVATE_FIELDS
    ):
        # A search is posted, or an old bookmark still has its words in the address: show
        # it at an address without them (invalid filters are shown with their errors there).
        data = request.POST if request.method == "POST" else request.GET
        return redirect(
            private_search_url(
                request, path=request.path, data=data, private_fields=CaseSearchForm.PRIVATE_FIELDS
            )
        )
    form, forgotten = case_search_form(request)
    if forgotten:
        messages.info(
            request,
            _(
                "このリンクの検索語はこのログインでは保存されていないため、検索語なしで"
                "表示しています。検索語をもう一度入力してください。"
            ),
        )
    searching = form.is_valid() and bool(form.cleaned_data.get("q"))
    # A phone or reference search reads its own index: only words are held closer.
    word_search = searching and is_word_search(form.cleaned_data["q"])
    page: KeysetPage | Page | None = None
    page_hint = request.GET.get("page")
    for name, backward in (("after", False), ("before", True)):
        pk = parse_id(request.GET.get(name))
        if pk is not None and form.is_valid():
            page = _keyset_page(request.user, form, pk=pk, backward=backward, number=page_hint)
            if page is None and backward:
                page_hint = "1"  # 前へ reached the start
            break
    beyond_numbers = False
    if page is None:
        page_hint, beyond_numbers = bounded_page_hint(page_hint, PAGE_SIZE, searching=word_search)
        paginator = (LookaheadPaginator if searching else CappedCountPaginator)(
            _filtered_cases(request.user, form),
            PAGE_SIZE,
            page_hint=page_hint,
            cap=SEARCH_COUNT_CAP if searching else COUNT_CAP,
            columns=LIST_COLUMNS,
        )
        page = paginator.get_page(page_hint)
        page.object_list = list(page.object_list)
        # Said only when the list does reach that deep (a shorter one shows its last page).
        beyond_numbers = beyond_numbers and page.number == numbered_page_limit(
            PAGE_SIZE, searching=word_search
        )
    _label_rows(cast(list[dict], page.object_list), detail_url="callcenter:case_detail")
    if searching and phone_query_digits(form.cleaned_data["q"]):
        audit_phone_history(request, [row["pk"] for row in page.object_list])
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("after", None)
    query.pop("before", None)
    oldest_first = query.copy()
    oldest_first["sort"] = "received_at"
    return render(
        request,
        "callcenter/case_list.html",
        {
            "form": form,
            "page": page,
            "beyond_numbers": beyond_numbers,
            "numbered_limit": numbered_page_limit(PAGE_SIZE, searching=word_search),
            "oldest_first_query": oldest_first.urlencode(),
            # 次へ reads after this page's last row (tickets.pagination.KeysetPage).
            "next_after": page.object_list[-1]["pk"] if page.has_next() else None,
            # 前へ reads before this page's first row; to the first page by its number.
            "previous_before": page.object_list[0]["pk"] if page.number > 2 else None,
            "query": query.urlencode(),
            # The export repeats the search's address (its filters and ``s``), not its words.
            "search_params": [(name, value) for name, values in query.lists() for value in values],
        },
    )


# --- detail and actions ----------------------------------------------------------------------
@require_GET
@role_required(*CASE_READERS)
def case_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return render_case_page(request, pk)


@require_GET
@role_required(*CASE_READERS)
def case_print(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk, case_page_queryset())
    context = case_page_context(request.user, case)
    # Paper leaves the system's access control: the health symptoms and the values a
    # correction replaced are never printed.
    context.update(show_health=False, show_correction_values=False, printing=True)
    audit_case_shown(request, case, show_health=False, action=AuditAction.RECORD_PRINT)
    return render(request, "callcenter/case_print.html", context)


@require_POST
@role_required(*CASE_READERS)
def case_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk)
    form = StatusChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("変更後の状態を選んでください。"))
        return redirect("callcenter:case_detail", pk=case.pk)
    target = form.cleaned_data["status"]
    try:
        # Refused for this user's role: StatusChangeRefused, a 403 (tickets.policy).
        case_change_status(
            case=case, user=request.user, status=target, note=form.cleaned_data["note"]
        )
    except InvalidTransition as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request,
            _("状態を「%(status)s」にしました。") % {"status": Case.Status(target).label},
        )
    return redirect("callcenter:case_detail", pk=case.pk)


@require_POST
@role_required(*CASE_READERS)
def case_transfer_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk)
    if not (request.user.is_callcenter or request.user.department_id == case.department_id):
        raise PermissionDenied
    form = TransferForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("移管先の所管課を選んでください。"))
        return render_case_page(request, case.pk, transfer_form=form, status=400)
    try:
        case = case_transfer(
            case=case,
            user=request.user,
            department=form.cleaned_data["department"],
            note=form.cleaned_data["note"],
        )
    except ValueError as error:
        messages.error(request, str(error))
        return render_case_page(request, case.pk, transfer_form=form, status=400)
    messages.success(
        request, _("%(department)s へ移管しました。") % {"department": case.department.name}
    )
    if not request.user.is_callcenter:
        # The case now belongs to another department: this user may no longer open it.
        return redirect("departments:home")
    return redirect("callcenter:case_detail", pk=case.pk)


# --- correction ---------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@role_required(*CASE_READERS)
def case_correct_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Operators and the owning department correct a case; other departments get a 404."""
    case = get_case_for_user(request.user, pk, case_page_queryset())
    form = CaseCorrectionForm(request.POST or None, instance=case)
    context: dict = {
        "case": case,
        "form": form,
        "base_template": base_template(request.user),
        "case_url": case_page_url(request.user, case),
    }
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                with transaction.atomic():
                    event = case_correct(
                        case=case,
                        user=request.user,
                        changes=form.changes(),
                        reason=form.cleaned_data["reason"],
                        data_request=form.cleaned_data["data_request"],
                        expected_version=form.cleaned_data["version"],
                    )
                    audit_record(
                        request=request,
                        action=AuditAction.RECORD_CORRECT,
                        record_type=record_type_of(case),
                        record_id=case.pk,
                        fields=[row.field for row in event.corrections.all()],
                        detail=f"event={event.pk}",
                    )
            except StaleCase as conflict:
                # Keep what was typed, based on the new version, and say what changed.
                data = cast(QueryDict, form.data).copy()
                data["version"] = str(conflict.case.version)
                form = CaseCorrectionForm(data, instance=conflict.case)
                form.is_valid()
                context.update(form=form, conflict=list(conflict.changes), case=conflict.case)
                status = 409
            except ValueError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("%(reference)s を訂正しました。経過に記録しました。")
                    % {"reference": case.reference},
                )
                return redirect(case_page_url(request.user, case))
    audit_case_shown(request, case, show_health=False)
    return render(request, "tickets/case_correct.html", context, status=status)


# --- call-back queue ---------------------------------------------------------------------------
def callback_queue() -> QuerySet:
    """Cases the department answered and missed calls from a known number, as one list of
    (pk, urgent, waiting since, source) in the order operators work it: urgent cases first,
    then whoever has waited longest, since the department's reply for a case
    (tickets.models.callback_order), since the call ended for a call."""
    text = CharField()
    # Each part without its model's default ordering: a part that is ordered cannot be
    # merged into the union's plan, so PostgreSQL sorted every waiting case by its receipt
    # before sorting them again in the queue's order (7.3 ms instead of 2.6 ms for 14,506
    # cases on 2,000,000).
    cases = (
        Case.objects.awaiting_callback()
        .order_by()
        .annotate(since=F("replied_at"), source=Value("case", output_field=text))
        .values_list("pk", "urgent", "since", "source")
    )
    calls = (
        Call.objects.awaiting_callback()
        .order_by()
        .annotate(
            urgent=Value(False),
            since=F("ended_at"),
            source=Value("call", output_field=text),
        )
        .values_list("pk", "urgent", "since", "source")
    )
    return cases.union(calls, all=True).order_by("-urgent", "since", "source", "pk")


def _callback_call_rows(user: User, pks: list[int]) -> dict[int, dict]:
    intake = reverse("callcenter:case_create")
    done = url_with_pk("cti:callback_done", placeholder=UUID_PLACEHOLDER)
    rows = {}
    for call in Call.objects.filter(pk__in=pks).select_related("dial"):
        rows[call.pk] = {
            "source": "call",
            "pk": call.pk,
            "ended_at": call.ended_at,
            "outcome_label": call.get_outcome_display(),
            "dial_name": call.dial.name if call.dial else "",
            "caller_phone": caller_text(user, call)[0],
            "intake_url": f"{intake}?call={call.public_id}",
            "done_url": done(call.public_id),
        }
    return rows


@require_GET
@role_required(*CALLCENTER)
def callbacks(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Urgent first, then whoever has waited longest: cases since the department's reply,
    missed calls since they ended (callback_queue)."""
    # Counted up to COUNT_CAP ("N ページ目" beyond, without a total): a generated archive of
    # 2,000,000 cases left 14,506 cases waiting, and counting them all cost 3 ms of a view.
    page_hint = request.GET.get("page")
    page = CappedCountPaginator(
        callback_queue(), PAGE_SIZE, page_hint=page_hint, cap=COUNT_CAP, ids_first=False
    ).get_page(page_hint)
    entries = list(page.object_list)
    case_pks = [pk for pk, _urgent, _since, source in entries if source == "case"]
    call_pks = [pk for pk, _urgent, _since, source in entries if source == "call"]
    rows: dict[tuple[str, int], dict] = {}
    if case_pks:
        cases = list(Case.objects.filter(pk__in=case_pks).values(*CALLBACK_COLUMNS))
        _label_rows(
            cases, detail_url="callcenter:case_detail", callback_url="callcenter:case_callback"
        )
        rows.update((("case", row["pk"]), {**row, "source": "case"}) for row in cases)
    if call_pks:
        rows.update(
            (("call", pk), row) for pk, row in _callback_call_rows(request.user, call_pks).items()
        )
    page.object_list = [
        rows[source, pk] for pk, _urgent, _since, source in entries if (source, pk) in rows
    ]
    audit_shown(
        request, record_type=record_type_of(Case), record_ids=case_pks, fields=CALLBACK_FIELDS
    )
    audit_shown(
        request, record_type=record_type_of(Call), record_ids=call_pks, fields=("caller_phone",)
    )
    now = timezone.now()
    for row in page.object_list:
        since = row.get("replied_at") or row.get("ended_at")
        row["waited"] = waited_label(now - since) if since else ""
    return render(request, "callcenter/callbacks.html", {"page": page})


def waited_label(waited: datetime.timedelta) -> str:
    """How long the citizen has waited, to the unit that matters: 2日3時間, 4時間5分, 12分."""
    minutes = max(0, int(waited.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _("%(days)d日%(hours)d時間") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d時間%(minutes)d分") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d分") % {"minutes": minutes}


@require_http_methods(["GET", "POST"])
@role_required(*CALLCENTER)
def case_callback(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk, case_page_queryset())
    if not Case.objects.awaiting_callback().filter(pk=case.pk).exists():
        if request.method == "POST":
            messages.error(request, _("この案件は折り返し待ちではありません。"))
            return redirect("callcenter:case_detail", pk=case.pk)
        raise Http404
    form = CitizenCallbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case_record_citizen_callback(case=case, user=request.user, **form.cleaned_data)
        except InvalidTransition as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(
                request,
                _("%(reference)s の市民への回答を記録しました。") % {"reference": case.reference},
            )
        return redirect("callcenter:callbacks")
    status = 400 if request.method == "POST" else 200
    audit_one_shown(request, case, fields=CALLBACK_FIELDS)
    return render(
        request, "callcenter/case_callback.html", {"case": case, "form": form}, status=status
    )
