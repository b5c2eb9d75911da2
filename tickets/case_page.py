"""The case page and the intake page every desk shares: the call center's case page (also
what department staff see of another department's case), the status changes a user may
make there, and the intake POST with its one-case-per-token rule. The views that show them
(callcenter.views, departments.views) add the roles and their own side columns."""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from kobepost.accounts.http import AuthenticatedHttpRequest
from kobepost.accounts.models import User
from kobepost.lib.request_input import parse_id
from tickets.access import audit_case_shown, get_case_for_user
from tickets.corrections import correction_values_visible_to, with_correction_rows
from tickets.forms import CaseIntakeForm, ContractorRequestForm, TransferForm
from tickets.models import Case, CaseEvent, CaseQuerySet, IntakeToken
from tickets.services import case_create_once, case_link_call, contractors_for, intake_token_issue


# --- the case page ------------------------------------------------------------------------------
def status_actions_for(user: User, case: Case) -> list[tuple[str, str]]:
    """Status changes this user may make on this case, as (status, button label)."""
    allowed = case.allowed_transitions()
    actions: list[tuple[str, str]] = []
    if user.is_callcenter:
        if Case.Status.CLOSED in allowed:
            actions.append((Case.Status.CLOSED, _("完了にする")))
        if case.is_reopen(Case.Status.IN_PROGRESS) and Case.Status.IN_PROGRESS in allowed:
            actions.append((Case.Status.IN_PROGRESS, _("再開する（所管課対応中に戻す）")))
    elif (
        user.is_department_staff
        and user.department_id == case.department_id
        and case.status == Case.Status.RECEIVED
    ):
        actions.append((Case.Status.IN_PROGRESS, _("対応を開始する")))
    return actions


def case_page_queryset() -> CaseQuerySet:
    """What the case page and its printout read of a case in the one query."""
    return Case.objects.select_related("dial", "category", "department", "created_by")


def render_case_page(
    request: AuthenticatedHttpRequest, pk: int, *, status: int = 200, **forms: forms.Form
) -> HttpResponse:
    """The call-center case page (operators', and department staff reading another
    department's case). ``forms`` replace the page's empty ones: a refused POST
    shows its errors next to what the user typed, instead of redirecting it away."""
    case = get_case_for_user(request.user, pk, case_page_queryset())
    context = {**case_page_context(request.user, case), **forms}
    audit_case_shown(request, case, show_health=context["show_health"])
    return render(request, "tickets/case_page.html", context, status=status)


def case_page_context(user: User, case: Case) -> dict:
    """What the case page shows this user (the printout starts from it too)."""
    can_transfer = user.is_callcenter or user.department_id == case.department_id
    events = case.events.select_related("actor")
    if not user.is_department_staff:
        # Department staff's internal notes are for the city's staff only.
        events = events.exclude(kind=CaseEvent.Kind.INTERNAL_NOTE)
    contractors = contractors_for(case) if user.is_callcenter and case.is_open else None
    show_corrections = correction_values_visible_to(user, case)
    return {
        "case": case,
        "events": with_correction_rows(events, show_values=show_corrections),
        "show_correction_values": show_corrections,
        "contractor_form": ContractorRequestForm(contractors=contractors)
        if contractors is not None and contractors.exists()
        else None,
        "show_health": case.health_symptoms_visible_to(user),
        "status_actions": status_actions_for(user, case),
        "transfer_form": TransferForm() if can_transfer and case.is_open else None,
        "awaiting_callback": user.is_callcenter
        and Case.objects.awaiting_callback().filter(pk=case.pk).exists(),
    }


def case_page_url(user: User, case: Case) -> str:
    """The case page this user works on: the department's own, or the call center's."""
    name = "departments:case_detail" if user.is_department_staff else "callcenter:case_detail"
    return reverse(name, args=[case.pk])


# --- intake ---------------------------------------------------------------------------------
def render_intake(
    request: AuthenticatedHttpRequest,
    template: str,
    form: CaseIntakeForm,
    token: str,
    *,
    status: int = 200,
    already_saved: Case | None = None,
    extra_context: dict | None = None,
) -> HttpResponse:
    """An intake page (operators' or departments'), with the token it will be sent with."""
    context = {
        "form": form,
        "form_token": token,
        "already_saved": already_saved,
        "already_saved_url": case_page_url(request.user, already_saved) if already_saved else "",
        "address_auto": request.POST.get("address_auto", "") if form.is_bound else "",
        **(extra_context or {}),
    }
    return render(request, template, context, status=status)


def _link_note(data) -> str:
    lines = [_("同じ内容の通報を受け付けました。")]
    for label, key in (
        (_("電話番号"), "caller_phone"),
        (_("氏名"), "caller_name"),
        (_("タイトル"), "title"),
        (_("内容詳細"), "details"),
    ):
        value = (data.get(key) or "").strip()
        if value:
            lines.append(f"{label}: {value}")
    return "\n".join(lines)


def intake_submit(
    request: AuthenticatedHttpRequest,
    form: CaseIntakeForm,
    *,
    template: str,
    detail_view: str,
    extra_context: dict | None = None,
    extra_fields: dict | None = None,
    link_calls: bool = False,
    after_save: Callable[[Case, bool], None] | None = None,
) -> HttpResponse:
    """The POST of an intake page (operators' and departments'): one case per form token.

    Back, reload and a double click all send a token that may already have made its case:
    the page then answers 409 with a link to that case and everything typed still in
    the form (the same token, so another save makes nothing either). An unknown or
    expired token keeps the input too, under a new token. ``link_calls`` lets the page add
    the call to an existing case instead; ``after_save(case, existing)`` runs once the case
    is saved (the operators' page links the phone call it was started from).
    """

    def again(token: str, status: int, saved_pk: int | None = None) -> HttpResponse:
        saved = saved_case(request, saved_pk) if saved_pk else None
        return render_intake(
            request,
            template,
            form,
            token,
            status=status,
            already_saved=saved,
            extra_context=extra_context,
        )

    token = request.POST.get("form_token", "")
    intake = IntakeToken.objects.filter(token=token, user=request.user).first()
    if intake is None:
        messages.error(
            request, _("フォームの有効期限が切れました。内容を確認して、もう一度保存してください。")
        )
        form.is_valid()  # show the field errors too, keeping what was typed
        return again(intake_token_issue(user=request.user), 400)
    if intake.case_id is not None:
        return again(token, 409, intake.case_id)

    link_to = parse_id(request.POST.get("link_case"))
    if link_calls and link_to:
        existing = get_case_for_user(request.user, link_to)
        case, linked = case_link_call(
            token=token, case=existing, user=request.user, note=_link_note(request.POST)
        )
        if not linked:
            return again(token, 409, case.pk)
        if after_save:
            after_save(case, True)
        messages.success(
            request,
            _("既存の案件 %(reference)s に通報を追加しました。") % {"reference": case.reference},
        )
        return redirect(detail_view, pk=case.pk)

    if not form.is_valid():
        return again(token, 400)
    fields = form.case_fields() | (extra_fields or {})
    case, created = case_create_once(token=token, created_by=request.user, **fields)
    if not created:  # a double click: the first submit made the case while this one waited
        return again(token, 409, case.pk)
    if after_save:
        after_save(case, False)
    messages.success(
        request, _("案件 %(reference)s を受け付けました。") % {"reference": case.reference}
    )
    return redirect(detail_view, pk=case.pk)


def saved_case(request: AuthenticatedHttpRequest, pk: int) -> Case:
    return get_case_for_user(request.user, pk, Case.objects.select_related("category"))
