import logging
from datetime import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kobepost.accounts.forms import WRONG_NETWORK, StaffLoginForm, StaffPasswordChangeForm
from kobepost.accounts.http import AuthenticatedHttpRequest
from kobepost.accounts.models import User
from kobepost.accounts.network import client_ip
from kobepost.audit.models import AuditAction
from kobepost.audit.services import audit_record
from kobepost.lib.links import safe_next_url
from kobepost.middleware import (
    SESSION_LAST_ACTIVITY,
    SESSION_STARTED,
    now_timestamp,
    session_remaining_seconds,
)

SESSION_PREVIOUS_LOGIN = "kobepost_previous_login"
security_log = logging.getLogger("kobepost.security")


@login_not_required
@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET":
        return redirect(safe_next_url(request) or "home")
    form = StaffLoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        previous_login = user.last_login
        login(request, user)
        audit_record(request=request, user=user, action=AuditAction.LOGIN)
        now = now_timestamp()
        request.session[SESSION_STARTED] = now
        request.session[SESSION_LAST_ACTIVITY] = now
        request.session[SESSION_PREVIOUS_LOGIN] = (
            previous_login.isoformat() if previous_login else None
        )
        if previous_login:
            shown = date_format(timezone.localtime(previous_login), "DATETIME_FORMAT")
            messages.info(request, _("前回のログイン: %(when)s") % {"when": shown})
        else:
            messages.info(request, _("初めてのログインです。"))
        return redirect(safe_next_url(request) or "home")
    status = 200
    if request.method == "POST":
        wrong_network = form.has_error(NON_FIELD_ERRORS, WRONG_NETWORK)
        _audit_refused_login(request, wrong_network=wrong_network)
        status = 403 if wrong_network else 400
    return render(
        request,
        "accounts/login.html",
        {"form": form, "next": safe_next_url(request) or ""},
        status=status,
    )


def _audit_refused_login(request: HttpRequest, *, wrong_network: bool) -> None:
    """One audit row per refused attempt: a wrong password, an ID that is locked, or the
    right password from a network the role may not use."""
    typed = request.POST.get("username", "").strip()
    user = User.objects.filter(username=typed).first() if typed else None
    locked = bool(getattr(request, "axes_locked_out", False))
    failures = getattr(request, "axes_failures_since_start", None)
    if wrong_network:
        security_log.warning(
            "login refused: network of the role, address=%s user=%s",
            client_ip(request),
            user.pk if user else "-",
        )
        action, detail = AuditAction.NETWORK_REFUSED, "login refused: network of the role"
    elif locked:
        action, detail = AuditAction.LOCKOUT, f"failures={failures}"
    else:
        action = AuditAction.LOGIN_FAILED
        detail = f"failures={failures}" if failures is not None else ""
    audit_record(
        request=request,
        user=user,
        username=typed,
        action=action,
        detail=detail,
    )


@login_not_required
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        audit_record(request=request, action=AuditAction.LOGOUT)
    logout(request)
    messages.success(request, _("ログアウトしました。"))
    return redirect("login")


@require_POST
def admin_logout(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The admin's logout button: the same audited logout, for signed-in people only."""
    return logout_view(request)


@login_not_required
@require_GET
def admin_login_redirect(request: HttpRequest) -> HttpResponse:
    target = safe_next_url(request) or "/admin/"
    return redirect(f"{redirect('login').url}?{urlencode({'next': target})}")


@require_GET
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Sends each role to its own start page."""
    role = request.user.role
    if role in (User.Role.OPERATOR, User.Role.SUPERVISOR):
        return redirect("callcenter:home")
    if role == User.Role.DEPARTMENT_STAFF:
        return redirect("departments:home")
    if role == User.Role.ADMIN:
        return redirect("admin:index")
    return render(request, "403.html", status=403)


@require_GET
@never_cache
def session_status(request: AuthenticatedHttpRequest) -> JsonResponse:
    """Polled by the page script; the middleware never counts it as activity."""
    return JsonResponse(session_remaining_seconds(request))


@require_POST
@never_cache
def session_keepalive(request: AuthenticatedHttpRequest) -> JsonResponse:
    """The "stay logged in" button: a deliberate action, so it counts as activity."""
    request.session[SESSION_LAST_ACTIVITY] = now_timestamp()
    return JsonResponse(session_remaining_seconds(request))


def previous_login_of(request: HttpRequest) -> datetime | None:
    value = request.session.get(SESSION_PREVIOUS_LOGIN)
    return datetime.fromisoformat(value) if value else None


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@never_cache
@require_http_methods(["GET", "POST"])
def password_change(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Any staff member changes their own password (PRG; the session stays signed in)."""
    form = StaffPasswordChangeForm(request.user, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        audit_record(request=request, user=user, action=AuditAction.PASSWORD_CHANGED)
        messages.success(request, _("パスワードを変更しました。"))
        return redirect("password_change")
    return render(
        request,
        "accounts/password_change.html",
        {"form": form},
        status=400 if form.is_bound else 200,
    )
