"""Site-wide middleware: language choice, crafted input, network allowlist and idle logout."""

import logging
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.signals import request_finished, request_started
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.request import HttpHeaders
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kobepost.accounts.network import address_allowed, client_ip
from kobepost.audit.models import AuditAction
from kobepost.audit.services import audit_record
from kobepost.lib.logs import (
    REQUEST_ID_HEADER,
    bind_request_id,
    current_request_id,
    new_request_id,
    reset_request_id,
    valid_request_id,
)
from kobepost.lib.request_input import bad_input_response, has_nul

security_log = logging.getLogger("kobepost.security")

# Requests sent by page scripts on a timer carry this header; they never count as a
# person using the tool, so auto-refresh cannot keep an unattended session alive.
BACKGROUND_HEADER = "HTTP_X_KOBEPOST_BACKGROUND"
SESSION_LAST_ACTIVITY = "kobepost_last_activity"
SESSION_STARTED = "kobepost_session_started"
# Writing the session on every click costs a database write; a few seconds of slack
# in the idle clock is harmless next to a 30-minute limit.
ACTIVITY_WRITE_INTERVAL = 15


def is_public_path(path: str) -> bool:
    return path.startswith(settings.PUBLIC_URL_PREFIX) or path.startswith(settings.STATIC_URL)


def is_pbx_path(path: str) -> bool:
    """The phone system's endpoint: its own network rule and token (kobepost.cti.views)."""
    return path.startswith(settings.CTI_PBX_URL_PREFIX)


def is_background_request(request: HttpRequest) -> bool:
    return request.META.get(BACKGROUND_HEADER) == "1"


def now_timestamp() -> float:
    # timezone.now() so that tests can move the clock with time-machine.
    return timezone.now().timestamp()


def _request_id_from(headers) -> str:
    return valid_request_id(headers.get(REQUEST_ID_HEADER)) or new_request_id()


def request_id_bind(*, environ: dict, **kwargs) -> None:
    """request_started: every log line of a request carries its id (kobepost/lib/logs.py), nginx's
    X-Request-ID or a new one. Bound before any middleware and until the response is closed,
    so Django's own lines about the request ("Not Found", a 500's traceback) carry it too."""
    bind_request_id(_request_id_from(HttpHeaders(environ)))


def request_id_unbind(**kwargs) -> None:
    """request_finished: the next line of this worker belongs to no request."""
    bind_request_id(None)


# Connected here, by the module the handler imports before its first request.
request_started.connect(request_id_bind, dispatch_uid="kobepost.request_id_bind")
request_finished.connect(request_id_unbind, dispatch_uid="kobepost.request_id_unbind")


class RequestIdMiddleware:
    """The response names its request id, so that a person reporting a problem can quote it;
    the view finds it as ``request.request_id``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = current_request_id()
        token = None
        if request_id is None:  # called without request_started (a RequestFactory request)
            request_id = _request_id_from(request.headers)
            token = bind_request_id(request_id)
        request.request_id = request_id  # type: ignore[attr-defined]  # for the error pages
        try:
            response = self.get_response(request)
        finally:
            if token is not None:
                reset_request_id(token)
        response.headers[REQUEST_ID_HEADER] = request_id
        return response


class PreferredLanguageMiddleware:
    """Japanese unless the person chose English (language cookie).

    The browser's Accept-Language is deliberately ignored: office PCs and test browsers
    often say English although every user here reads Japanese first.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class CraftedInputMiddleware:
    """Refuses a request whose path, query or form holds a NUL character, with a 400 (the
    API's error format under Open311). No form a person fills in sends one, and PostgreSQL
    cannot store or even compare one: every view reading that value would fail with a 500.
    Before the allowlist, whose audit row records the path."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if has_nul(request):
            security_log.warning(
                "crafted input refused: NUL character in path=%s",
                request.path.replace("\x00", "\\x00")[:200],
            )
            return bad_input_response(
                request, description="parameters must not contain NUL characters"
            )
        return self.get_response(request)


class NetworkAllowlistMiddleware:
    """Staff pages only from the networks of the user's role (council promise 8(1)ウ)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_public_path(request.path) or is_pbx_path(request.path):
            return self.get_response(request)
        address = client_ip(request)
        user = request.user
        role = user.role if user.is_authenticated else None
        if not address_allowed(address, role):
            security_log.warning(
                "network refused: address=%s role=%s user=%s path=%s",
                address,
                role or "anonymous",
                user.pk if user.is_authenticated else "-",
                request.path,
            )
            audit_record(
                request=request,
                action=AuditAction.NETWORK_REFUSED,
                detail=f"role={role or 'anonymous'}",
            )
            return render(
                request,
                "403_network.html",
                {"client_address": address},
                status=403,
            )
        return self.get_response(request)


class IdleSessionMiddleware:
    """Ends a session after idle time and after an absolute lifetime (promise 8(1)キ)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_public_path(request.path) and request.user.is_authenticated:
            now = now_timestamp()
            session = request.session
            started = session.setdefault(SESSION_STARTED, now)
            last = session.get(SESSION_LAST_ACTIVITY, now)
            idle = now - last > settings.IDLE_TIMEOUT_MINUTES * 60
            too_old = now - started > settings.SESSION_MAX_HOURS * 3600
            if idle or too_old:
                return self._expire(request, idle=idle)
            if not is_background_request(request) and (
                SESSION_LAST_ACTIVITY not in session or now - last >= ACTIVITY_WRITE_INTERVAL
            ):
                session[SESSION_LAST_ACTIVITY] = now
        return self.get_response(request)

    def _expire(self, request: HttpRequest, *, idle: bool) -> HttpResponse:
        audit_record(
            request=request,
            action=AuditAction.LOGOUT,
            detail="idle timeout" if idle else "session lifetime exceeded",
        )
        logout(request)
        message = (
            _(
                "一定時間操作がなかったため、自動的にログアウトしました。もう一度ログインしてください。"
            )
            if idle
            else _(
                "ログインの有効時間を過ぎたため、ログアウトしました。もう一度ログインしてください。"
            )
        )
        if is_background_request(request):
            return JsonResponse({"logged_out": True, "message": message}, status=401)
        messages.warning(request, message)
        back_to = request.get_full_path() if request.method == "GET" else request.path
        login_url = redirect("login").url
        return redirect(f"{login_url}?{urlencode({'next': back_to})}")


def session_remaining_seconds(request: HttpRequest) -> dict[str, int]:
    now = now_timestamp()
    session = request.session
    last = session.get(SESSION_LAST_ACTIVITY, now)
    started = session.get(SESSION_STARTED, now)
    idle_left = settings.IDLE_TIMEOUT_MINUTES * 60 - (now - last)
    absolute_left = settings.SESSION_MAX_HOURS * 3600 - (now - started)
    return {
        "idle_remaining": max(0, int(idle_left)),
        "absolute_remaining": max(0, int(absolute_left)),
        "server_time": int(time.time()),
    }
