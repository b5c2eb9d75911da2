"""The call journal (通話記録), the phone systems that feed it and the operators' seats.

A caller's number is personal data: it lives on ``Call`` only (never on an event row, in a
log line or in a URL), is shown masked to those who may not see it (access.py), and is
erased when its retention ends (kobepost/privacy/retention.py, with the other stores).
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kobepost.lib.choices import QuickChoiceDisplay
from kobepost.public.models import token_digest


class Pbx(models.Model):
    """A phone system allowed to post call events; only its token's digest is kept."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    token_hint = models.CharField(_("トークンの先頭"), max_length=8, editable=False)
    active = models.BooleanField(_("有効"), default=True)
    created_at = models.DateTimeField(_("登録日時"), default=timezone.now)

    class Meta:
        verbose_name = _("電話システム（PBX）")
        verbose_name_plural = _("電話システム（PBX）")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def issue_token(self) -> str:
        """Set a fresh token (returned once; only its digest is stored)."""
        token = secrets.token_urlsafe(32)
        self.token_digest = token_digest(token)
        self.token_hint = token[:6]
        return token

    @classmethod
    def for_token(cls, token: str) -> "Pbx | None":
        if not token:
            return None
        return cls.objects.filter(token_digest=token_digest(token), active=True).first()


class Seat(models.Model):
    """Which operator sits at which extension (内線): where the PBX's calls pop up."""

    extension = models.CharField(_("内線番号"), max_length=20, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("オペレーター"),
        on_delete=models.CASCADE,
        related_name="cti_seat",
    )
    since = models.DateTimeField(_("着席日時"), default=timezone.now)

    class Meta:
        verbose_name = _("内線の席")
        verbose_name_plural = _("内線の席")
        ordering = ["extension"]

    def __str__(self) -> str:
        return self.extension


class CallerId(models.TextChoices):
    """What the network told about the caller (発信者番号通知)."""

    NUMBER = "number", _("番号通知")
    WITHHELD = "withheld", _("非通知")
    PAYPHONE = "payphone", _("公衆電話")
    UNAVAILABLE = "unavailable", _("通知不可")


class CallQuerySet(models.QuerySet):
    def awaiting_callback(self) -> "CallQuerySet":
        """Missed and abandoned calls from a number we know, not yet called back."""
        return self.filter(
            direction=Call.Direction.IN,
            outcome__in=Call.UNANSWERED_OUTCOMES,
            caller_id=CallerId.NUMBER,
            callback_done_at__isnull=True,
            number_purged_at__isnull=True,
        ).exclude(caller_phone_digits="")


class Call(QuickChoiceDisplay, models.Model):
    """One phone call as the journal keeps it: folded from its events (lifecycle.py)."""

    class Direction(models.TextChoices):
        IN = "in", _("着信")
        OUT = "out", _("発信")

    class Outcome(models.TextChoices):
        RINGING = "ringing", _("呼出中")
        ANSWERED = "answered", _("応答")
        MISSED = "missed", _("不在（応答なし）")
        ABANDONED = "abandoned", _("放棄（応答前に切断）")

    class Resolution(models.TextChoices):
        CALLED_BACK = "called_back", _("折り返し済み")
        CALLED_AGAIN = "called_again", _("再度の電話で応答済み")
        CASE = "case", _("受付済み")

    # Calls the call center did not answer: the answer rate's misses and the call-backs.
    UNANSWERED_OUTCOMES = (Outcome.MISSED, Outcome.ABANDONED)

    pbx = models.ForeignKey(
        Pbx, verbose_name=_("電話システム"), on_delete=models.PROTECT, related_name="calls"
    )
    call_id = models.CharField(_("PBX の通話ID"), max_length=100)
    # What URLs and the page's script name the call by: the PBX's id may be guessable.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    direction = models.CharField(
        _("方向"), max_length=3, choices=Direction.choices, default=Direction.IN
    )
    dial = models.ForeignKey(
        "tickets.Dial",
        verbose_name=_("ダイヤル"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="calls",
    )
    caller_id = models.CharField(
        _("発信者番号通知"), max_length=12, choices=CallerId.choices, blank=True
    )
    caller_phone = models.CharField(_("電話番号"), max_length=30, blank=True)
    caller_phone_digits = models.CharField(_("電話番号（数字のみ）"), max_length=20, blank=True)
    extension = models.CharField(_("内線番号"), max_length=20, blank=True)
    agent = models.CharField(_("PBX のログインID"), max_length=150, blank=True)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("オペレーター"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cti_calls",
        db_index=False,  # cti_call_operator_idx (operator, started_at) serves it
    )
    outcome = models.CharField(
        _("結果"), max_length=10, choices=Outcome.choices, default=Outcome.RINGING
    )
    transfers = models.PositiveSmallIntegerField(_("転送回数"), default=0)
    started_at = models.DateTimeField(_("着信日時"))
    answered_at = models.DateTimeField(_("応答日時"), null=True, blank=True)
    ended_at = models.DateTimeField(_("終話日時"), null=True, blank=True)
    # Bumped by every event that changed the row: the screen pop's "anything new?".
    version = models.PositiveIntegerField(default=0, editable=False)

    # What the call became: a new case, an addition to an existing case, an FAQ answer.
    case = models.ForeignKey(
        "tickets.Case",
        verbose_name=_("案件"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cti_calls",
    )
    case_existing = models.BooleanField(_("既存の案件に追加"), default=False)
    simple_call = models.OneToOneField(
        "faq.SimpleCall",
        verbose_name=_("FAQ での対応"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cti_call",
    )
    dismissed_at = models.DateTimeField(_("着信表示を閉じた日時"), null=True, blank=True)
    callback_done_at = models.DateTimeField(_("折り返しの完了日時"), null=True, blank=True)
    callback_done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("折り返した職員"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    callback_resolution = models.CharField(
        _("折り返しの結果"), max_length=12, choices=Resolution.choices, blank=True
    )
    # Set when the retention period ended and the number was erased.
    number_purged_at = models.DateTimeField(_("電話番号の廃棄日時"), null=True, blank=True)

    objects = CallQuerySet.as_manager()

    class Meta:
        verbose_name = _("通話記録")
        verbose_name_plural = _("通話記録")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["pbx", "call_id"], name="cti_call_once_per_pbx"),
        ]
        indexes = [
            models.Index(fields=["-started_at", "-id"], name="cti_call_started_idx"),
            # The screen pop and "the call this operator is on" (once a second per operator).
            models.Index(fields=["operator", "-started_at"], name="cti_call_operator_idx"),
            # Earlier calls of a number, and its missed calls that a new call answers.
            models.Index(
                fields=["caller_phone_digits", "started_at"],
                name="cti_call_digits_idx",
                condition=~models.Q(caller_phone_digits=""),
            ),
            # The call-back queue (CallQuerySet.awaiting_callback), in its own order.
            models.Index(
                fields=["ended_at", "id"],
                name="cti_call_callback_idx",
                condition=models.Q(
                    direction="in",
                    outcome__in=["missed", "abandoned"],
                    caller_id="number",
                    callback_done_at__isnull=True,
                    number_purged_at__isnull=True,
                ),
            ),
            # Statistics of a period read from the index alone.
            models.Index(
                fields=["started_at"],
                include=[
                    "dial",
                    "direction",
                    "outcome",
                    "answered_at",
                    "ended_at",
                    "simple_call",
                    "case",
                ],
                name="cti_call_stats_idx",
            ),
            # Retention: the rows whose number is still kept.
            models.Index(
                fields=["started_at"],
                name="cti_call_number_kept_idx",
                condition=models.Q(number_purged_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.get_outcome_display()}"

    @property
    def is_ended(self) -> bool:
        return self.ended_at is not None

    @property
    def talk_seconds(self) -> int | None:
        """Seconds from answer to hang-up (the handling time the PBX can see)."""
        if self.answered_at is None or self.ended_at is None:
            return None
        return max(0, int((self.ended_at - self.answered_at).total_seconds()))


class CallEvent(QuickChoiceDisplay, models.Model):
    """One event the PBX posted about a call. No caller number: that is on the call only."""

    class Kind(models.TextChoices):
        NEW = "new", _("着信")
        ANSWERED = "answered", _("応答")
        TRANSFERRED = "transferred", _("転送")
        HANGUP = "hangup", _("終話")
        MISSED = "missed", _("不在（応答なし）")
        ABANDONED = "abandoned", _("放棄")

    call = models.ForeignKey(
        Call, verbose_name=_("通話"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("種類"), max_length=12, choices=Kind.choices)
    # Tells apart events of one kind that may happen more than once (transfers); "" for
    # the others, so that a repeated post of the same event is recognised.
    key = models.CharField(_("イベントキー"), max_length=100, blank=True)
    at = models.DateTimeField(_("日時"))
    extension = models.CharField(_("内線番号"), max_length=20, blank=True)
    agent = models.CharField(_("PBX のログインID"), max_length=150, blank=True)
    received_at = models.DateTimeField(_("受信日時"), default=timezone.now)

    class Meta:
        verbose_name = _("通話イベント")
        verbose_name_plural = _("通話イベント")
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["call", "kind", "key"], name="cti_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.call_id} {self.kind} {self.at:%H:%M:%S}"
