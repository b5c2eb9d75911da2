"""The citizen side of KOBE ぽすと (mobile-first pages under /public/).

Every view is wrapped by ``public_view`` (no staff login, staff identity hidden) or
``citizen_login_required``. Nothing here reads staff accounts or case data, except the
status a linked case implies (``Post.current_status``), computed in SQL without loading it.
"""

from django.conf import settings
from django.contrib import messages
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kobepost.accounts.network import client_ip
from kobepost.lib.links import safe_next_url
from kobepost.public import ratelimit
from kobepost.public.auth import (
    CitizenHttpRequest,
    SignedInCitizenHttpRequest,
    citizen_from_uid,
    citizen_login,
    citizen_login_required,
    citizen_logout,
    current_citizen,
    email_confirm_tokens,
    password_reset_tokens,
    public_view,
)
from kobepost.public.forms import (
    CitizenDeleteForm,
    CitizenDetailsForm,
    CitizenLoginForm,
    CitizenPasswordForm,
    CitizenRegistrationForm,
    CitizenSetPasswordForm,
    PasswordForgotForm,
    PostForm,
)
from kobepost.public.models import Citizen, Post, PostFollow, PostPhoto
from kobepost.public.photos import pending_delete, pending_load, pending_open, pending_store
from kobepost.public.services import (
    citizen_delete,
    citizen_email_change,
    citizen_email_confirm,
    citizen_email_confirm_send,
    citizen_password_reset_request,
    citizen_password_set,
    citizen_register,
    post_create,
    post_follow,
)

PAGE_SIZE = 20


def too_many_requests(
    request: CitizenHttpRequest,
    retry_after: int,
    template: str = "public/too_many.html",
    context: dict | None = None,
) -> HttpResponse:
    """A 429: says in minutes when to try again, and tells clients in Retry-After.

    Given a form's template and context, the refused form is shown again with what was
    typed (``refused_form``) instead of a bare page that loses it.
    """
    response = render(
        request,
        template,
        {**(context or {}), "retry_minutes": max(1, -(-retry_after // 60))},
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response


def refused_form(form_class, request: CitizenHttpRequest, **kwargs):
    """The form again, filled with what was sent, for a submit refused by a rate limit.

    Unbound, with the sent values as initial data: the form is not validated (a refused
    request costs no photo decoding and no queries); passwords are never shown again.
    """
    return form_class(initial=request.POST.dict(), **kwargs)


def map_settings() -> dict:
    return {
        "tileUrl": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "center": list(settings.LEAFLET_CONFIG["DEFAULT_CENTER"]),
        "zoom": settings.LEAFLET_CONFIG["DEFAULT_ZOOM"],
        "minZoom": settings.LEAFLET_CONFIG["MIN_ZOOM"],
        "maxZoom": settings.LEAFLET_CONFIG["MAX_ZOOM"],
        # Said on the map when no map image can be shown (no tile server, or it fails).
        "text": {
            "noTiles": _("地図画像を表示できません。投稿の場所は点で表示しています。"),
            "noTilesPicker": _(
                "地図画像を表示できません。地図を押すと場所は指定できますが、目印が見えません。"
                "「現在地を使う」を押すか、場所（住所・目印）を入力してください。"
            ),
        },
    }


def _photos_prefetch() -> Prefetch:
    return Prefetch("photos", queryset=PostPhoto.objects.order_by("created_at", "pk"))


def public_posts():
    return (
        Post.objects.published()
        .select_related("category", "citizen")
        .prefetch_related(_photos_prefetch())
        .with_current_status()
        .order_by("-published_at", "-pk")
    )


def get_visible_post(request: CitizenHttpRequest, pk: int) -> Post:
    """A published or rejected post, or the signed-in citizen's own; 404 for anything else.

    Of a rejected post that was never published, others see the reason only.
    """
    post = get_object_or_404(
        Post.objects.select_related("category", "citizen")
        .prefetch_related(_photos_prefetch())
        .with_current_status(),
        pk=pk,
    )
    citizen = current_citizen(request)
    if (
        post.published
        or post.is_rejected
        or (citizen is not None and post.citizen_id == citizen.pk)
    ):
        return post
    raise Http404


def _safe_next(request: CitizenHttpRequest) -> str | None:
    return safe_next_url(request, within=settings.PUBLIC_URL_PREFIX)


@public_view
@require_GET
def home(request: CitizenHttpRequest) -> HttpResponse:
    """The public map and list of published posts."""
    page = Paginator(public_posts(), PAGE_SIZE).get_page(request.GET.get("page"))
    points = [
        {
            "lat": post.lat,
            "lng": post.lng,
            "title": f"{post.category.name}（{post.current_status_label}）",
            "url": reverse("public:post_detail", args=[post.pk]),
        }
        for post in page
        if post.lat is not None
    ]
    return render(
        request,
        "public/home.html",
        {"page": page, "map_points": points, "map_settings": map_settings()},
    )


@public_view
@require_GET
def post_detail(request: CitizenHttpRequest, pk: int) -> HttpResponse:
    post = get_visible_post(request, pk)
    citizen = current_citizen(request)
    is_owner = citizen is not None and post.citizen_id == citizen.pk
    shown = is_owner or post.content_public
    photos = post.photos.all() if is_owner else post.visible_photos() if shown else []
    points = (
        [{"lat": post.lat, "lng": post.lng, "title": post.category.name}]
        if post.lat is not None and shown
        else []
    )
    original = (
        Post.objects.published().filter(pk=post.duplicate_of_id).first()
        if post.duplicate_of_id
        else None
    )
    return render(
        request,
        "public/post_detail.html",
        {
            "post": post,
            "is_owner": is_owner,
            "shown": shown,
            "original": original,
            "following": citizen is not None
            and PostFollow.objects.filter(post=post, citizen=citizen).exists(),
            "photos": photos,
            "map_points": points,
            "map_settings": map_settings(),
        },
    )


@citizen_login_required
@require_POST
def post_follow_view(request: SignedInCitizenHttpRequest, pk: int) -> HttpResponse:
    """Follow a post (or stop): its status mails reach the follower too."""
    post = get_visible_post(request, pk)
    following = post_follow(
        post=post, citizen=request.citizen, follow=request.POST.get("follow") == "1"
    )
    if following:
        if request.citizen.email_confirmed:
            messages.success(
                request, _("この投稿をフォローしました。状況が変わるとメールでお知らせします。")
            )
        else:
            messages.success(
                request,
                _("この投稿をフォローしました。メールアドレスの確認が済むと、お知らせが届きます。"),
            )
    else:
        messages.success(request, _("フォローをやめました。"))
    return redirect("public:post_detail", post.pk)


@public_view
@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "POST"])
def register(request: CitizenHttpRequest) -> HttpResponse:
    if current_citizen(request) is not None:
        return redirect("public:my_posts")
    form = CitizenRegistrationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        limits = (("register_address", client_ip(request)),)
        if (wait := ratelimit.retry_after(*limits)) is not None:
            form = refused_form(CitizenRegistrationForm, request)
            return too_many_requests(request, wait, "public/register.html", {"form": form})
        if form.is_valid():
            citizen = citizen_register(citizen=form.save(commit=False))
            ratelimit.record(*limits)
            citizen_login(request, citizen)
            messages.success(
                request,
                _(
                    "登録しました。KOBE ぽすとへようこそ。確認のメールを %(email)s へ送りました。"
                    "メールのリンクを開いて、メールアドレスを確認してください。"
                )
                % {"email": citizen.email},
            )
            return redirect("public:post_new")
    return render(
        request,
        "public/register.html",
        {"form": form},
        status=400 if form.is_bound else 200,
    )


@public_view
@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: CitizenHttpRequest) -> HttpResponse:
    if request.method == "GET" and current_citizen(request) is not None:
        return redirect(_safe_next(request) or "public:my_posts")
    form = CitizenLoginForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        login_id = request.POST.get("login_id", "").strip().lower()
        address_limit = ("login_address", client_ip(request))
        account_limit = ("login_account", login_id)
        if (wait := ratelimit.retry_after(address_limit, account_limit)) is not None:
            return too_many_requests(request, wait)
        if form.is_valid():
            ratelimit.record(address_limit)
            citizen_login(request, form.citizen)
            messages.success(request, _("ログインしました。"))
            return redirect(_safe_next(request) or "public:my_posts")
        if form.credentials_refused:
            ratelimit.record(address_limit, account_limit)
    return render(
        request,
        "public/login.html",
        {"form": form, "next": _safe_next(request) or ""},
        status=400 if form.is_bound else 200,
    )


@public_view
@require_POST
def logout_view(request: CitizenHttpRequest) -> HttpResponse:
    citizen_logout(request)
    messages.success(request, _("ログアウトしました。"))
    return redirect("public:home")


@citizen_login_required
@never_cache
@require_GET
def my_posts(request: SignedInCitizenHttpRequest) -> HttpResponse:
    posts = (
        request.citizen.posts.select_related("category")
        .prefetch_related(_photos_prefetch())
        .with_current_status()
        .order_by("-created_at", "-pk")
    )
    page = Paginator(posts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "public/my_posts.html", {"page": page})


SESSION_KEPT_PHOTOS = "citizen_kept_photos"


def _kept_photo_ids(request: CitizenHttpRequest) -> list[str]:
    """The kept photos this form sends back (ticked), of those this session uploaded."""
    own = request.session.get(SESSION_KEPT_PHOTOS, [])
    return [i for i in dict.fromkeys(request.POST.getlist("kept_photos")) if i in own]


def _forget_kept_photos(request: CitizenHttpRequest) -> None:
    """After a post is made: its kept photos are stored with it, unticked ones unwanted."""
    pending_delete(request.session.get(SESSION_KEPT_PHOTOS, []))
    request.session[SESSION_KEPT_PHOTOS] = []


@citizen_login_required
@never_cache
@require_GET
def kept_photo(request: SignedInCitizenHttpRequest, photo_id: str) -> HttpResponseBase:
    """Preview of a kept photo: only for the session that uploaded it."""
    if photo_id not in request.session.get(SESSION_KEPT_PHOTOS, []):
        raise Http404
    stored = pending_open(photo_id)
    if stored is None:
        raise Http404
    response = FileResponse(stored, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@citizen_login_required
@never_cache
@require_http_methods(["GET", "POST"])
def post_new(request: SignedInCitizenHttpRequest) -> HttpResponse:
    citizen: Citizen = request.citizen
    if settings.PUBLIC_POST_NEEDS_CONFIRMED_EMAIL and not citizen.email_confirmed:
        messages.info(request, _("投稿するには、先にメールアドレスを確認してください。"))
        return redirect("public:account")
    bound = request.method == "POST"
    kept_ids = _kept_photo_ids(request) if bound else []
    kept = [photo for photo in map(pending_load, kept_ids) if photo is not None]
    form = PostForm(
        request.POST if bound else None, request.FILES if bound else None, kept_photos=kept
    )
    if request.method == "POST":
        limits = (("post_address", client_ip(request)), ("post_account", str(citizen.pk)))
        if (wait := ratelimit.retry_after(*limits)) is not None:
            # The photos kept from earlier submits stay; ones chosen just now are not
            # decoded for a refused request and must be chosen again (the page says so).
            form = refused_form(PostForm, request, kept_photos=kept)
            context = _post_new_context(form, kept_ids)
            context["photos_dropped"] = bool(request.FILES)
            return too_many_requests(request, wait, "public/post_new.html", context)
        if form.is_valid():
            data = form.cleaned_data
            post = post_create(
                citizen=citizen,
                category=data["category"],
                text=data["text"],
                lat=data["lat"],
                lng=data["lng"],
                address=data["address"],
                photos=data["photos"],
            )
            ratelimit.record(*limits)
            _forget_kept_photos(request)
            messages.success(
                request,
                _("投稿を受け付けました（受付番号 %(number)s）。市が確認したあと公開されます。")
                % {"number": post.pk},
            )
            return redirect("public:my_posts")
        # Photos that passed their checks are kept, so the citizen does not choose them again.
        new_photos = form.cleaned_data.get("photos", [])[len(kept) :]
        kept_ids = kept_ids + [pending_store(photo) for photo in new_photos]
        request.session[SESSION_KEPT_PHOTOS] = (
            request.session.get(SESSION_KEPT_PHOTOS, []) + kept_ids[len(kept) :]
        )
    return render(
        request,
        "public/post_new.html",
        _post_new_context(form, kept_ids if bound else []),
        status=400 if form.is_bound else 200,
    )


def _post_new_context(form, kept_ids: list[str]) -> dict:
    return {
        "form": form,
        "kept_photo_ids": kept_ids,
        "map_settings": map_settings(),
        "map_points": [],
        "position_messages": {
            "chosen": _("地図で場所を選びました。"),
            "locating": _("現在地を調べています…"),
            "located": _("現在地を場所にしました。地図をタップすると変えられます。"),
            "failed": _("現在地を取得できませんでした。地図をタップして選んでください。"),
        },
    }


@citizen_login_required
@sensitive_post_parameters("current_password", "new_password1", "new_password2")
@never_cache
@require_http_methods(["GET", "POST"])
def account(request: SignedInCitizenHttpRequest) -> HttpResponse:
    """The citizen's own data: view and change it, change the password."""
    citizen: Citizen = request.citizen
    registered_email = citizen.email
    action = request.POST.get("action") if request.method == "POST" else None
    details = CitizenDetailsForm(
        request.POST if action == "details" else None, instance=citizen, prefix="details"
    )
    password = CitizenPasswordForm(
        citizen, request.POST if action == "password" else None, prefix="password"
    )
    if action == "details" and details.is_valid():
        # A new address replaces the registered one only once confirmed from its mailbox.
        citizen.email = registered_email
        details.save()
        if citizen_email_change(citizen=citizen, new_email=details.cleaned_data["email"]):
            messages.success(
                request,
                _(
                    "登録内容を変更しました。新しいメールアドレスに確認のメールを送りました。"
                    "リンクを開くと変更が完了します。"
                ),
            )
        else:
            messages.success(request, _("登録内容を変更しました。"))
        return redirect("public:account")
    if action == "password" and password.is_valid():
        citizen_password_set(citizen=citizen, password=password.cleaned_data["new_password1"])
        citizen_login(request, citizen)
        messages.success(request, _("パスワードを変更しました。"))
        return redirect("public:account")
    return render(
        request,
        "public/account.html",
        {"details": details, "password_form": password, "new_token": None},  # nosec B105 - not a password
        status=400 if action else 200,
    )


@citizen_login_required
@never_cache
@require_POST
def account_token(request: SignedInCitizenHttpRequest) -> HttpResponse:
    """Issue a token for smartphone apps (Open311); shown once."""
    token = request.citizen.issue_api_token()
    return render(
        request,
        "public/account.html",
        {
            "details": CitizenDetailsForm(instance=request.citizen, prefix="details"),
            "password_form": CitizenPasswordForm(request.citizen, prefix="password"),
            "new_token": token,
        },
    )


@citizen_login_required
@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def account_delete(request: SignedInCitizenHttpRequest) -> HttpResponse:
    form = CitizenDeleteForm(request.citizen, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        citizen_delete(citizen=request.citizen)
        citizen_logout(request)
        messages.success(
            request, _("アカウントを削除しました。登録していただいた個人情報は消去しました。")
        )
        return redirect("public:home")
    return render(
        request,
        "public/account_delete.html",
        {"form": form},
        status=400 if form.is_bound else 200,
    )


@public_view
@require_GET
def photo(request: CitizenHttpRequest, public_id) -> HttpResponseBase:
    """A stored photo: public if the post is published and the photo not hidden;
    always for the citizen who posted it."""
    item = get_object_or_404(PostPhoto.objects.select_related("post"), public_id=public_id)
    citizen = current_citizen(request)
    is_owner = citizen is not None and item.post.citizen_id == citizen.pk
    if not (item.publicly_visible or is_owner):
        raise Http404
    if not default_storage.exists(item.file_name):
        raise Http404
    response = FileResponse(default_storage.open(item.file_name, "rb"), content_type="image/jpeg")
    response["Content-Disposition"] = f'inline; filename="{item.public_id}.jpg"'
    response["Cache-Control"] = (
        "public, max-age=300" if item.publicly_visible else "private, no-store"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Account recovery and e-mail confirmation ------------------------------------------------

# The reset link's token moves from the URL into the session at once, so that it is not
# leaked to other sites through the Referer header of the password page.
RESET_URL_TOKEN = "set-password"  # noqa: S105  # nosec B105 - a URL placeholder, not a password
SESSION_RESET_TOKEN = "citizen_reset_token"  # noqa: S105  # nosec B105 - a session key


@public_view
@never_cache
@require_http_methods(["GET", "POST"])
def password_forgot(request: CitizenHttpRequest) -> HttpResponse:
    """Ask for a reset link. The answer is the same whether the address is known or not."""
    form = PasswordForgotForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        email = request.POST.get("email", "").strip().lower()
        limits = (("account_mail_address", client_ip(request)), ("account_mail_target", email))
        if (wait := ratelimit.retry_after(*limits)) is not None:
            return too_many_requests(request, wait)
        if form.is_valid():
            citizen_password_reset_request(email=form.cleaned_data["email"])
            ratelimit.record(*limits)
            return redirect("public:password_forgot_sent")
    return render(
        request,
        "public/password_forgot.html",
        {"form": form},
        status=400 if form.is_bound else 200,
    )


@public_view
@require_GET
def password_forgot_sent(request: CitizenHttpRequest) -> HttpResponse:
    return render(
        request,
        "public/password_forgot_sent.html",
        {"minutes": settings.PUBLIC_PASSWORD_RESET_SECONDS // 60},
    )


@public_view
@sensitive_post_parameters("new_password1", "new_password2")
@never_cache
@require_http_methods(["GET", "POST"])
def password_reset(request: CitizenHttpRequest, uidb64: str, token: str) -> HttpResponse:
    citizen = citizen_from_uid(uidb64)
    if token != RESET_URL_TOKEN:
        if citizen is not None and password_reset_tokens.check_token(citizen, token):
            request.session[SESSION_RESET_TOKEN] = token
            return redirect("public:password_reset", uidb64, RESET_URL_TOKEN)
        return _link_invalid(request, "public:password_forgot")
    token = request.session.get(SESSION_RESET_TOKEN, "")
    if citizen is None or not password_reset_tokens.check_token(citizen, token):
        return _link_invalid(request, "public:password_forgot")
    form = CitizenSetPasswordForm(citizen, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        citizen_password_set(
            citizen=citizen, password=form.cleaned_data["new_password1"], by_reset=True
        )
        request.session.pop(SESSION_RESET_TOKEN, None)
        citizen_login(request, citizen)
        messages.success(request, _("新しいパスワードを設定し、ログインしました。"))
        return redirect("public:my_posts")
    return render(
        request,
        "public/password_reset.html",
        {"form": form, "login_id": citizen.login_id},
        status=400 if form.is_bound else 200,
    )


def _link_invalid(request: CitizenHttpRequest, again: str) -> HttpResponse:
    return render(request, "public/link_invalid.html", {"again_url": reverse(again)}, status=400)


@public_view
@never_cache
@require_http_methods(["GET", "POST"])
def email_confirm(request: CitizenHttpRequest, uidb64: str, token: str) -> HttpResponse:
    """GET shows a button, POST confirms: mail scanners that open links confirm nothing.

    No login needed: the mail may be opened on another device than the one signed in.
    """
    citizen = citizen_from_uid(uidb64)
    if citizen is None or not email_confirm_tokens.check_token(citizen, token):
        return _link_invalid(request, "public:account")
    if request.method == "POST":
        citizen_email_confirm(citizen=citizen, token=token)
        messages.success(request, _("メールアドレスを確認しました。"))
        signed_in = current_citizen(request)
        if signed_in is not None and signed_in.pk == citizen.pk:
            return redirect("public:account")
        return redirect("public:login")
    return render(request, "public/email_confirm.html", {"address": citizen.email_to_confirm})


@citizen_login_required
@require_POST
def email_confirm_resend(request: SignedInCitizenHttpRequest) -> HttpResponse:
    citizen: Citizen = request.citizen
    limits = (
        ("account_mail_address", client_ip(request)),
        ("account_mail_target", str(citizen.pk)),
    )
    if (wait := ratelimit.retry_after(*limits)) is not None:
        return too_many_requests(request, wait)
    if citizen_email_confirm_send(citizen=citizen):
        ratelimit.record(*limits)
        messages.success(request, _("確認のメールを送りました。"))
    return redirect("public:account")
