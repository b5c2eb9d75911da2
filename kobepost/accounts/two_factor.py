"""Optional second factor: a one-time code from an authenticator app (TOTP, django-otp).

Staff enrol themselves at /two-factor/setup/. Once a person has a confirmed device, or
their role is listed in the admin's 「2段階認証の必須設定」, every new login must confirm a
code at /two-factor/verify/ before any other staff page opens.
"""

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from kobepost.accounts.http import AuthenticatedHttpRequest
from kobepost.accounts.models import TwoFactorRequirement
from kobepost.audit.models import AuditAction
from kobepost.audit.services import audit_record
from kobepost.lib.links import safe_next_url

DEVICE_NAME = "authenticator"
# Decided once per login and kept in the session, so pages pay no query for it; a new
# requirement set by an admin applies from each person's next login.
SESSION_REQUIRED = "kobepost_two_factor_required"


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=gettext_lazy("確認コード（6桁）"),
        regex=r"^\d{6}$",
        error_messages={
            "required": gettext_lazy("確認コードを入力してください。"),
            "invalid": gettext_lazy("確認コードは6桁の数字で入力してください。"),
        },
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "maxlength": 6,
            }
        ),
    )

    def clean_token(self) -> str:
        return self.cleaned_data["token"].strip()


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def two_factor_required(user) -> bool:
    if not user.is_authenticated:
        return False
    if TwoFactorRequirement.objects.filter(role=user.role).exists():
        return True
    return confirmed_device(user) is not None


class TwoFactorRequiredMiddleware:
    """Sends a signed-in person who still owes a one-time code to the code page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and self._owes_code(request, user):
            target = "two_factor_verify" if confirmed_device(user) else "two_factor_setup"
            back_to = request.get_full_path() if request.method == "GET" else "/"
            return redirect(f"{reverse(target)}?{urlencode({'next': back_to})}")
        return self.get_response(request)

    def _owes_code(self, request: HttpRequest, user) -> bool:
        required = request.session.get(SESSION_REQUIRED)
        if required is None:
            required = two_factor_required(user)
            request.session[SESSION_REQUIRED] = required
        return required and not user.is_verified() and not self._exempt(request.path)

    @staticmethod
    def _exempt(path: str) -> bool:
        exempt = [
            reverse("two_factor_setup"),
            reverse("two_factor_verify"),
            reverse("logout"),
            "/admin/logout/",
            reverse("session_status"),
            reverse("set_language"),
            settings.STATIC_URL,
            settings.PUBLIC_URL_PREFIX,
        ]
        return any(path.startswith(prefix) for prefix in exempt)


def _next(request: AuthenticatedHttpRequest) -> str:
    return safe_next_url(request) or reverse("home")


def _check_token(request: AuthenticatedHttpRequest, device: TOTPDevice, form: TokenForm) -> bool:
    allowed, _details = device.verify_is_allowed()
    if not allowed:
        form.add_error("token", _("失敗が続いたため、しばらく待ってからもう一度入力してください。"))
    elif not device.verify_token(form.cleaned_data["token"]):
        form.add_error("token", _("確認コードが正しくありません。"))
    else:
        return True
    audit_record(request=request, action=AuditAction.TWO_FACTOR_FAILED)
    return False


@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Enrol (or replace) the authenticator app: scan the QR code, confirm one code."""
    existing = confirmed_device(request.user)
    if existing and not request.user.is_verified():
        # Replacing a device needs the current one first, or a stolen password would do.
        return redirect(f"{reverse('two_factor_verify')}?{urlencode({'next': request.path})}")
    device, _created = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": DEVICE_NAME}
    )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _check_token(request, device, form):
        TOTPDevice.objects.filter(user=request.user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        otp_login(request, device)
        request.session[SESSION_REQUIRED] = True
        audit_record(request=request, action=AuditAction.TWO_FACTOR_ENROLLED)
        messages.success(
            request, _("2段階認証を設定しました。次回のログインから確認コードが必要です。")
        )
        return redirect(_next(request))
    qr_code = segno.make(device.config_url, error="m").svg_data_uri(scale=4, border=2)
    secret = device.config_url.split("secret=", 1)[1].split("&", 1)[0]
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_code": qr_code,
            "secret": secret,
            "replacing": existing is not None,
            "next": request.POST.get("next") or request.GET.get("next") or "",
        },
        status=400 if form.is_bound else 200,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    """After the password: the 6-digit code from the person's authenticator app."""
    device = confirmed_device(request.user)
    if device is None:
        return redirect(f"{reverse('two_factor_setup')}?{urlencode({'next': _next(request)})}")
    if request.user.is_verified():
        return redirect(_next(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _check_token(request, device, form):
        otp_login(request, device)
        audit_record(request=request, action=AuditAction.TWO_FACTOR_VERIFIED)
        return redirect(_next(request))
    return render(
        request,
        "accounts/two_factor_verify.html",
        {"form": form, "next": request.POST.get("next") or request.GET.get("next") or ""},
        status=400 if form.is_bound else 200,
    )
