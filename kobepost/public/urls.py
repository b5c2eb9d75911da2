"""URLs of the citizen side, all under settings.PUBLIC_URL_PREFIX.

Every view here must be marked ``login_not_required`` and must never read staff data.
"""

from django.contrib.auth.decorators import login_not_required
from django.urls import path, register_converter
from django.views.i18n import set_language

from kobepost.public import open311
from kobepost.public import views as public_views


class Open311Format:
    regex = "json|xml"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(Open311Format, "fmt")

app_name = "public"

urlpatterns = [
    path("", public_views.home, name="home"),
    # The staff face's switch lives outside /public/, which only the city's networks reach.
    path("language/", login_not_required(set_language), name="set_language"),
    path("posts/<int:pk>/", public_views.post_detail, name="post_detail"),
    path("posts/<int:pk>/follow/", public_views.post_follow_view, name="post_follow"),
    path("register/", public_views.register, name="register"),
    path("login/", public_views.login_view, name="login"),
    path("logout/", public_views.logout_view, name="logout"),
    path("my/", public_views.my_posts, name="my_posts"),
    path("post/", public_views.post_new, name="post_new"),
    path("post/kept/<str:photo_id>.jpg", public_views.kept_photo, name="kept_photo"),
    path("account/", public_views.account, name="account"),
    path("account/token/", public_views.account_token, name="account_token"),
    path("account/delete/", public_views.account_delete, name="account_delete"),
    path("password/forgot/", public_views.password_forgot, name="password_forgot"),
    path("password/forgot/sent/", public_views.password_forgot_sent, name="password_forgot_sent"),
    path(
        "password/reset/<str:uidb64>/<str:token>/",
        public_views.password_reset,
        name="password_reset",
    ),
    path(
        "email/confirm/<str:uidb64>/<str:token>/", public_views.email_confirm, name="email_confirm"
    ),
    path("email/confirm/resend/", public_views.email_confirm_resend, name="email_confirm_resend"),
    path("photos/<uuid:public_id>.jpg", public_views.photo, name="photo"),
    # Open311 GeoReport v2
    path("open311/v2/openapi.json", open311.openapi, name="open311_openapi"),
    path("open311/v2/discovery.<fmt:fmt>", open311.discovery, name="open311_discovery"),
    path("open311/v2/services.<fmt:fmt>", open311.services, name="open311_services"),
    path(
        "open311/v2/services/<slug:code>.<fmt:fmt>",
        open311.service_definition,
        name="open311_service",
    ),
    path("open311/v2/requests.<fmt:fmt>", open311.requests, name="open311_requests"),
    path(
        "open311/v2/request_updates.<fmt:fmt>",
        open311.request_updates,
        name="open311_request_updates",
    ),
    path(
        "open311/v2/requests/<int:request_id>.<fmt:fmt>",
        open311.request_detail,
        name="open311_request",
    ),
    path("open311/v2/tokens/<str:token>.<fmt:fmt>", open311.token_lookup, name="open311_token"),
    path("open311/v2/<path:rest>", open311.not_found, name="open311_not_found"),
]
