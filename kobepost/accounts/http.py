"""The request type of staff views: behind LoginRequiredMiddleware the user is signed in."""

from django.http import HttpRequest

from kobepost.accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """Annotation for views that need a signed-in staff user (every view by default).

    LoginRequiredMiddleware sends anonymous visitors to the login page before such a view
    runs, so ``request.user`` is a :class:`User`, never ``AnonymousUser``. Views marked
    ``login_not_required`` (or ``public_view``) keep plain ``HttpRequest``. Only a type:
    nothing is checked at run time.
    """

    user: User
