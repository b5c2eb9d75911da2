from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from kobepost import health
from kobepost.accounts import two_factor, views

handler400 = "kobepost.views.bad_request"
handler403 = "kobepost.views.permission_denied"
handler404 = "kobepost.views.page_not_found"
handler500 = "kobepost.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("two-factor/setup/", two_factor.two_factor_setup, name="two_factor_setup"),
    path("two-factor/verify/", two_factor.two_factor_verify, name="two_factor_verify"),
    path("session/status/", views.session_status, name="session_status"),
    path("session/keepalive/", views.session_keepalive, name="session_keepalive"),
    path("health/", health.health, name="health"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("callcenter/", include("callcenter.urls")),
    path("departments/", include("departments.urls")),
    path("geo/", include("tickets.geo.urls")),
    path("faq/", include("faq.urls")),
    path("notifications/", include("kobepost.notifications.urls")),
    path("triage/", include("kobepost.triage.urls")),
    path("stats/", include("kobepost.stats.urls")),
    path("privacy/", include("kobepost.privacy.urls")),
    path("cti/", include("kobepost.cti.urls")),
    # One login page for everyone: the admin's own login form is not offered.
    path("admin/login/", views.admin_login_redirect),
    # The admin's logout button lands on ours, so that it is audited like every logout.
    path("admin/logout/", views.admin_logout),
    path("admin/", admin.site.urls),
    # The citizen side (KOBE ぽすと): the only part reachable from the internet.
    path("public/", include("kobepost.public.urls")),
]
