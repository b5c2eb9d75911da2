"""Retention (保存期間), disposal (廃棄) and legal holds, and citizens' data requests.

A disposal batch and its items keep only what proves the disposal happened (reference
numbers, counts, the retention class, who approved it, when): never a name, phone number or
text of a record.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RetentionClass(models.Model):
    """A retention period (保存年限) an administrator assigns to a dial, a category or a
    KOBE ぽすと post category."""

    # At least a year: log files are kept 90 days (deploy/README.md 「ログの保存期間」), and
    # a shorter class would let the logs outlive the records they mention.
    MIN_YEARS = 1

    name = models.CharField(_("名称"), max_length=100, unique=True)
    years = models.PositiveSmallIntegerField(
        _("保存年限（年）"),
        help_text=_("完結した日の属する年度の翌年度4月1日から数えます。"),
        validators=[MinValueValidator(MIN_YEARS)],
    )

    class Meta:
        db_table = "tickets_retentionclass"
        verbose_name = _("保存年限の区分")
        verbose_name_plural = _("保存年限の区分")
        ordering = ["years", "name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.years}年）"


class DisposalBatch(models.Model):
    """Expired records listed for disposal; erased only when an administrator approves."""

    class Status(models.TextChoices):
        PENDING = "pending", _("承認待ち")
        DISPOSED = "disposed", _("廃棄済")

    status = models.CharField(
        _("状態"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("作成日時"), default=timezone.now)
    approved_at = models.DateTimeField(_("承認・廃棄日時"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("承認者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    case_count = models.PositiveIntegerField(_("案件数"), default=0)
    post_count = models.PositiveIntegerField(_("投稿数"), default=0)
    citizen_count = models.PositiveIntegerField(_("市民アカウント数"), default=0)
    call_note_count = models.PositiveIntegerField(_("消去した簡易対応のメモ数"), default=0)
    call_number_count = models.PositiveIntegerField(_("消去した通話記録の電話番号数"), default=0)
    file_count = models.PositiveIntegerField(_("削除したファイル数"), default=0)
    skipped_count = models.PositiveIntegerField(_("保留により除外した数"), default=0)
    # Files of the erased records still to be removed from MEDIA_ROOT: written with the
    # erasure and emptied once the files are gone after the commit (generated names only:
    # ``posts/<random>.jpg``, ``case-attachments/<case id>/``).
    files_to_delete = models.JSONField(default=list, blank=True, editable=False)

    class Meta:
        db_table = "tickets_disposalbatch"
        verbose_name = _("廃棄の記録")
        verbose_name_plural = _("廃棄の記録")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One list waits for approval at a time: the daily job adds to it.
            models.UniqueConstraint(
                fields=["status"],
                condition=models.Q(status="pending"),
                name="disposal_one_pending_batch",
            )
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d} {self.get_status_display()}"


class DisposalItem(models.Model):
    """One record in a batch, named without personal data (受付番号, 投稿番号, ダイヤル名).

    The notes of logged FAQ calls are listed per dial (one item for all of a dial's expired
    notes): a call has no number anyone would look up, and there are far too many.
    """

    class Kind(models.TextChoices):
        CASE = "case", _("案件")
        POST = "post", _("KOBE ぽすと投稿")
        CITIZEN = "citizen", _("市民アカウント")
        CALL_NOTES = "call_notes", _("簡易対応のメモ")
        CALL_NUMBERS = "calls", _("通話記録の電話番号")

    class Outcome(models.TextChoices):
        LISTED = "listed", _("廃棄予定")
        DISPOSED = "disposed", _("廃棄済")
        HELD = "held", _("保留のため除外")

    batch = models.ForeignKey(DisposalBatch, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("種類"), max_length=10, choices=Kind.choices)
    record_id = models.PositiveBigIntegerField(_("記録ID"))
    label = models.CharField(_("記録"), max_length=40, help_text=_("受付番号など"))
    expired_on = models.DateField(_("保存期間の満了日"), null=True, blank=True)
    # As the class was named when listed: a class renamed or removed later must not change
    # the record of what a disposal followed.
    retention_class = models.CharField(_("保存年限の区分"), max_length=120, blank=True, default="")
    outcome = models.CharField(
        _("結果"), max_length=10, choices=Outcome.choices, default=Outcome.LISTED
    )

    class Meta:
        db_table = "tickets_disposalitem"
        verbose_name = _("廃棄対象")
        verbose_name_plural = _("廃棄対象")
        ordering = ["kind", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "kind", "record_id"], name="disposal_item_once_per_batch"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.label}"


class LegalHold(models.Model):
    """A record that must not be disposed (訴訟・情報公開請求・開示等の請求 …)."""

    case = models.ForeignKey(
        "tickets.Case",
        verbose_name=_("案件"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="legal_holds",
    )
    post = models.ForeignKey(
        "public.Post",
        verbose_name=_("投稿"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="legal_holds",
    )
    citizen = models.ForeignKey(
        "public.Citizen",
        verbose_name=_("市民アカウント"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="legal_holds",
    )
    call = models.ForeignKey(
        "cti.Call",
        verbose_name=_("通話記録"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="legal_holds",
    )
    data_request = models.ForeignKey(
        "privacy.DataRequest",
        verbose_name=_("開示等の請求"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="holds",
    )
    reason = models.CharField(_("理由"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("設定者"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("設定日時"), default=timezone.now)
    released_at = models.DateTimeField(_("解除日時"), null=True, blank=True)

    class Meta:
        db_table = "tickets_legalhold"
        verbose_name = _("廃棄の保留（リーガルホールド）")
        verbose_name_plural = _("廃棄の保留（リーガルホールド）")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                # Exactly one of the four records is held.
                condition=(
                    models.Q(case__isnull=False, post__isnull=True, citizen__isnull=True)
                    & models.Q(call__isnull=True)
                    | models.Q(case__isnull=True, post__isnull=False, citizen__isnull=True)
                    & models.Q(call__isnull=True)
                    | models.Q(case__isnull=True, post__isnull=True, citizen__isnull=False)
                    & models.Q(call__isnull=True)
                    | models.Q(case__isnull=True, post__isnull=True, citizen__isnull=True)
                    & models.Q(call__isnull=False)
                ),
                name="legal_hold_exactly_one_record",
            )
        ]

    def __str__(self) -> str:
        return self.reason

    @property
    def is_active(self) -> bool:
        return self.released_at is None


class DataRequest(models.Model):
    """A citizen's request to disclose, correct or stop using their data (開示・訂正・利用停止)."""

    class Kind(models.TextChoices):
        DISCLOSURE = "disclosure", _("開示")
        CORRECTION = "correction", _("訂正")
        SUSPENSION = "suspension", _("利用停止")

    kind = models.CharField(_("請求の種類"), max_length=12, choices=Kind.choices)
    requester_name = models.CharField(_("請求者の氏名"), max_length=100, blank=True)
    requester_kana = models.CharField(_("氏名カナ"), max_length=100, blank=True)
    requester_phone = models.CharField(_("電話番号"), max_length=30, blank=True)
    requester_email = models.EmailField(_("メールアドレス"), blank=True)
    received_on = models.DateField(_("受付日"), default=timezone.localdate)
    note = models.TextField(_("メモ"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("受付者"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登録日時"), default=timezone.now)
    closed_at = models.DateTimeField(_("完了日時"), null=True, blank=True)

    class Meta:
        db_table = "tickets_datarequest"
        verbose_name = _("開示等の請求")
        verbose_name_plural = _("開示等の請求")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class DataCorrection(models.Model):
    """One corrected field of a record, with the value before and after (訂正の履歴).

    Written by every correction: a citizen's request (開示等の請求, ``data_request``) or
    staff putting right what was typed wrong (``reason``). For a case, ``event`` is the
    timeline line the correction belongs to, which shows the values to those allowed.
    """

    data_request = models.ForeignKey(
        DataRequest,
        verbose_name=_("請求"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
    )
    record_type = models.CharField(_("記録の種類"), max_length=100)
    record_id = models.CharField(_("記録ID"), max_length=64)
    field = models.CharField(_("項目"), max_length=50)
    old_value = models.TextField(_("訂正前"), blank=True)
    new_value = models.TextField(_("訂正後"), blank=True)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("訂正者"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    corrected_at = models.DateTimeField(_("訂正日時"), default=timezone.now)
    reason = models.TextField(_("訂正の理由"), blank=True)
    event = models.ForeignKey(
        "tickets.CaseEvent",
        verbose_name=_("案件の経過"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="corrections",
    )

    class Meta:
        db_table = "tickets_datacorrection"
        verbose_name = _("訂正の記録")
        verbose_name_plural = _("訂正の記録")
        ordering = ["corrected_at", "pk"]

    def __str__(self) -> str:
        return f"{self.record_type} {self.record_id} {self.field}"
