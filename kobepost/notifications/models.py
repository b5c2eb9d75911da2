"""Notifications: the mail outbox (Notification) and in-app notices (Notice, NoticeCursor)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One mail to send: one row per event and recipient address (the outbox).

    Rows are written in the transaction that caused the event, so a mail exists exactly
    when the event was committed; a Celery task sends it afterwards (kobepost.notifications.tasks).
    ``audience`` names whose address ``recipient`` is, so a resend can look it up again.
    """

    class Kind(models.TextChoices):
        NEW_CASE = "new_case", _("新規案件")
        URGENT_CASE = "urgent_case", _("緊急案件")
        CONTRACTOR_REQUEST = "contractor_request", _("業者への依頼")
        DEPARTMENT_REPLY = "department_reply", _("所管課からの回答")
        STATUS_CHANGE = "status_change", _("状況の変更")
        TRANSFER = "transfer", _("所管課の変更")
        OVERDUE_REMINDER = "overdue_reminder", _("期限超過の督促")
        CITIZEN_ACCOUNT = "citizen_account", _("市民アカウント（確認・再設定）")
        POST_STATUS = "post_status", _("KOBE ぽすと 投稿の状況")

    class Status(models.TextChoices):
        PENDING = "pending", _("送信待ち")
        SENDING = "sending", _("送信中")
        SENT = "sent", _("送信済み")
        FAILED = "failed", _("送信失敗")
        # Resent when every current address of the audience already had its own row.
        SUPERSEDED = "superseded", _("不要（現在の宛先へ送信済み）")

    class Audience(models.TextChoices):
        ADDRESS = "", _("指定のアドレス")
        DEPARTMENT = "department", _("所管課の通知先")
        CONTRACTOR = "contractor", _("修理委託業者")
        AGENCY = "agency", _("関係機関")
        CALLCENTER = "callcenter", _("コールセンターの共有アドレス")

    class Problem(models.TextChoices):
        """Why the last attempt failed, in words a supervisor can act on."""

        NONE = "", _("なし")
        CONNECTION = "connection", _("メールサーバーに接続できませんでした。")
        TIMEOUT = "timeout", _("メールサーバーが時間内に応答しませんでした。")
        BUSY = "busy", _("メールサーバーが一時的に受け取りを断りました。")
        MAILBOX = (
            "mailbox",
            _(
                "宛先のメールアドレスがないか、受け取りを拒否されました。アドレスを確認してください。"
            ),
        )
        ADDRESS = "address", _("宛先のメールアドレスの形式が正しくありません。")
        REFUSED = (
            "refused",
            _("メールサーバーが送信を拒否しました。システム管理者に連絡してください。"),
        )
        OTHER = (
            "other",
            _("送信中に予期しないエラーが起きました。システム管理者に連絡してください。"),
        )

    event_key = models.CharField(_("イベントキー"), max_length=200)
    kind = models.CharField(_("種類"), max_length=30, choices=Kind.choices)
    recipient = models.EmailField(_("宛先"), max_length=254)
    audience = models.CharField(
        _("宛先の種類"), max_length=20, choices=Audience.choices, blank=True, default=""
    )
    audience_id = models.PositiveBigIntegerField(_("宛先の ID"), null=True, blank=True)
    case = models.ForeignKey(
        "tickets.Case",
        verbose_name=_("案件"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
    )
    subject = models.CharField(_("件名"), max_length=255)
    body = models.TextField(_("本文"))
    link = models.CharField(_("リンク"), max_length=300, blank=True)
    status = models.CharField(
        _("状態"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    # Counts claims by a worker; also the fencing token of the current claim.
    attempts = models.PositiveIntegerField(_("送信試行回数"), default=0)
    problem = models.CharField(
        _("エラーの内容"), max_length=20, choices=Problem.choices, blank=True, default=""
    )
    last_error = models.TextField(_("最後のエラー（原文）"), blank=True)
    next_attempt_at = models.DateTimeField(_("次回送信予定"))
    lease_expires_at = models.DateTimeField(_("送信中の期限"), null=True, blank=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    sent_at = models.DateTimeField(_("送信日時"), null=True, blank=True)
    resent_at = models.DateTimeField(_("再送信日時"), null=True, blank=True)
    resent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("再送信した職員"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    previous_recipients = models.TextField(
        _("以前の宛先"),
        blank=True,
        help_text=_("再送信で宛先を変えたとき、元の宛先（1 行に 1 件）"),
    )

    class Meta:
        db_table = "kobepost_notification"
        verbose_name = _("通知メール")
        verbose_name_plural = _("通知メール")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_key", "recipient"], name="notification_once_per_event_recipient"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_due"),
        ]

    def __str__(self) -> str:
        return f"{self.event_key} → {self.recipient} ({self.status})"


class Notice(models.Model):
    """An in-app notice for one department, or for the whole call center."""

    department = models.ForeignKey(
        "departments.Department",
        verbose_name=_("所管課"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notices",
    )
    to_callcenter = models.BooleanField(_("コールセンター宛て"), default=False)
    # What the notice says, rendered in the reader's language (notice_texts.py); the
    # Japanese ``title`` is kept as written, for notices without a code.
    code = models.CharField(_("種類"), max_length=40, blank=True, default="")
    params = models.JSONField(_("内容の値"), default=dict, blank=True)
    title = models.CharField(_("件名"), max_length=200)
    link = models.CharField(_("リンク"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)

    class Meta:
        db_table = "kobepost_notice"
        verbose_name = _("お知らせ")
        verbose_name_plural = _("お知らせ")
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(department__isnull=False, to_callcenter=False)
                    | models.Q(department__isnull=True, to_callcenter=True)
                ),
                name="notice_exactly_one_audience",
            ),
        ]
        indexes = [
            models.Index(fields=["to_callcenter", "id"], name="notice_callcenter_recent"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        """The notice in the active language (the stored title if it has no known code)."""
        from kobepost.notifications.notice_texts import notice_text

        return notice_text(code=self.code, params=self.params, title=self.title)


class NoticeCursor(models.Model):
    """How far a user has read their notices: everything up to ``last_seen_id`` is read.

    One row per user instead of one per user and notice keeps the unread count a single
    indexed range count.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notice_cursor",
    )
    last_seen_id = models.BigIntegerField(default=0)

    class Meta:
        db_table = "kobepost_noticecursor"
        verbose_name = _("お知らせの既読位置")
        verbose_name_plural = _("お知らせの既読位置")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.last_seen_id}"
