"""Workflows of KOBE ぽすと: posting with photos, account deletion, supervisor triage."""

import logging

from django.db import transaction
from django.utils import timezone

from kobepost.citizen_models import ApiClient, Citizen, Post, PostCategory, PostPhoto
from kobepost.models import User
from kobepost.photos import CleanPhoto, delete_stored, store_photo

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
    post.published = True
    post.published_at = post.published_at or timezone.now()
    post.save(update_fields=["published", "published_at", "updated_at"])
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


def post_respond(
    *,
    post: Post,
    user: User,
    public_text: str,
    status: str,
    public_reply: str,
    repair_photos: list[CleanPhoto] = (),
) -> Post:
    """Edit what the public sees: text, status, the city's reply, an after-repair photo."""
    stored: list[str] = []
    try:
        with transaction.atomic():
            post.public_text = public_text
            post.status = status
            post.public_reply = public_reply
            post.save(update_fields=["public_text", "status", "public_reply", "updated_at"])
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
