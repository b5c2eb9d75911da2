"""Supervisor triage of KOBE ぽすと posts (staff side, under /triage/).

Supervisors review new posts, reject them (out of scope, spam, another body's road),
mark duplicates (of another post or of an existing case), forward a post to a department
(which creates a case linked to the post), edit what the public sees, hide photos or blur
parts of them (faces, number plates), publish and answer. A linked post's status is
derived from its case (``Post.current_status``).
"""

from django.contrib import messages
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kobepost.accounts.decorators import role_required
from kobepost.accounts.http import AuthenticatedHttpRequest
from kobepost.accounts.models import User
from kobepost.audit.services import audit_one_shown, audit_shown, record_type_of
from kobepost.lib.links import UUID_PLACEHOLDER, url_with_pk
from kobepost.public.forms import (
    DuplicateCaseForm,
    DuplicateForm,
    ForwardForm,
    PublicResponseForm,
    RejectForm,
    redaction_formset,
)
from kobepost.public.models import Post, PostPhoto
from kobepost.public.photos import MAX_REDACTIONS
from kobepost.public.services import (
    OriginalGone,
    photo_drop_original,
    photo_redact,
    photo_set_hidden,
    post_forward,
    post_link_case,
    post_mark_duplicate,
    post_publish,
    post_reject,
    post_respond,
    post_unpublish,
)
from kobepost.public.views import map_settings
from tickets.models import Case, Category

PAGE_SIZE = 30
SUPERVISOR = User.Role.SUPERVISOR

STATES = {
    "new": (gettext_lazy("新着（未公開）"), Q(published=False, rejection="", case=None)),
    "linked": (gettext_lazy("案件と連携済み"), Q(case__isnull=False)),
    "published": (gettext_lazy("公開中"), Q(published=True)),
    "rejected": (gettext_lazy("不採用・重複"), ~Q(rejection="")),
}
# Roads the city does not manage, and who does: offered as rejection notes.
OTHER_BODIES = [
    gettext_lazy("国道2号・43号・175号: 国土交通省 近畿地方整備局 兵庫国道事務所"),
    gettext_lazy("阪神高速道路: 阪神高速道路株式会社"),
    gettext_lazy("県道（一部）: 兵庫県 神戸土木事務所"),
]


def earlier_posts_count() -> Coalesce:
    earlier = (
        Post.objects.filter(citizen=OuterRef("citizen"), created_at__lt=OuterRef("created_at"))
        .order_by()
        .values("citizen")
        # COUNT(*): counted in the index post_citizen_created_idx, without reading the posts.
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(earlier), Value(0))


def triage_posts() -> QuerySet[Post]:
    return (
        Post.objects.select_related("category", "citizen", "duplicate_of")
        .prefetch_related("photos")
        .annotate(earlier_count=earlier_posts_count())
        .with_current_status()
    )


# What a row of the queue shows: no data of the citizen's account, no duplicate's text;
# the post's own words and place, which the audit trail records as shown.
QUEUE_PERSONAL_FIELDS = ("text", "address")
QUEUE_FIELDS = (
    "created_at",
    "category__name",
    "text",
    "address",
    "lat",
    "lng",
    "nickname",
    "citizen",
    "case",
    "status",
    "published",
    "rejection",
)


def queue_posts() -> QuerySet[Post]:
    """The queue's rows: the post's own columns, its category and ``queue_photos`` (the
    citizen's photos, hidden ones included)."""
    photos = PostPhoto.objects.filter(kind=PostPhoto.Kind.CITIZEN).only(
        "post_id", "public_id", "kind"
    )
    return (
        Post.objects.select_related("category")
        .only(*QUEUE_FIELDS)
        # A plain list per post (to_attr): no related manager and no filter() per row.
        .prefetch_related(Prefetch("photos", queryset=photos, to_attr="queue_photos"))
        .annotate(earlier_count=earlier_posts_count())
        .with_current_status()
    )


class QueuePaginator(Paginator):
    """Counts the tab's posts on the bare filter, without the rows' join and subquery."""

    def __init__(self, object_list: QuerySet[Post], per_page: int, *, counted: QuerySet[Post]):
        super().__init__(object_list, per_page)
        self.counted = counted

    @cached_property
    def count(self) -> int:
        return self.counted.count()


def _linked_case(post: Post) -> Case | None:
    """The linked case, for the supervisor's view (health symptoms are not loaded)."""
    if post.case_id is None:
        return None
    return (
        Case.objects.select_related("department", "category")
        .defer("health_symptoms", "search_tokens", "search_text")
        .get(pk=post.case_id)
    )


def get_triage_post(request: AuthenticatedHttpRequest, pk: int) -> Post:
    """Any post, for a supervisor (the role check is on every view)."""
    return get_object_or_404(triage_posts(), pk=pk)


def get_triage_photo(
    request: AuthenticatedHttpRequest, pk: int, public_id
) -> tuple[Post, PostPhoto]:
    """A photo of post ``pk`` (404 for another post's photo), with its post."""
    post = get_triage_post(request, pk)
    return post, get_object_or_404(PostPhoto, post=post, public_id=public_id)


@role_required(SUPERVISOR)
@require_GET
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    state = request.GET.get("state", "new")
    if state not in STATES:
        state = "new"
    # The new posts oldest first, as the index post_triage_new_idx keeps them; the others
    # newest first.
    order = ("created_at", "pk") if state == "new" else ("-created_at", "-pk")
    posts = queue_posts().filter(STATES[state][1]).order_by(*order)
    counted = Post.objects.filter(STATES[state][1])
    page = QueuePaginator(posts, PAGE_SIZE, counted=counted).get_page(request.GET.get("page"))
    # Links once per page, not two reverse() per row.
    detail_url = url_with_pk("triage:detail")
    photo_url = url_with_pk("triage:photo", placeholder=UUID_PLACEHOLDER)
    for post in page:
        post.detail_url = detail_url(post.pk)
        post.thumb_url = photo_url(post.queue_photos[0].public_id) if post.queue_photos else ""
        # What |date:"n/j H:i" and |truncatechars:80 gave, without a formatter and a lazy
        # Truncator per row.
        posted = timezone.localtime(post.created_at)
        post.posted_label = f"{posted.month}/{posted.day} {posted:%H:%M}"
        post.excerpt = post.text if len(post.text) <= 80 else post.text[:79] + "…"
    audit_shown(
        request,
        record_type=record_type_of(Post),
        record_ids=[post.pk for post in page],
        fields=QUEUE_PERSONAL_FIELDS,
    )
    return render(
        request,
        "triage/queue.html",
        {
            "page": page,
            "state": state,
            # The page links keep the tab.
            "pager_query": f"state={state}",
            "states": [(key, label) for key, (label, _q) in STATES.items()],
            "map_points": [
                {"lat": p.lat, "lng": p.lng, "title": f"#{p.pk} {p.category.name}"}
                for p in page
                if p.lat is not None
            ],
            "map_settings": map_settings(),
        },
    )


def _detail_context(post: Post, **forms) -> dict:
    history = (
        Post.objects.filter(citizen=post.citizen).exclude(pk=post.pk).select_related("category")
        if post.citizen_id
        else Post.objects.none()
    )
    return {
        "post": post,
        "history": history.order_by("-created_at")[:10],
        "reject_form": forms.get("reject_form") or RejectForm(),
        "duplicate_form": forms.get("duplicate_form") or DuplicateForm(post),
        "response_form": forms.get("response_form") or PublicResponseForm(instance=post),
        "forward_form": forms.get("forward_form") or ForwardForm.for_post(post),
        "duplicate_case_form": forms.get("duplicate_case_form") or DuplicateCaseForm(),
        "case": _linked_case(post),
        "category_departments": dict(
            Category.objects.filter(active=True).values_list("pk", "department_id")
        ),
        "other_bodies": OTHER_BODIES,
        "map_points": (
            [{"lat": post.lat, "lng": post.lng, "title": f"#{post.pk}"}] if post.lat else []
        ),
        "map_settings": map_settings(),
    }


# What the triage screens show of a citizen's post before (or instead of) publication: the
# citizen's own words and place, and their photos.
POST_PERSONAL_FIELDS = ("text", "address", "photos")


def _render_detail(
    request: AuthenticatedHttpRequest, post: Post, *, status: int = 200, **forms
) -> HttpResponse:
    audit_one_shown(request, post, fields=POST_PERSONAL_FIELDS)
    return render(request, "triage/detail.html", _detail_context(post, **forms), status=status)


@role_required(SUPERVISOR)
@require_GET
def detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, get_triage_post(request, pk))


@role_required(SUPERVISOR)
@require_POST
def publish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    post = get_triage_post(request, pk)
    if post.is_rejected:
        messages.error(request, _("不採用・重複の投稿は公開できません。"))
    else:
        post_publish(post=post, user=request.user)
        messages.success(request, _("投稿 %(number)s を公開しました。") % {"number": post.pk})
    return redirect("triage:detail", pk=post.pk)


@role_required(SUPERVISOR)
@require_POST
def unpublish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    post = get_triage_post(request, pk)
    post_unpublish(post=post, user=request.user)
    messages.success(request, _("投稿 %(number)s を非公開にしました。") % {"number": post.pk})
    return redirect("triage:detail", pk=post.pk)


@role_required(SUPERVISOR)
@require_POST
def reject(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    post = get_triage_post(request, pk)
    if post.case_id is not None:
        messages.error(request, _("案件と連携している投稿は不採用にできません。"))
        return redirect("triage:detail", pk=post.pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, post, status=400, reject_form=form)
    post_reject(
        post=post,
        user=request.user,
        rejection=form.cleaned_data["rejection"],
        note=form.cleaned_data["rejection_note"],
    )
    messages.success(request, _("投稿 %(number)s を不採用にしました。") % {"number": post.pk})
    return redirect("triage:queue")


@role_required(SUPERVISOR)
@require_POST
def duplicate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    post = get_triage_post(request, pk)
    if post.case_id is not None:
        messages.error(request, _("案件と連携している投稿は重複にできません。"))
        return redirect("triage:detail", pk=post.pk)
    form = DuplicateForm(post, request.POST)
    if not form.is_valid():
        return _render_detail(request, post, status=400, duplicate_form=form)
    post_mark_duplicate(post=post, user=request.user, original=form.cleaned_data["duplicate_of"])
    messages.success(
        request,
        _("投稿 %(number)s を投稿 %(original)s の重複にしました。")
        % {"number": post.pk, "original": form.cleaned_data["duplicate_of"].pk},
    )
    return redirect("triage:queue")


@role_required(SUPERVISOR)
@require_POST
def forward(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    post = get_triage_post(request, pk)
    form = ForwardForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, post, status=400, forward_form=form)
    try:
        case = post_forward(post=post, user=request.user, **form.cleaned_data)
    except ValueError as error:
        messages.error(request, str(error))
        return redirect("triage:detail", pk=post.pk)
    messages.success(
        request,
        _("投稿 %(number)s を %(department)s へ送付しました（受付番号 %(reference)s）。")
        % {"number": post.pk, "department": case.department.name, "reference": case.reference},
    )
    return redirect("triage:detail", pk=post.pk)


@role_required(SUPERVISOR)
@require_POST
def duplicate_case(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    post = get_triage_post(request, pk)
    form = DuplicateCaseForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, post, status=400, duplicate_case_form=form)
    case = form.cleaned_data["case_reference"]
    try:
        post_link_case(post=post, user=request.user, case=case)
    except ValueError as error:
        messages.error(request, str(error))
        return redirect("triage:detail", pk=post.pk)
    messages.success(
        request,
        _("投稿 %(number)s を案件 %(reference)s の重複として連携しました。")
        % {"number": post.pk, "reference": case.reference},
    )
    return redirect("triage:detail", pk=post.pk)


@role_required(SUPERVISOR)
@require_POST
def respond(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    post = get_triage_post(request, pk)
    form = PublicResponseForm(request.POST, request.FILES, instance=post)
    if not form.is_valid():
        post.refresh_from_db()
        return _render_detail(request, post, status=400, response_form=form)
    post_respond(
        post=post,
        user=request.user,
        public_text=form.cleaned_data["public_text"],
        status=form.cleaned_data.get("status"),
        public_reply=form.cleaned_data["public_reply"],
        repair_photos=form.cleaned_data["repair_photo"],
    )
    messages.success(request, _("公開内容と回答を保存しました。"))
    return redirect("triage:detail", pk=post.pk)


@role_required(SUPERVISOR)
@require_POST
def photo_visibility(request: AuthenticatedHttpRequest, pk: int, public_id) -> HttpResponse:
    post, photo = get_triage_photo(request, pk, public_id)
    hidden = request.POST.get("hidden") == "1"
    photo_set_hidden(photo=photo, user=request.user, hidden=hidden)
    messages.success(
        request, _("写真を非表示にしました。") if hidden else _("写真を表示に戻しました。")
    )
    return redirect("triage:detail", pk=post.pk)


def _photo_response(
    request: AuthenticatedHttpRequest, item: PostPhoto, name: str, field: str
) -> HttpResponseBase:
    if not name or not default_storage.exists(name):
        raise Http404
    audit_one_shown(request, item, fields=(field,), detail=f"kobepost.post={item.post_id}")
    response = FileResponse(default_storage.open(name, "rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(SUPERVISOR)
@require_GET
def photo(request: AuthenticatedHttpRequest, public_id) -> HttpResponseBase:
    """Every photo, hidden ones included, for supervisors: the copy the public gets."""
    item = get_object_or_404(PostPhoto, public_id=public_id)
    return _photo_response(request, item, item.file_name, "file")


@role_required(SUPERVISOR)
@require_GET
def photo_original(request: AuthenticatedHttpRequest, public_id) -> HttpResponseBase:
    """The photo as posted, before any blur: supervisors only, while it is kept."""
    item = get_object_or_404(PostPhoto, public_id=public_id)
    return _photo_response(request, item, item.original_name or item.file_name, "original")


def _render_redact(
    request: AuthenticatedHttpRequest, post: Post, item: PostPhoto, formset, *, status: int = 200
) -> HttpResponse:
    audit_one_shown(request, post, fields=POST_PERSONAL_FIELDS)
    return render(
        request,
        "triage/photo_redact.html",
        {
            "post": post,
            "photo": item,
            "formset": formset,
            "can_redo": bool(item.original_name) or not item.is_redacted,
            "redact_config": {
                "max": MAX_REDACTIONS,
                "prefix": formset.prefix,
                # %n: the row's number.
                "text": {
                    "added": _("範囲 %n を表に入れました。"),
                    "full": _("これ以上の範囲は追加できません。"),
                    "clear": _("範囲 %n を消す"),
                    "cleared": _("範囲 %n を消しました。"),
                },
            },
        },
        status=status,
    )


@role_required(SUPERVISOR)
@require_http_methods(["GET", "POST"])
def photo_redact_view(request: AuthenticatedHttpRequest, pk: int, public_id) -> HttpResponse:
    """Blur rectangles (drawn on the photo or typed in percent) in the public copy."""
    post, item = get_triage_photo(request, pk, public_id)
    if request.method == "GET":
        return _render_redact(request, post, item, redaction_formset(initial=item.redactions))
    formset = redaction_formset(request.POST)
    if not formset.is_valid():
        return _render_redact(request, post, item, formset, status=400)
    try:
        photo_redact(
            photo=item, user=request.user, redactions=formset.redactions(), request=request
        )
    except ValueError as error:
        messages.error(request, str(error))
        return _render_redact(request, post, item, formset, status=400)
    messages.success(
        request,
        _("写真に %(count)s か所のぼかしを入れました。公開される写真はぼかした写真です。")
        % {"count": len(formset.redactions())},
    )
    return redirect("triage:detail", pk=post.pk)


@role_required(SUPERVISOR)
@require_POST
def photo_original_drop(request: AuthenticatedHttpRequest, pk: int, public_id) -> HttpResponse:
    post, item = get_triage_photo(request, pk, public_id)
    try:
        photo_drop_original(photo=item, user=request.user, request=request)
    except OriginalGone as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("元の写真を削除しました。ぼかしのやり直しはできなくなりました。")
        )
    return redirect("triage:detail", pk=post.pk)
