from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _


def site(request: HttpRequest) -> dict:
    """What every staff page needs: the idle-logout timer's settings and the user's role."""
    login_cooloff_minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"session_timer": None, "login_cooloff_minutes": login_cooloff_minutes}
    from kobepost.accounts.views import previous_login_of

    return {
        "session_timer": {
            "idleSeconds": settings.IDLE_TIMEOUT_MINUTES * 60,
            "warnSeconds": settings.IDLE_WARNING_SECONDS,
            "statusUrl": reverse("session_status"),
            "keepaliveUrl": reverse("session_keepalive"),
            "loginUrl": reverse("login"),
            "remainingText": _("自動ログアウトまで残り %(minutes)s 分 %(seconds)s 秒です。"),
        },
        "previous_login": previous_login_of(request),
        "login_cooloff_minutes": login_cooloff_minutes,
    }
