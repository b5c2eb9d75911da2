"""Mail to citizens about their posts: the status mails to the poster and followers.

Kept apart from citizen_services so that the case workflows (tickets.services) can tell a
linked post's followers that the case finished without importing the triage services.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kobepost.notifications.mail import japanese_date
from kobepost.notifications.models import Notification
from kobepost.notifications.services import event_key, notification_queue
from kobepost.public.models import Citizen, Post


def public_link(name: str, *args: object) -> str:
    return settings.PUBLIC_SITE_URL + reverse(name, args=args)


class PostEvent:
    """What a status mail tells; the value is part of the mail's event key."""

    RECEIVED = "received"
    PUBLISHED = "published"
    FORWARDED = "forwarded"
    ANSWERED = "answered"
    FINISHED = "finished"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"


_EVENT_SENTENCES = {
    PostEvent.RECEIVED: gettext_lazy("投稿を受け付けました。市が内容を確認します。"),
    PostEvent.PUBLISHED: gettext_lazy(
        "投稿を確認し、KOBE ぽすとのページで公開しました。"
        "公開されるのはニックネームと投稿の内容・場所・写真で、氏名や連絡先は公開しません。"
    ),
    PostEvent.FORWARDED: gettext_lazy("投稿を市の担当部署へ送りました。対応を進めます。"),
    PostEvent.ANSWERED: gettext_lazy("市から回答がありました。"),
    PostEvent.FINISHED: gettext_lazy("対応が完了しました。"),
    PostEvent.REJECTED: gettext_lazy("この投稿は対応の対象外となりました。"),
    PostEvent.DUPLICATE: gettext_lazy("同じ内容の投稿・案件があるため、そちらで対応します。"),
}


def post_status_recipients(post: Post) -> list[str]:
    """Who hears of a post's progress: its poster if they opted in, and its followers;
    only confirmed addresses (an unconfirmed one may belong to someone else)."""
    followers = Citizen.objects.filter(
        follows__post=post, is_active=True, email_confirmed_at__isnull=False
    ).values_list("email", flat=True)
    addresses = list(followers)
    poster = post.citizen
    if poster is not None and poster.is_active and poster.notify_status and poster.email_confirmed:
        addresses.insert(0, poster.email)
    return addresses


def post_status_notify(*, post: Post, event: str, occurrence: object = "") -> None:
    """Queue the status mail of ``event`` (in the caller's transaction, through the outbox).

    ``occurrence`` tells repeated events apart (a second public answer), so that a retried
    request mails once but a new answer mails again.
    """
    recipients = post_status_recipients(post)
    if not recipients:
        return
    link = public_link("public:post_detail", post.pk)
    with translation.override("ja"):
        lines = [
            _("KOBE ぽすと 投稿 %(number)s（%(category)s）の状況のお知らせです。")
            % {"number": post.pk, "category": post.category.name},
            "",
            str(_EVENT_SENTENCES[event]),
        ]
        # The public answer as the public pages show it (tickets.outbound scrubs it).
        if event == PostEvent.ANSWERED and post.for_public.reply:
            lines += ["", _("市からの回答:"), post.for_public.reply]
        # The case's reply due date (回答期限), the date Open311 gives as expected_datetime.
        if event == PostEvent.FORWARDED and post.expected_date:
            lines += ["", _("回答の予定日: %(date)s") % {"date": japanese_date(post.expected_date)}]
        if event in (PostEvent.REJECTED, PostEvent.DUPLICATE) and post.rejection_reason:
            lines += ["", _("理由: %(reason)s") % {"reason": post.rejection_reason}]
        lines += [
            "",
            _("投稿のページ: %(link)s") % {"link": link},
            "",
            _("このメールは、状況のお知らせを希望された方とフォローしている方に送っています。"),
            _("止めるには「登録内容」の設定を変えるか、フォローを解除してください。"),
        ]
        subject = _("【KOBE ぽすと】投稿 %(number)s の状況") % {"number": post.pk}
    notification_queue(
        event_key=event_key("post", post.pk, event, occurrence),
        kind=Notification.Kind.POST_STATUS,
        recipients=recipients,
        subject=subject,
        body="\n".join(str(line) for line in lines) + "\n",
        link=link,
    )
