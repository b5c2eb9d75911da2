from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from kobepost.notifications.services import (
    UNREAD_CAP,
    notice_unread_count,
    notification_failed_count,
)


def _badge_text(user) -> str:
    count = notice_unread_count(user)
    if count >= UNREAD_CAP:
        return f"{UNREAD_CAP - 1}+"
    return str(count) if count else ""


def notices(request: HttpRequest) -> dict:
    """The unread badge of the header nav, and for supervisors and admins the number of
    failed mails; each computed only if a template shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    context = {"notice_unread": SimpleLazyObject(lambda: _badge_text(user))}
    if user.is_supervisor or user.is_system_admin:
        # The stubs take SimpleLazyObject for strings only; it wraps any value.
        context["notifications_failed"] = SimpleLazyObject(notification_failed_count)  # type: ignore[arg-type]
    return context
