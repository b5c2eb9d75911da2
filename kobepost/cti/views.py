"""The PBX's event endpoint, the operator's screen pop, the seat and the call journal."""

import datetime
import json
import logging
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from kobepost.accounts.decorators import role_required
from kobepost.accounts.http import AuthenticatedHttpRequest
from kobepost.accounts.models import User
from kobepost.accounts.network import client_ip, pbx_address_allowed
from kobepost.audit.models import AuditAction
from kobepost.audit.services import audit_one_shown, audit_record, audit_shown, record_type_of
from kobepost.cti.access import caller_text, get_call_for_user, is_awaiting_callback
from kobepost.cti.forms import CallEventForm, JournalFilterForm, SeatForm
from kobepost.cti.models import Call, CallerId, Pbx
from kobepost.cti.services import (
    call_callback_done,
    call_dismiss,
    call_event_record,
    calls_to_pop,
    intake_call_start,
    intake_call_transferred,
    seat_assign,
)
from kobepost.lib.jp_calendar import start_of_day
from kobepost.lib.links import safe_next_url, url_with_pk
from tickets.history import audit_phone_history, case_summary, cases_of_phone
from tickets.pagination import CappedCountPaginator

log = logging.getLogger("kobepost.cti")
security_log = logging.getLogger("kobepost.security")

CALLCENTER = (User.Role.OPERATOR, User.Role.SUPERVISOR)
# An event is a few short fields; anything bigger is not from our PBX.
MAX_EVENT_BYTES = 8 * 1024
EVENT_FIELDS = {field for field in CallEventForm.base_fields} | {"token"}
JOURNAL_PAGE_SIZE = 50
POP_FAQ_LIMIT = 5
CALL_RECORD_TYPE = record_type_of(Call)  # "cti.call"


# --- the PBX's endpoint ----------------------------------------------------------------------
def pbx_error(status: int, code: str, message: str, **extra) -> JsonResponse:
    """The endpoint's one error shape: ``{"ok": false, "error": {"code", "message"}}``."""
    response = JsonResponse(
        {"ok": False, "error": {"code": code, "message": message, **extra}}, status=status
    )
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="cti"'
    return response


def _bearer_token(request: HttpRequest, payload: dict) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _space, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return str(payload.get("token") or "").strip()


def _event_payload(request: HttpRequest) -> tuple[dict | None, JsonResponse | None]:
    """The posted fields as strings, from a JSON body or a form post."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_EVENT_BYTES:
        return None, pbx_error(413, "too_large", _("イベントが大きすぎます（8 KB まで）。"))
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            return None, pbx_error(400, "invalid_json", _("JSON として読めません。"))
        if not isinstance(body, dict):
            return None, pbx_error(400, "invalid_json", _("JSON のオブジェクトを送ってください。"))
        payload = {}
        for name, value in body.items():
            if name not in EVENT_FIELDS or value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                return None, pbx_error(
                    400,
                    "invalid",
                    _("入力内容が正しくありません。"),
                    fields={name: [_("文字列か数値で指定してください。")]},
                )
            payload[name] = str(value)
        return payload, None
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return {name: request.POST.get(name, "") for name in EVENT_FIELDS & set(request.POST)}, None
    return None, pbx_error(
        415,
        "unsupported_media_type",
        _("application/json か application/x-www-form-urlencoded で送ってください。"),
    )


@csrf_exempt  # a machine posting with its own token, never a browser with our cookies
@login_not_required
def pbx_events(request: HttpRequest) -> JsonResponse:
    """One call event from the phone system. Answers in one small transaction."""
    address = client_ip(request)
    if not pbx_address_allowed(address):
        security_log.warning("cti refused: address=%s not in CTI_PBX_NETWORKS", address)
        audit_record(request=request, action=AuditAction.NETWORK_REFUSED, detail="cti pbx")
        return pbx_error(403, "forbidden_address", _("この接続元からは受け付けません。"))
    if request.method != "POST":
        response = pbx_error(405, "method_not_allowed", _("POST で送ってください。"))
        response["Allow"] = "POST"
        return response
    payload, error = _event_payload(request)
    if error is not None:
        return error
    pbx = Pbx.for_token(_bearer_token(request, cast(dict, payload)))  # no error: a payload
    if pbx is None:
        security_log.warning("cti refused: address=%s bad or missing token", address)
        return pbx_error(401, "invalid_token", _("トークンがないか、正しくありません。"))
    form = CallEventForm(payload)
    if not form.is_valid():
        return pbx_error(
            400,
            "invalid",
            _("入力内容が正しくありません。"),
            fields={name: [str(e) for e in errors] for name, errors in form.errors.items()},
        )
    recorded = call_event_record(pbx=pbx, event=form.event_data())
    call = recorded.call
    return JsonResponse(
        {
            "ok": True,
            "duplicate": recorded.duplicate,
            "call": {"call_id": call.call_id, "outcome": call.outcome, "version": call.version},
        }
    )


# --- the screen pop ------------------------------------------------------------------------------
def _earlier_faq_calls(call: Call) -> list[dict]:
    """What this number asked before and was answered from the FAQ: the question, the day."""
    rows = (
        Call.objects.filter(caller_phone_digits=call.caller_phone_digits, simple_call__isnull=False)
        .exclude(pk=call.pk)
        .order_by("-started_at", "-id")
        .values_list("started_at", "simple_call__faq_entry__question", "simple_call__topic")[
            :POP_FAQ_LIMIT
        ]
    )
    return [
        {
            "at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M"),
            "question": question or topic or _("（FAQ なしで対応）"),
        }
        for at, question, topic in rows
    ]


def pop_payload(call: Call, user: User) -> dict:
    caller, whole = caller_text(user, call)
    known = whole and call.caller_id == CallerId.NUMBER
    return {
        "id": str(call.public_id),
        "outcome": call.outcome,
        "outcomeLabel": call.get_outcome_display(),
        "ended": call.is_ended,
        "dial": call.dial.name if call.dial else _("ダイヤル不明"),
        "dialId": call.dial_id,
        "caller": caller,
        "phone": call.caller_phone if known else "",
        "withheld": call.caller_id != CallerId.NUMBER,
        "startedAt": timezone.localtime(call.started_at).strftime("%H:%M"),
        "cases": [case_summary(c) for c in cases_of_phone(call.caller_phone)] if known else [],
        "faqCalls": _earlier_faq_calls(call) if known else [],
        "intakeUrl": f"{reverse('callcenter:case_create')}?call={call.public_id}",
        # What an intake page already open posts back when the pop fills it in place.
        "intakeLink": intake_call_start(user=user, call=call).link,
        "dismissUrl": reverse("cti:dismiss", args=[call.public_id]),
    }


def _no_store(response: JsonResponse) -> JsonResponse:
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@role_required(*CALLCENTER)
def pop(request: AuthenticatedHttpRequest) -> JsonResponse:
    """The call at this operator's seat. The page asks once a second with the state it
    has; an unchanged state is answered from one indexed query."""
    since = request.GET.get("since", "")[:120]
    # On an intake page started from a call: has that call gone to another operator?
    intake_link = request.GET.get("intake", "")[:400]
    transferred = (
        intake_call_transferred(user=request.user, link=intake_link) if intake_link else None
    )
    intake = {} if transferred is None else {"intake": {"transferred": transferred}}
    current = calls_to_pop(user=request.user).values_list("pk", "public_id", "version").first()
    state = f"{current[1]}:{current[2]}" if current else "none"
    if intake:
        state += ":transferred" if transferred else ":held"
    if state == since:
        return _no_store(JsonResponse({"state": state, "unchanged": True}))
    if current is None:
        return _no_store(JsonResponse({"state": state, "call": None} | intake))
    call = Call.objects.select_related("dial").get(pk=current[0])
    payload = pop_payload(call, request.user)
    if payload["phone"]:
        audit_one_shown(request, call, fields=("caller_phone",))
        # The history found by the number tells who called about what, as on the intake.
        audit_phone_history(request, [case["id"] for case in payload["cases"]])
    return _no_store(JsonResponse({"state": state, "call": payload} | intake))


@require_POST
@role_required(*CALLCENTER)
def dismiss(request: AuthenticatedHttpRequest, public_id) -> JsonResponse:
    call = get_call_for_user(request.user, public_id, Call.objects.filter(operator=request.user))
    call_dismiss(call=call)
    return JsonResponse({"ok": True})


# --- the seat --------------------------------------------------------------------------------
def _back(request: AuthenticatedHttpRequest, fallback: str) -> str:
    return safe_next_url(request) or fallback


@require_POST
@role_required(*CALLCENTER)
def seat(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SeatForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(form.errors["extension"][0]))
        return redirect(_back(request, reverse("callcenter:home")))
    extension = form.cleaned_data["extension"]
    seat_assign(user=request.user, extension=extension)
    if extension:
        messages.success(
            request,
            _("内線 %(extension)s の着信をこの画面に表示します。") % {"extension": extension},
        )
    else:
        messages.info(request, _("内線の設定を解除しました。"))
    return redirect(_back(request, reverse("callcenter:home")))


# --- the journal -----------------------------------------------------------------------------
def _journal_calls(form: JournalFilterForm):
    day = timezone.localdate()
    calls = Call.objects.select_related(
        "dial", "operator", "case", "simple_call", "simple_call__faq_entry"
    )
    if form.is_valid():
        data = form.cleaned_data
        day = data.get("day") or day
        if data.get("dial"):
            calls = calls.filter(dial=data["dial"])
        if data.get("outcome"):
            calls = calls.filter(outcome=data["outcome"])
    start = start_of_day(day)
    calls = calls.filter(started_at__gte=start, started_at__lt=start + datetime.timedelta(days=1))
    return day, calls.order_by("-started_at", "-id")


def _result_text(call: Call) -> str:
    """What the call became, for the journal's last column."""
    if call.case_id:
        return _("既存の案件に追加") if call.case_existing else _("新規案件")
    if call.simple_call is not None:
        entry = call.simple_call.faq_entry
        if entry is not None:
            return _("FAQ で回答: %(question)s") % {"question": entry.question}
        return _("その場で回答（FAQ なし）: %(topic)s") % {"topic": call.simple_call.topic}
    if call.callback_resolution:
        return call.get_callback_resolution_display()
    if is_awaiting_callback(call):
        return _("折り返し待ち")
    return ""


@require_GET
@role_required(*CALLCENTER)
def journal(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = JournalFilterForm(request.GET or None)
    day, calls = _journal_calls(form)
    paginator = CappedCountPaginator(calls, JOURNAL_PAGE_SIZE, page_hint=request.GET.get("page"))
    page = paginator.get_page(request.GET.get("page"))
    shown = []
    case_url = url_with_pk("callcenter:case_detail")
    for call in page.object_list:
        call.caller_text, whole = caller_text(request.user, call)
        if whole:
            shown.append(call.pk)
        call.result_text = _result_text(call)
        call.case_url = case_url(call.case_id) if call.case_id else ""
        seconds = call.talk_seconds
        call.duration_text = "" if seconds is None else f"{seconds // 60}:{seconds % 60:02d}"
    audit_shown(request, record_type=CALL_RECORD_TYPE, record_ids=shown, fields=("caller_phone",))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cti/journal.html",
        {"form": form, "day": day, "page": page, "query": query.urlencode()},
    )


@require_POST
@role_required(*CALLCENTER)
def callback_done(request: AuthenticatedHttpRequest, public_id) -> HttpResponse:
    call = get_call_for_user(request.user, public_id)
    if call_callback_done(call=call, user=request.user):
        messages.success(request, _("折り返しを記録しました。"))
    else:
        messages.info(request, _("この着信は折り返し待ちではありません。"))
    return redirect("callcenter:callbacks")
