from typing import cast
from urllib.parse import quote, urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from faq import services, transfer
from faq.forms import (
    DecisionForm,
    FaqEntryForm,
    ImportForm,
    ProposalForm,
    SearchForm,
    SimpleCallForm,
    StatusForm,
)
from faq.models import FaqEntry, FaqProposal, review_after_days, review_due_before
from faq.normalize import normalize_text
from faq.search import SNIPPET_LENGTH, highlight, search_entries
from kobepost.accounts.decorators import role_required
from kobepost.accounts.http import AuthenticatedHttpRequest
from kobepost.accounts.models import User
from kobepost.lib.links import safe_next_url, url_with_pk
from kobepost.lib.spreadsheets import Sheet, csv_response, requested_encoding, xlsx_response
from tickets.models import Category, Dial
from tickets.routing import routing_table

OPERATOR, SUPERVISOR, DEPARTMENT = (
    User.Role.OPERATOR,
    User.Role.SUPERVISOR,
    User.Role.DEPARTMENT_STAFF,
)
# The intake form (callcenter:case_create) is built on another branch; its path is fixed.
CASE_INTAKE_PATH = "/callcenter/cases/new/"
SEARCH_RESULT_LIMIT = 30
PAGE_SIZE = 30


def base_template(user: User) -> str:
    if user.is_department_staff:
        return "departments/base_department.html"
    return "callcenter/base_callcenter.html"


def visible_entries(user: User) -> QuerySet[FaqEntry]:
    """The entries ``user`` may read: operators published only, departments their own."""
    entries = FaqEntry.objects.select_related("dial", "category", "department")
    if user.is_supervisor:
        return entries
    if user.is_operator:
        return entries.filter(status=FaqEntry.Status.PUBLISHED)
    if user.is_department_staff:
        # Department staff always have a department (User.clean).
        return entries.filter(department_id=cast(int, user.department_id))
    raise PermissionDenied


def entry_for(user: User, pk: int) -> FaqEntry:
    """The entry if ``user`` may see it; 404 for entries out of reach, 403 for wrong roles."""
    try:
        return visible_entries(user).get(pk=pk)
    except FaqEntry.DoesNotExist:
        raise Http404 from None


def proposal_for(user: User, pk: int) -> FaqProposal:
    proposals = FaqProposal.objects.select_related(
        "entry", "entry__department", "entry__dial", "proposed_by", "decided_by"
    )
    if user.is_supervisor:
        return get_object_or_404(proposals, pk=pk)
    if user.is_department_staff:
        return get_object_or_404(proposals, pk=pk, entry__department_id=user.department_id)
    raise PermissionDenied


def intake_url(*, query: str, dial: Dial | None) -> str:
    params = {"title": query}
    if dial is not None:
        params = {"dial": dial.code, **params}
    return f"{CASE_INTAKE_PATH}?{urlencode(params)}"


# The last no-hit search this operator logged: a reload, or coming back to the same result
# page, is not a second gap in the FAQ.
LAST_GAP_SESSION_KEY = "faq_last_gap"


def _log_gap_once(request: AuthenticatedHttpRequest, *, query: str, dial: Dial | None) -> None:
    searched = [normalize_text(query), dial.pk if dial else None]
    if request.session.get(LAST_GAP_SESSION_KEY) == searched:
        return
    services.unanswered_search_log(query=query, dial=dial)
    request.session[LAST_GAP_SESSION_KEY] = searched


def _prepare_results(entries, query: str) -> None:
    """Highlights, links and names, once per page; the template only places them. The
    names come from the cached routing table: the entries are read without joins (90 model
    instances fewer for 30 results)."""
    detail_url, answered_url = url_with_pk("faq:detail"), url_with_pk("faq:answered")
    suffix = f"?q={quote(query, safe='/')}" if query else ""
    routing = routing_table()
    dials = dict(routing.dials)
    categories = {row.pk: row.name for row in routing.categories}
    departments = {row.pk: row.name for row in routing.departments}
    for entry in entries:
        entry.dial_name = dials.get(entry.dial_id, "")
        entry.category_name = categories.get(entry.category_id, "")
        entry.department_name = departments.get(entry.department_id, "")
        entry.question_html = highlight(entry.question, query)
        entry.snippet_html = highlight(entry.answer, query, window=SNIPPET_LENGTH)
        entry.detail_url = detail_url(entry.pk) + suffix
        entry.answered_url = answered_url(entry.pk)


@require_GET
@role_required(OPERATOR, SUPERVISOR, DEPARTMENT)
def search(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    form.is_valid()
    data = form.cleaned_data if form.is_bound else {}
    query = data.get("q", "")
    dial, category = data.get("dial"), data.get("category")
    entries = visible_entries(request.user)
    if dial:
        entries = entries.filter(dial=dial)
    if category:
        entries = entries.filter(category=category)
    if request.user.is_supervisor and data.get("status"):
        entries = entries.filter(status=data["status"])
    context = {
        "base_template": base_template(request.user),
        "form": form,
        "query": query,
        "selected_dial": dial,
        "selected_category": category,
        "dials": Dial.objects.all(),
        # The operator home lists the dials already; the filter is on the full page only.
        "show_dial_filter": True,
    }
    if query:
        results = list(search_entries(entries.select_related(None), query)[:SEARCH_RESULT_LIMIT])
        _prepare_results(results, query)
        context.update(results=results, result_limit=SEARCH_RESULT_LIMIT)
        if not results:
            if request.user.is_callcenter:
                _log_gap_once(request, query=query, dial=dial)
            context["intake_url"] = intake_url(query=query, dial=dial)
            context["call_without_faq_url"] = (
                reverse("faq:call_create")
                + "?"
                + urlencode({"topic": query, **({"dial": dial.code} if dial else {})})
            )
    elif dial or category:
        page = Paginator(
            entries.select_related(None).order_by("question", "pk"), PAGE_SIZE
        ).get_page(request.GET.get("page"))
        _prepare_results(page, "")
        context.update(page=page, results=list(page))
        context["page_query"] = urlencode(
            {
                key: value
                for key, value in {
                    "dial": dial.code if dial else "",
                    "category": category.code if category else "",
                    "status": data.get("status", ""),
                }.items()
                if value
            }
        )
    else:
        counts = dict(
            entries.values_list("category_id")
            .annotate(n=Count("id"))
            .values_list("category_id", "n")
        )
        categories = list(Category.objects.select_related("dial").filter(active=True))
        for item in categories:
            item.faq_count = counts.get(item.pk, 0)  # type: ignore[attr-defined]  # shown by the template
        context["categories"] = categories
    if request.user.is_callcenter:
        context["calls_today"] = services.calls_today(operator=request.user)
    return render(request, "faq/search.html", context)


LOOKUP_LIMIT = 8


@require_GET
@role_required(OPERATOR, SUPERVISOR)
def lookup(request: AuthenticatedHttpRequest) -> JsonResponse:
    """The intake page's FAQ search, as JSON: what the caller asks often turns out to be a
    simple question, and the operator answers and logs it without leaving the form."""
    form = SearchForm({"q": request.GET.get("q", "")})
    query = form.cleaned_data["q"] if form.is_valid() else ""
    if not query:
        return JsonResponse({"results": [], "callUrl": reverse("faq:call_create")})
    entries = visible_entries(request.user).filter(status=FaqEntry.Status.PUBLISHED)
    results = list(search_entries(entries.select_related(None), query)[:LOOKUP_LIMIT])
    _prepare_results(results, query)
    if not results and request.GET.get("log") == "1":
        # Only a search the operator sent (Enter, 検索) is a gap in the FAQ: the page also
        # searches while typing, and half-typed words are no one's question.
        _log_gap_once(request, query=query, dial=None)
    return JsonResponse(
        {
            "results": [
                {
                    "question": entry.question,
                    "answer": Truncator(entry.answer).chars(SNIPPET_LENGTH),
                    "where": " / ".join(n for n in (entry.dial_name, entry.category_name) if n),  # type: ignore[attr-defined]  # _prepare_results
                    "url": entry.detail_url,  # type: ignore[attr-defined]  # _prepare_results
                    "answeredUrl": entry.answered_url,  # type: ignore[attr-defined]  # _prepare_results
                }
                for entry in results
            ],
            "callUrl": reverse("faq:call_create") + "?" + urlencode({"topic": query}),
        }
    )


@require_GET
@role_required(OPERATOR, SUPERVISOR, DEPARTMENT)
def detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    entry = entry_for(request.user, pk)
    query = " ".join(request.GET.get("q", "").split())[:100]
    context = {
        "base_template": base_template(request.user),
        "entry": entry,
        "query": query,
        "question_html": highlight(entry.question, query),
        "answer_html": highlight(entry.answer, query),
        "back_url": reverse("faq:search") + ("?" + urlencode({"q": query}) if query else ""),
    }
    if request.user.is_supervisor:
        context["status_form"] = StatusForm(initial={"status": entry.status})
        context["revisions"] = entry.revisions.select_related("changed_by")[:5]
    if request.user.is_department_staff:
        context["pending_proposals"] = entry.proposals.filter(
            status=FaqProposal.Status.PENDING
        ).count()
    return render(request, "faq/detail.html", context)


@require_POST
@role_required(OPERATOR, SUPERVISOR)
def answered(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    entry = entry_for(request.user, pk)
    if not entry.is_published:
        raise Http404
    services.call_log(operator=request.user, dial=entry.dial, faq_entry=entry)
    count = services.calls_today(operator=request.user)
    messages.success(
        request,
        _("「%(question)s」で回答したことを記録しました（本日 %(count)s 件目）。")
        % {"question": entry.question, "count": count},
    )
    return redirect(safe_next_url(request) or reverse("faq:search"))


@require_http_methods(["GET", "POST"])
@role_required(OPERATOR, SUPERVISOR)
def call_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A call answered without an FAQ entry: counted all the same."""
    if request.method == "POST":
        form = SimpleCallForm(request.POST)
        if form.is_valid():
            services.call_log(
                operator=request.user,
                dial=form.cleaned_data["dial"],
                topic=form.cleaned_data["topic"],
                note=form.cleaned_data["note"],
            )
            count = services.calls_today(operator=request.user)
            messages.success(
                request,
                _("FAQ なしの対応を記録しました（本日 %(count)s 件目）。") % {"count": count},
            )
            return redirect("faq:search")
    else:
        dial_code = request.GET.get("dial", "")
        form = SimpleCallForm(
            initial={
                "topic": request.GET.get("topic", "")[:100],
                "dial": Dial.objects.filter(code=dial_code).first() if dial_code else None,
            }
        )
    return render(request, "faq/call_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@role_required(SUPERVISOR)
def entry_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = FaqEntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        entry = services.entry_save(
            entry=form.save(commit=False),
            user=request.user,
            note=form.cleaned_data["change_note"],
        )
        messages.success(request, _("FAQ を作成しました。"))
        return redirect("faq:detail", pk=entry.pk)
    return render(request, "faq/entry_form.html", {"form": form, "entry": None})


@require_http_methods(["GET", "POST"])
@role_required(SUPERVISOR)
def entry_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    entry = entry_for(request.user, pk)
    form = FaqEntryForm(request.POST or None, instance=entry)
    if request.method == "POST" and form.is_valid():
        services.entry_save(
            entry=form.save(commit=False),
            user=request.user,
            note=form.cleaned_data["change_note"],
        )
        messages.success(request, _("FAQ を更新しました。"))
        return redirect("faq:detail", pk=entry.pk)
    return render(request, "faq/entry_form.html", {"form": form, "entry": entry})


@require_POST
@role_required(SUPERVISOR)
def entry_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    entry = entry_for(request.user, pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        services.entry_set_status(
            entry=entry, user=request.user, status=form.cleaned_data["status"]
        )
        messages.success(
            request,
            _("状態を「%(status)s」にしました。") % {"status": entry.get_status_display()},
        )
    else:
        messages.error(request, _("状態の指定が正しくありません。"))
    return redirect("faq:detail", pk=entry.pk)


@require_POST
@role_required(SUPERVISOR)
def entry_reviewed(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    entry = entry_for(request.user, pk)
    services.entry_mark_reviewed(entry=entry, user=request.user)
    messages.success(request, _("確認済みにしました。"))
    return redirect(safe_next_url(request) or reverse("faq:detail", args=[entry.pk]))


@require_GET
@role_required(SUPERVISOR, DEPARTMENT)
def entry_history(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    entry = entry_for(request.user, pk)
    revisions = list(entry.revisions.select_related("changed_by"))
    # An entry made outside the service (admin, import) may have no revision at all.
    olders = [*revisions[1:], None] if revisions else []
    for newer, older in zip(revisions, olders, strict=True):
        before = older.snapshot if older else {"question": "", "answer": ""}
        newer.question_diff = services.inline_diff(before["question"], newer.snapshot["question"])  # type: ignore[attr-defined]  # shown by the template
        newer.answer_diff = services.inline_diff(before["answer"], newer.snapshot["answer"])  # type: ignore[attr-defined]  # shown by the template
    return render(
        request,
        "faq/history.html",
        {"base_template": base_template(request.user), "entry": entry, "revisions": revisions},
    )


@require_GET
@role_required(SUPERVISOR)
def review_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    due_before = review_due_before()
    entries = (
        FaqEntry.objects.select_related("dial", "department")
        .exclude(status=FaqEntry.Status.ARCHIVED)
        .filter(
            Q(last_reviewed_on__lte=due_before)
            | Q(last_reviewed_on__isnull=True, created_at__date__lte=due_before)
        )
        .order_by("last_reviewed_on", "pk")
    )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "faq/review_list.html",
        {"page": page, "days": review_after_days(), "due_before": due_before},
    )


@require_http_methods(["GET", "POST"])
@role_required(DEPARTMENT)
def proposal_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    entry = entry_for(request.user, pk)
    proposal = FaqProposal(entry=entry, proposed_by=request.user)
    if request.method == "POST":
        form = ProposalForm(request.POST, instance=proposal)
        if form.is_valid():
            services.proposal_create(
                entry=entry,
                user=request.user,
                question=form.cleaned_data["proposed_question"],
                answer=form.cleaned_data["proposed_answer"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("変更を提案しました。スーパーバイザーが確認します。"))
            return redirect("faq:proposal_list")
    else:
        form = ProposalForm(
            instance=proposal,
            initial={"proposed_question": entry.question, "proposed_answer": entry.answer},
        )
    return render(request, "faq/proposal_form.html", {"form": form, "entry": entry})


@require_GET
@role_required(SUPERVISOR, DEPARTMENT)
def proposal_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    proposals = FaqProposal.objects.select_related("entry", "entry__department", "proposed_by")
    if request.user.is_department_staff:
        proposals = proposals.filter(entry__department_id=cast(int, request.user.department_id))
    status = request.GET.get("status", FaqProposal.Status.PENDING)
    if status in FaqProposal.Status.values:
        proposals = proposals.filter(status=status)
    page = Paginator(proposals, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "faq/proposal_list.html",
        {
            "base_template": base_template(request.user),
            "page": page,
            "status": status,
            "statuses": FaqProposal.Status.choices,
        },
    )


@require_GET
@role_required(SUPERVISOR, DEPARTMENT)
def proposal_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    proposal = proposal_for(request.user, pk)
    entry = proposal.entry
    return render(
        request,
        "faq/proposal_detail.html",
        {
            "base_template": base_template(request.user),
            "proposal": proposal,
            "question_diff": services.inline_diff(entry.question, proposal.proposed_question),
            "answer_diff": services.inline_diff(entry.answer, proposal.proposed_answer),
            "decision_form": DecisionForm() if request.user.is_supervisor else None,
        },
    )


@require_POST
@role_required(SUPERVISOR)
def proposal_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    proposal = proposal_for(request.user, pk)
    form = DecisionForm(request.POST)
    if not proposal.is_pending:
        messages.error(request, _("この提案は判断済みです。"))
    elif form.is_valid():
        accept = form.cleaned_data["decision"] == "accept"
        services.proposal_decide(
            proposal=proposal,
            user=request.user,
            accept=accept,
            comment=form.cleaned_data["comment"],
        )
        messages.success(
            request, _("提案を採用し、公開しました。") if accept else _("提案を不採用にしました。")
        )
    else:
        messages.error(request, _("判断を選んでください。"))
    return redirect("faq:proposal_detail", pk=proposal.pk)


@require_http_methods(["GET", "POST"])
@role_required(SUPERVISOR)
def import_entries(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[tuple[int, str]] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            if upload.name.lower().endswith(".xlsx"):
                rows = transfer.read_xlsx(data)
            else:
                rows = transfer.read_csv(data)
        except transfer.ImportFileError as error:
            form.add_error("file", str(error))
        else:
            result = transfer.faq_import(rows=rows, user=request.user)
            if not result.errors:
                messages.success(
                    request,
                    _("取り込みました（新規 %(created)s 件、更新 %(updated)s 件）。")
                    % {"created": result.created, "updated": result.updated},
                )
                return redirect("faq:import")
            errors = result.errors
    return render(request, "faq/import.html", {"form": form, "row_errors": errors})


def _export_filename(extension: str) -> str:
    return f"faq-{timezone.localdate():%Y%m%d}.{extension}"


@require_GET
@role_required(SUPERVISOR)
def export_csv(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    return csv_response(
        transfer.export_rows(),
        encoding=requested_encoding(request.GET),
        filename=_export_filename("csv"),
    )


@require_GET
@role_required(SUPERVISOR)
def export_xlsx(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    return xlsx_response([Sheet("FAQ", transfer.export_rows())], filename=_export_filename("xlsx"))


@require_GET
@role_required(SUPERVISOR)
def usage(request: AuthenticatedHttpRequest) -> HttpResponse:
    months, rows = services.usage_by_entry_and_month()
    return render(
        request,
        "faq/usage.html",
        {
            "months": months,
            "rows": rows,
            "without_faq": services.calls_without_faq_by_month(),
            "unanswered": services.unanswered_summary(),
        },
    )
