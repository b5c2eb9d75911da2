"""Workflows of KOBE ぽすと: posting with photos, account deletion, supervisor triage."""

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.models import Department
from kobepost.citizen_models import (
    ApiClient,
    Citizen,
    Post,
    PostCategory,
    PostPhoto,
    linked_post_status,
)
from kobepost.models import User
from kobepost.photos import CleanPhoto, delete_stored, store_photo
from tickets.geo import ward_for_point
from tickets.models import Case, CaseEvent, Category
from tickets.services import case_create, case_record_citizen_callback

# How the citizen was told, in the case's call-back record: the public reply on KOBE ぽすと.
KOBE_POST_CALLBACK_METHOD = "KOBE ぽすと"

log = logging.getLogger("kobepost.citizen")


def post_create(
    *,
    citizen: Citizen,
    category: PostCategory,
    text: str,
    lat: float | None = None,
    lng: float | None = None,
    address: str = "",
    photos: list[CleanPhoto] = (),
    channel: str = Post.Channel.WEB,
    api_client: ApiClient | None = None,
) -> Post:
    """Save a citizen's post and its photos (all or nothing; no file left on failure)."""
    stored: list[str] = []
    try:
        with transaction.atomic():
            post = Post.objects.create(
                citizen=citizen,
                nickname=citizen.nickname,
                category=category,
                text=text,
                public_text=text,
                lat=lat,
                lng=lng,
                address=address,
                channel=channel,
                api_client=api_client,
            )
            for photo in photos:
                name = store_photo(photo)
                stored.append(name)
                PostPhoto.objects.create(
                    post=post, file_name=name, width=photo.width, height=photo.height
                )
    except Exception:
        delete_stored(stored)
        raise
    log.info("post created: post=%s citizen=%s channel=%s", post.pk, citizen.pk, channel)
    return post


def citizen_delete(*, citizen: Citizen) -> None:
    """Erase the account and every personal item; posts stay, anonymous.

    The nickname is removed from the posts too: a nickname can identify a person, and a
    deleted account should leave nothing that points back to them.
    """
    with transaction.atomic():
        citizen.posts.update(nickname="", citizen=None)
        citizen_pk = citizen.pk
        citizen.delete()
    log.info("citizen deleted: citizen=%s", citizen_pk)


# --- Supervisor triage --------------------------------------------------------------------


def _audit(post: Post, user: User, action: str) -> None:
    log.info("triage %s: post=%s user=%s", action, post.pk, user.pk)


def post_publish(*, post: Post, user: User) -> Post:
    with transaction.atomic():
        post.published = True
        post.published_at = post.published_at or timezone.now()
        post.save(update_fields=["published", "published_at", "updated_at"])
        _tell_citizen_through_case(post, user)
    _audit(post, user, "publish")
    return post


def post_unpublish(*, post: Post, user: User) -> Post:
    post.published = False
    post.save(update_fields=["published", "updated_at"])
    _audit(post, user, "unpublish")
    return post


def post_reject(*, post: Post, user: User, rejection: str, note: str = "") -> Post:
    """Not taken up (out of scope, spam, another body's road): never public."""
    post.rejection = rejection
    post.rejection_note = note
    post.published = False
    post.save(update_fields=["rejection", "rejection_note", "published", "updated_at"])
    _audit(post, user, f"reject:{rejection}")
    return post


def post_mark_duplicate(*, post: Post, user: User, original: Post) -> Post:
    post.rejection = Post.Rejection.DUPLICATE
    post.duplicate_of = original
    post.published = False
    post.save(update_fields=["rejection", "duplicate_of", "published", "updated_at"])
    _audit(post, user, f"duplicate-of:{original.pk}")
    return post


class PostAlreadyLinked(ValueError):
    """The post already has a case (forwarded or linked as a duplicate)."""


def _check_linkable(post: Post) -> None:
    if post.case_id is not None:
        raise PostAlreadyLinked(_("この投稿はすでに案件と連携しています。"))
    if post.is_rejected:
        raise ValueError(_("不採用・重複の投稿は案件にできません。"))


def post_forward(
    *,
    post: Post,
    user: User,
    category: Category,
    department: Department,
    title: str,
) -> Case:
    """Create the department's case from a post (受付方法 KOBE ぽすと) and link both ways.

    No personal data of the citizen is copied: the caller fields stay empty and the case
    points back to the post, whose triage page is where supervisors reach the poster.
    The call back (市民回答済) happens through the public reply (see ``post_respond``).
    """
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        _check_linkable(post)
        ward = ward_for_point(post.lat, post.lng) if post.lat is not None else None
        case = case_create(
            created_by=user,
            kind=Case.Kind.REPORT,
            channel=Case.Channel.KOBE_POST,
            received_at=post.created_at,
            category=category,
            department=department,
            title=title,
            details=post.text,
            latitude=post.lat,
            longitude=post.lng,
            address=post.address,
            ward=ward or "",
            reply_needed=True,
            direct_answer=False,
        )
        post.case = case
        post.case_link = Post.CaseLink.FORWARDED
        post.status = linked_post_status(case.status)
        post.save(update_fields=["case", "case_link", "status", "updated_at"])
    _audit(post, user, f"forward:{case.reference}")
    return case


def post_link_case(*, post: Post, user: User, case: Case) -> Post:
    """The post reports what an existing case already covers: it follows that case."""
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        _check_linkable(post)
        post.case = case
        post.case_link = Post.CaseLink.DUPLICATE
        post.status = linked_post_status(case.status)
        post.save(update_fields=["case", "case_link", "status", "updated_at"])
        # The department sees on its timeline that a citizen reported it online too.
        CaseEvent.objects.create(
            case=case,
            kind=CaseEvent.Kind.LINKED_CALL,
            actor=user,
            note=_("KOBE ぽすと 投稿 %(number)s を重複として連携") % {"number": post.pk},
        )
    _audit(post, user, f"link-case:{case.reference}")
    return post


def _tell_citizen_through_case(post: Post, user: User) -> None:
    """A published public reply is the call back of a forwarded case: 回答済 → 市民回答済.

    Only for cases made from the post: a duplicate's case has its own caller to call back.
    """
    if not (post.case_link == Post.CaseLink.FORWARDED and post.published and post.public_reply):
        return
    if Case.objects.awaiting_callback().filter(pk=post.case_id).exists():
        case_record_citizen_callback(
            case=post.case,
            user=user,
            told_at=timezone.now(),
            method=KOBE_POST_CALLBACK_METHOD,
            note=_("公開回答（投稿 %(number)s）") % {"number": post.pk},
        )


def post_respond(
    *,
    post: Post,
    user: User,
    public_text: str,
    public_reply: str,
    status: str | None = None,
    repair_photos: list[CleanPhoto] = (),
) -> Post:
    """Edit what the public sees: text, status, the city's reply, an after-repair photo.

    ``status`` is ignored once a case is linked: the case decides it then.
    """
    stored: list[str] = []
    try:
        with transaction.atomic():
            post.public_text = public_text
            post.public_reply = public_reply
            fields = ["public_text", "public_reply", "updated_at"]
            if status is not None and post.case_id is None:
                post.status = status
                fields.append("status")
            post.save(update_fields=fields)
            for photo in repair_photos:
                name = store_photo(photo)
                stored.append(name)
                PostPhoto.objects.create(
                    post=post,
                    file_name=name,
                    kind=PostPhoto.Kind.AFTER_REPAIR,
                    width=photo.width,
                    height=photo.height,
                )
            _tell_citizen_through_case(post, user)
    except Exception:
        delete_stored(stored)
        raise
    _audit(post, user, "respond")
    return post


def photo_set_hidden(*, photo: PostPhoto, user: User, hidden: bool) -> PostPhoto:
    photo.hidden = hidden
    photo.save(update_fields=["hidden"])
    _audit(photo.post, user, f"photo-{'hide' if hidden else 'show'}:{photo.pk}")
    return photo
