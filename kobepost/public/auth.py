"""Citizen sign-in, kept apart from the staff login (own session key, never django.contrib.auth)."""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode

from kobepost.public.models import Citizen

SESSION_CITIZEN_ID = "citizen_id"
SESSION_CITIZEN_HASH = "citizen_auth_hash"

View = Callable[..., HttpResponseBase]


class CitizenHttpRequest(HttpRequest):
    """A request under /public/: ``citizen`` is set by public_view (None when signed out)."""

    citizen: Citizen | None


class SignedInCitizenHttpRequest(CitizenHttpRequest):
    """A request to a view behind citizen_login_required: a citizen is signed in."""

    citizen: Citizen


def _auth_hash(citizen: Citizen) -> str:
    # Changing the password ends every other session of that citizen.
    return salted_hmac("kobepost.citizen", citizen.password, algorithm="sha256").hexdigest()


def citizen_login(request: CitizenHttpRequest, citizen: Citizen) -> None:
    request.session.cycle_key()
    request.session[SESSION_CITIZEN_ID] = citizen.pk
    request.session[SESSION_CITIZEN_HASH] = _auth_hash(citizen)
    citizen.last_login = timezone.now()
    citizen.save(update_fields=["last_login"])
    request.citizen = citizen


def citizen_logout(request: CitizenHttpRequest) -> None:
    """Forget the citizen only: a staff login in the same browser is untouched."""
    request.session.pop(SESSION_CITIZEN_ID, None)
    request.session.pop(SESSION_CITIZEN_HASH, None)
    request.session.cycle_key()
    request.citizen = None


def current_citizen(request: CitizenHttpRequest) -> Citizen | None:
    if hasattr(request, "citizen"):
        return request.citizen
    citizen = None
    citizen_id = request.session.get(SESSION_CITIZEN_ID)
    if citizen_id is not None:
        found = Citizen.objects.filter(pk=citizen_id, is_active=True).first()
        if found and constant_time_compare(
            request.session.get(SESSION_CITIZEN_HASH, ""), _auth_hash(found)
        ):
            citizen = found
    request.citizen = citizen
    return citizen


def public_view(view: View) -> View:
    """Marks a citizen-side view: no staff login needed, and no staff identity visible.

    ``request.user`` is replaced by an anonymous user so that nothing rendered under
    /public/ (templates, context processors) can read the staff account of the browser.
    """

    @wraps(view)
    def wrapper(request: CitizenHttpRequest, *args, **kwargs) -> HttpResponseBase:
        request.user = AnonymousUser()
        current_citizen(request)
        return view(request, *args, **kwargs)

    return login_not_required(wrapper)


def citizen_login_required(view: View) -> View:
    """Only a signed-in citizen; others go to the citizen login page (never the staff one)."""

    @wraps(view)
    def wrapper(request: CitizenHttpRequest, *args, **kwargs) -> HttpResponseBase:
        if current_citizen(request) is None:
            login_url = redirect("public:login").url
            return redirect(f"{login_url}?{urlencode({'next': request.get_full_path()})}")
        return view(request, *args, **kwargs)

    return public_view(wrapper)


# --- Links sent by mail: password reset and e-mail confirmation ----------------------------


class _CitizenTokenGenerator(PasswordResetTokenGenerator):
    """Django's signed, expiring tokens, for citizens and with a lifetime of their own.

    A token is single-use because its hash covers what using it changes: the password
    (reset) or the address waiting for confirmation (confirmation).
    """

    lifetime_setting = ""

    def check_token(self, user, token) -> bool:
        if not super().check_token(user, token):
            return False
        issued = base36_to_int(token.split("-")[0])
        lifetime = getattr(settings, self.lifetime_setting)
        return self._num_seconds(self._now()) - issued <= lifetime


class _PasswordResetTokens(_CitizenTokenGenerator):
    key_salt = "kobepost.citizen.password_reset"
    lifetime_setting = "PUBLIC_PASSWORD_RESET_SECONDS"

    # django-stubs types the generator for User only; it reads pk, password and email.
    def _make_hash_value(self, citizen: Citizen, timestamp: int) -> str:  # type: ignore[override]
        return f"{citizen.pk}{citizen.password}{timestamp}{citizen.email}{citizen.is_active}"


class _EmailConfirmTokens(_CitizenTokenGenerator):
    key_salt = "kobepost.citizen.email_confirm"
    lifetime_setting = "PUBLIC_EMAIL_CONFIRM_SECONDS"

    # django-stubs types the generator for User only; it reads pk, password and email.
    def _make_hash_value(self, citizen: Citizen, timestamp: int) -> str:  # type: ignore[override]
        return f"{citizen.pk}{citizen.email_to_confirm}{timestamp}{citizen.is_active}"


password_reset_tokens = _PasswordResetTokens()
email_confirm_tokens = _EmailConfirmTokens()


def citizen_uid(citizen: Citizen) -> str:
    return urlsafe_base64_encode(force_bytes(citizen.pk))


def citizen_from_uid(uidb64: str) -> Citizen | None:
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, UnicodeDecodeError):
        return None
    return Citizen.objects.filter(pk=pk, is_active=True).first()
