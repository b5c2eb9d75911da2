"""Workflows of KOBE ぽすと: posting with photos, account deletion, supervisor triage
(blurring photos included)."""

import hashlib
import logging
import uuid
from collections.abc import Sequence
from functools import partial
from typing import cast

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.models import Department
from kobepost.accounts.models import User
from kobepost.audit.models import AuditAction
from kobepost.audit.services import audit_record, record_type_of
from kobepost.notifications.models import Notification
from kobepost.notifications.services import event_key, notification_queue
from kobepost.public.auth import citizen_uid, email_confirm_tokens, password_reset_tokens
from kobepost.public.mail import PostEvent, post_status_notify, public_link
from kobepost.public.models import (
    ApiClient,
    Citizen,
    Post,
    PostCategory,
    PostFollow,
    PostPhoto,
    linked_post_status,
)
from kobepost.public.photos import (
    MAX_REDACTIONS,
    CleanPhoto,
    Redaction,
    delete_stored,
    redacted_copy,
    store_photo,
)
from tickets.geo.places import ward_for_point
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
    photos: Sequence[CleanPhoto] = (),
    channel: str = Post.Channel.WEB,
    api_client: ApiClient | None = None,
    attributes: dict | None = None,
) -> Post:
    """Save a citizen's post and its photos (all or nothing; no file left on failure).

    ``attributes``: the category's details, already checked (``service_attributes``)."""
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
                attributes=attributes or {},
            )
            for photo in photos:
                name = store_photo(photo)
                stored.append(name)
                PostPhoto.objects.create(
                    post=post, file_name=name, width=photo.width, height=photo.height
                )
            post_status_notify(post=post, event=PostEvent.RECEIVED)
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
    """Publish a post; the first publication is mailed to the poster (published again
    after being taken down, it is not news to them)."""
    with transaction.atomic():
        first = post.published_at is None
        post.published = True
        post.published_at = post.published_at or timezone.now()
        post.save(update_fields=["published", "published_at", "updated_at"])
        _tell_citizen_through_case(post, user)
        if first:
            post_status_notify(post=post, event=PostEvent.PUBLISHED)
    _audit(post, user, "publish")
    return post


def post_unpublish(*, post: Post, user: User) -> Post:
    post.published = False
    post.save(update_fields=["published", "updated_at"])
    _audit(post, user, "unpublish")
    return post


def post_reject(*, post: Post, user: User, rejection: str, note: str = "") -> Post:
    """Not taken up (out of scope, spam, another body's road): never public."""
    with transaction.atomic():
        post.rejection = rejection
        post.rejection_note = note
        post.published = False
        post.save(update_fields=["rejection", "rejection_note", "published", "updated_at"])
        post_status_notify(post=post, event=PostEvent.REJECTED)
    _audit(post, user, f"reject:{rejection}")
    return post


def post_mark_duplicate(*, post: Post, user: User, original: Post) -> Post:
    with transaction.atomic():
        post.rejection = Post.Rejection.DUPLICATE
        post.duplicate_of = original
        post.published = False
        post.save(update_fields=["rejection", "duplicate_of", "published", "updated_at"])
        post_status_notify(post=post, event=PostEvent.DUPLICATE)
    _audit(post, user, f"duplicate-of:{original.pk}")
    return post


class PostAlreadyLinked(ValueError):
    """The post already has a case (forwarded or linked as a duplicate)."""


def _check_linkable(post: Post) -> None:
    if post.case_id is not None:
        raise PostAlreadyLinked(_("この投稿はすでに案件と連携しています。"))
    if post.is_rejected:
        raise ValueError(_("不採用・重複の投稿は案件にできません。"))


def forward_details(post: Post) -> str:
    """The case's details: the citizen's text, then the category's details they gave."""
    rows = post.attribute_rows()
    if not rows:
        return post.text
    return post.text + "\n\n" + "\n".join(f"{name}: {value}" for name, value in rows)


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
        ward = (
            ward_for_point(post.lat, post.lng)
            if post.lat is not None and post.lng is not None
            else None
        )
        case = case_create(
            created_by=user,
            kind=Case.Kind.REPORT,
            channel=Case.Channel.KOBE_POST,
            received_at=post.created_at,
            category=category,
            department=department,
            title=title,
            details=forward_details(post),
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
        post_status_notify(post=post, event=PostEvent.FORWARDED)
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
        post_status_notify(post=post, event=PostEvent.FORWARDED)
    _audit(post, user, f"link-case:{case.reference}")
    return post


def _tell_citizen_through_case(post: Post, user: User) -> None:
    """A published public reply is the call back of a forwarded case: 回答済 → 市民回答済.

    Only for cases made from the post: a duplicate's case has its own caller to call back.
    """
    if not (post.case_link == Post.CaseLink.FORWARDED and post.published and post.public_reply):
        return
    # A forwarded post has its case.
    if Case.objects.awaiting_callback().filter(pk=cast(int, post.case_id)).exists():
        case_record_citizen_callback(
            case=cast(Case, post.case),
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
    repair_photos: Sequence[CleanPhoto] = (),
) -> Post:
    """Edit what the public sees: text, status, the city's reply, an after-repair photo.

    ``status`` is ignored once a case is linked: the case decides it then.
    """
    stored: list[str] = []
    answered = bool(public_reply) and public_reply != post.public_reply
    finished = status == Post.Status.DONE and post.case_id is None and post.status != status
    try:
        with transaction.atomic():
            post.public_text = public_text
            post.public_reply = public_reply
            fields = ["public_text", "public_reply", "updated_at"]
            if status is not None and post.case_id is None:
                post.status = status
                fields.append("status")
            post.save(update_fields=fields)
            if answered:
                post_status_notify(
                    post=post, event=PostEvent.ANSWERED, occurrence=_digest(public_reply)
                )
            if finished:
                post_status_notify(
                    post=post, event=PostEvent.FINISHED, occurrence=post.updated_at.timestamp()
                )
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


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def photo_set_hidden(*, photo: PostPhoto, user: User, hidden: bool) -> PostPhoto:
    photo.hidden = hidden
    photo.save(update_fields=["hidden"])
    _audit(photo.post, user, f"photo-{'hide' if hidden else 'show'}:{photo.pk}")
    return photo


def _audit_photo_change(
    photo: PostPhoto,
    user: User,
    request: HttpRequest | None,
    action: AuditAction,
    *,
    field: str,
    detail: str = "",
) -> None:
    """The audit row of a change to a photo's files: ids and numbers only, no text."""
    audit_record(
        request=request,
        user=user,
        action=action,
        record_type=record_type_of(photo),
        record_id=photo.pk,
        fields=[field],
        detail=" ".join(filter(None, [f"kobepost.post={photo.post_id}", detail])),
    )


class OriginalGone(ValueError):
    """The photo as posted is no longer kept: the blur cannot be redone."""


def photo_redact(
    *,
    photo: PostPhoto,
    user: User,
    redactions: list[Redaction],
    request: HttpRequest | None = None,
) -> PostPhoto:
    """Blur rectangles of a photo (faces, number plates) in the copy everyone is served.

    Always drawn from the photo as posted, so a second call replaces the first blur instead
    of adding to it. The original moves to ``original_name`` (supervisors only) and the
    photo gets a new ``public_id``: a copy of the old address cached anywhere stops
    working instead of showing what was blurred. Who blurred which rectangles is an audit
    row (the ``request`` gives its address). Files written are removed if anything fails;
    the previous blurred copy is deleted once the change is committed.
    """
    if not redactions:
        raise ValueError(_("ぼかす範囲を1つ以上指定してください。"))
    if len(redactions) > MAX_REDACTIONS:
        raise ValueError(_("ぼかす範囲は %(limit)s か所までです。") % {"limit": MAX_REDACTIONS})
    if not all(redaction.fits() for redaction in redactions):
        raise ValueError(_("ぼかす範囲が写真からはみ出しています。"))
    stored: list[str] = []
    try:
        with transaction.atomic():
            photo = PostPhoto.objects.select_for_update().select_related("post").get(pk=photo.pk)
            # Once the original is dropped, blurring the blurred copy again would only
            # pile blur on blur: a redo needs the photo as posted.
            source = photo.original_name or ("" if photo.is_redacted else photo.file_name)
            if not source or not default_storage.exists(source):
                raise OriginalGone(_("元の写真が残っていないため、ぼかしをやり直せません。"))
            with default_storage.open(source, "rb") as original:
                redacted = redacted_copy(original.read(), redactions)
            name = store_photo(redacted)
            stored.append(name)
            previous = photo.file_name if photo.original_name else ""
            photo.original_name = source
            photo.file_name = name
            photo.redactions = [redaction.as_dict() for redaction in redactions]
            photo.redacted_at = timezone.now()
            photo.public_id = uuid.uuid4()
            photo.save(
                update_fields=[
                    "original_name",
                    "file_name",
                    "redactions",
                    "redacted_at",
                    "public_id",
                ]
            )
            _audit_photo_change(
                photo,
                user,
                request,
                AuditAction.PHOTO_REDACT,
                field="file",
                detail="rectangles="
                + ";".join(f"{r.x:g},{r.y:g},{r.w:g},{r.h:g}" for r in redactions),
            )
            if previous:
                transaction.on_commit(partial(delete_stored, [previous]), robust=True)
    except Exception:
        delete_stored(stored)
        raise
    _audit(photo.post, user, f"photo-redact:{photo.pk}:{len(redactions)}")
    return photo


def photo_drop_original(
    *, photo: PostPhoto, user: User, request: HttpRequest | None = None
) -> PostPhoto:
    """Delete the photo as posted once its blurred copy is right (audited).

    Nothing but a redo of the blur needs it; from then on the blurred copy is all there is.
    """
    with transaction.atomic():
        photo = PostPhoto.objects.select_for_update().get(pk=photo.pk)
        if not photo.original_name:
            raise OriginalGone(_("元の写真はすでに削除されています。"))
        original, photo.original_name = photo.original_name, ""
        photo.save(update_fields=["original_name"])
        _audit_photo_change(
            photo, user, request, AuditAction.PHOTO_ORIGINAL_DROPPED, field="original"
        )
        transaction.on_commit(partial(delete_stored, [original]), robust=True)
    _audit(photo.post, user, f"photo-drop-original:{photo.pk}")
    return photo


# --- Account recovery and e-mail confirmation ----------------------------------------------
#
# Every mail goes through the outbox (notification_queue) in the transaction of the change,
# like all mail of the project. The links carry Django's signed tokens (citizen_auth):
# expiring, and single-use because their hash covers what using them changes.


def _mail_citizen(*, key: str, address: str, subject: str, body: str, link: str = "") -> None:
    notification_queue(
        event_key=event_key(key),
        kind=Notification.Kind.CITIZEN_ACCOUNT,
        recipients=[address],
        subject=subject,
        body=body,
        link=link,
    )


def citizen_email_confirm_send(*, citizen: Citizen) -> bool:
    """Mail the confirmation link to the address waiting for it; False if none waits."""
    address = citizen.email_to_confirm
    if not address:
        return False
    token = email_confirm_tokens.make_token(citizen)  # type: ignore[arg-type]  # stubs: User only
    link = public_link("public:email_confirm", citizen_uid(citizen), token)
    hours = settings.PUBLIC_EMAIL_CONFIRM_SECONDS // 3600
    body = _(
        "%(nickname)s さん\n\n"
        "KOBE ぽすとに登録されたメールアドレスの確認です。\n"
        "次のリンクを開き、「メールアドレスを確認する」を押してください（%(hours)s時間有効）。\n\n"
        "%(link)s\n\n"
        "お心当たりのない場合は、このメールを破棄してください。\n"
    ) % {"nickname": citizen.nickname, "hours": hours, "link": link}
    _mail_citizen(
        key=f"citizen:{citizen.pk}:email-confirm:{token}",
        address=address,
        subject=_("【KOBE ぽすと】メールアドレスの確認"),
        body=body,
        link=link,
    )
    log.info("email confirmation sent: citizen=%s", citizen.pk)
    return True


def citizen_register(*, citizen: Citizen) -> Citizen:
    """Save a new account (from the registration form) and mail its confirmation link."""
    with transaction.atomic():
        citizen.save()
        citizen_email_confirm_send(citizen=citizen)
    log.info("citizen registered: citizen=%s", citizen.pk)
    return citizen


def citizen_email_confirm(*, citizen: Citizen, token: str) -> bool:
    """Confirm the address the link was sent to; False for a wrong, used or old link."""
    with transaction.atomic():
        citizen = Citizen.objects.select_for_update().get(pk=citizen.pk)
        if not citizen.email_to_confirm or not email_confirm_tokens.check_token(citizen, token):
            return False
        if citizen.pending_email:
            citizen.email, citizen.pending_email = citizen.pending_email, ""
        citizen.email_confirmed_at = timezone.now()
        citizen.save(update_fields=["email", "pending_email", "email_confirmed_at"])
    log.info("email confirmed: citizen=%s", citizen.pk)
    return True


def citizen_email_change(*, citizen: Citizen, new_email: str) -> bool:
    """Ask for a new address: it takes effect once confirmed from that mailbox.

    Until then mail (password reset included) goes to the old address, which is also told
    of the request, so that someone using an open session cannot take the account over.
    Returns True when a confirmation was sent.
    """
    if new_email.lower() == citizen.email.lower():
        if citizen.pending_email:
            citizen.pending_email = ""
            citizen.save(update_fields=["pending_email"])
        return False
    with transaction.atomic():
        citizen.pending_email = new_email
        citizen.save(update_fields=["pending_email"])
        citizen_email_confirm_send(citizen=citizen)
        _mail_citizen(
            key=f"citizen:{citizen.pk}:email-change:{timezone.now().timestamp()}",
            address=citizen.email,
            subject=_("【KOBE ぽすと】メールアドレスの変更の申し込み"),
            body=_(
                "%(nickname)s さん\n\n"
                "KOBE ぽすとのメールアドレスを別のアドレスに変更する申し込みがありました。\n"
                "新しいアドレスで確認が済むまでは、このアドレスにお知らせが届きます。\n"
                "お心当たりのない場合は、パスワードを変更してください。\n"
            )
            % {"nickname": citizen.nickname},
        )
    return True


def citizen_password_reset_request(*, email: str) -> int:
    """Mail a reset link to every active account registered with ``email``.

    The caller answers the same whatever this finds (no account enumeration). The mail
    names the ID too: who forgot the password often forgot the ID. An address waiting for
    confirmation gets nothing: it has not shown it belongs to the citizen.
    """
    citizens = list(Citizen.objects.filter(email__iexact=email.strip(), is_active=True))
    minutes = settings.PUBLIC_PASSWORD_RESET_SECONDS // 60
    with transaction.atomic():
        for citizen in citizens:
            token = password_reset_tokens.make_token(citizen)  # type: ignore[arg-type]  # stubs: User only
            link = public_link("public:password_reset", citizen_uid(citizen), token)
            body = _(
                "%(nickname)s さん\n\n"
                "KOBE ぽすとのパスワードの再設定を受け付けました。\n"
                "ID: %(login_id)s\n\n"
                "次のリンクから新しいパスワードを設定してください（%(minutes)s分間、1回だけ有効）。\n\n"
                "%(link)s\n\n"
                "お心当たりのない場合は、このメールを破棄してください。パスワードは変わりません。\n"
            ) % {
                "nickname": citizen.nickname,
                "login_id": citizen.login_id,
                "minutes": minutes,
                "link": link,
            }
            _mail_citizen(
                key=f"citizen:{citizen.pk}:password-reset:{token}",
                address=citizen.email,
                subject=_("【KOBE ぽすと】パスワードの再設定"),
                body=body,
                link=link,
            )
    log.info("password reset requested: accounts=%s", len(citizens))
    return len(citizens)


def citizen_password_set(*, citizen: Citizen, password: str, by_reset: bool = False) -> Citizen:
    """A new password; other sessions and any unused reset link stop working.

    A reset through the mailed link also shows that the registered address reaches the
    citizen, so it counts as confirming it.
    """
    citizen.set_password(password)
    fields = ["password"]
    if by_reset and citizen.email_confirmed_at is None:
        citizen.email_confirmed_at = timezone.now()
        fields.append("email_confirmed_at")
    citizen.save(update_fields=fields)
    log.info("password set: citizen=%s reset=%s", citizen.pk, by_reset)
    return citizen


# --- Status mail to the poster and followers -----------------------------------------------


def post_follow(*, post: Post, citizen: Citizen, follow: bool) -> bool:
    """Follow (or stop following) a post; returns whether the citizen now follows it."""
    if follow:
        PostFollow.objects.get_or_create(post=post, citizen=citizen)
    else:
        PostFollow.objects.filter(post=post, citizen=citizen).delete()
    return follow
