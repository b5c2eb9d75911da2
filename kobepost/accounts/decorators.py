"""Role checks shared by every staff app."""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http.response import HttpResponseBase

from kobepost.accounts.http import AuthenticatedHttpRequest

View = Callable[..., HttpResponseBase]


def role_required(*roles: str) -> Callable[[View], View]:
    """Allow only signed-in users whose role is one of ``roles``; others get 403.

    Anonymous users never reach here: LoginRequiredMiddleware sends them to login first.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: AuthenticatedHttpRequest, *args, **kwargs) -> HttpResponseBase:
            if request.user.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
