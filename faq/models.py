from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from faq.fields import ShortTokensField
from faq.normalize import normalize_text, short_tokens
from kobepost.lib.choices import QuickChoiceDisplay

DEFAULT_REVIEW_AFTER_DAYS = 180


def review_after_days() -> int:
    return int(getattr(settings, "FAQ_REVIEW_AFTER_DAYS", DEFAULT_REVIEW_AFTER_DAYS))


class FaqEntry(QuickChoiceDisplay, models.Model):
    """A question callers ask and the answer an operator gives on the spot."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("下書き")
        PUBLISHED = "published", _("公開中")
        ARCHIVED = "archived", _("アーカイブ")

    question = models.CharField(_("質問"), max_length=200)
    answer = models.TextField(_("回答"))
    dial = models.ForeignKey(
        "tickets.Dial", verbose_name=_("ダイヤル"), on_delete=models.PROTECT, related_name="faqs"
    )
    category = models.ForeignKey(
        "tickets.Category",
        verbose_name=_("分類"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="faqs",
    )
    keywords = models.CharField(
        _("キーワード"),
        max_length=300,
        blank=True,
        help_text=_("言い換えや別の呼び方をスペース区切りで（例: 大型ごみ ソファ）。"),
    )
    department = models.ForeignKey(
        "departments.Department",
        verbose_name=_("所管課"),
        on_delete=models.PROTECT,
        related_name="faqs",
    )
    status = models.CharField(
        _("状態"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    last_reviewed_on = models.DateField(_("最終確認日"), null=True, blank=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("最終更新者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Normalised copies for search (see faq/normalize.py); rebuilt on every save.
    search_question = models.TextField(editable=False, default="")
    search_keywords = models.TextField(editable=False, default="")
    search_text = models.TextField(editable=False, default="")
    search_tokens = ShortTokensField(editable=False, default="")

    class Meta:
        verbose_name = _("FAQ")
        verbose_name_plural = _("FAQ")
        ordering = ["dial__sort_order", "question"]
        indexes = [models.Index(fields=["dial", "status"], name="faq_entry_dial_status")]

    def __str__(self) -> str:
        return self.question

    def save(self, *args, **kwargs) -> None:
        self.refresh_search_fields()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {
                *update_fields,
                "search_question",
                "search_keywords",
                "search_text",
                "search_tokens",
            }
        super().save(*args, **kwargs)

    def refresh_search_fields(self) -> None:
        self.search_question = normalize_text(self.question)
        self.search_keywords = normalize_text(self.keywords)
        self.search_text = "\n".join(
            [self.search_question, self.search_keywords, normalize_text(self.answer)]
        )
        self.search_tokens = short_tokens(self.search_text)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def review_due(self) -> bool:
        reviewed = self.last_reviewed_on or timezone.localdate(self.created_at)
        return reviewed <= review_due_before()

    def snapshot(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "keywords": self.keywords,
            "dial": self.dial.code,
            "category": self.category.code if self.category else "",
            "department": self.department.code,
            "status": self.status,
            "last_reviewed_on": self.last_reviewed_on.isoformat() if self.last_reviewed_on else "",
        }


def review_due_before() -> date:
    return timezone.localdate() - timedelta(days=review_after_days())


class FaqRevision(models.Model):
    """One saved state of an entry: who changed it, when, why, and what it said then."""

    entry = models.ForeignKey(
        FaqEntry, verbose_name=_("FAQ"), on_delete=models.CASCADE, related_name="revisions"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("変更者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("変更日時"), default=timezone.now)
    note = models.CharField(_("変更内容"), max_length=300)
    snapshot = models.JSONField(_("変更後の内容"))

    class Meta:
        verbose_name = _("FAQ 変更履歴")
        verbose_name_plural = _("FAQ 変更履歴")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.changed_at:%Y-%m-%d %H:%M} {self.note}"


class FaqProposal(QuickChoiceDisplay, models.Model):
    """A department's suggested wording for one of its entries, awaiting a supervisor."""

    class Status(models.TextChoices):
        PENDING = "pending", _("確認待ち")
        ACCEPTED = "accepted", _("採用")
        REJECTED = "rejected", _("不採用")

    entry = models.ForeignKey(
        FaqEntry, verbose_name=_("FAQ"), on_delete=models.CASCADE, related_name="proposals"
    )
    proposed_question = models.CharField(_("提案する質問"), max_length=200)
    proposed_answer = models.TextField(_("提案する回答"))
    note = models.TextField(_("提案理由"), blank=True)
    status = models.CharField(
        _("状態"), max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提案者"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    proposed_at = models.DateTimeField(_("提案日時"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("判断者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("判断日時"), null=True, blank=True)
    decision_note = models.CharField(_("判断のコメント"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("FAQ 変更提案")
        verbose_name_plural = _("FAQ 変更提案")
        ordering = ["-proposed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.proposed_question}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class SimpleCall(models.Model):
    """A call answered on the spot. No caller data at all: only what was asked."""

    dial = models.ForeignKey(
        "tickets.Dial", verbose_name=_("ダイヤル"), on_delete=models.PROTECT, related_name="+"
    )
    faq_entry = models.ForeignKey(
        FaqEntry,
        verbose_name=_("回答に使った FAQ"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="calls",
        db_index=False,  # faq_call_entry_time (faq_entry, created_at) serves it
    )
    topic = models.CharField(_("用件"), max_length=100, blank=True)
    note = models.CharField(_("メモ"), max_length=300, blank=True)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("対応者"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # faq_call_operator_time (operator, created_at) serves it
    )
    # Indexed by faq_call_stats_idx (created_at INCLUDE ...): a second plain index on a
    # million-row log only cost every logged call another index write.
    created_at = models.DateTimeField(_("受付日時"), default=timezone.now)

    class Meta:
        verbose_name = _("簡易対応の記録")
        verbose_name_plural = _("簡易対応の記録")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["faq_entry", "created_at"], name="faq_call_entry_time"),
            # Statistics of a period: counted per day, dial and FAQ entry from the index alone.
            models.Index(
                fields=["created_at"], include=["dial", "faq_entry"], name="faq_call_stats_idx"
            ),
            models.Index(fields=["operator", "created_at"], name="faq_call_operator_time"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.faq_entry or self.topic}"


class UnansweredSearch(models.Model):
    """A search that found no entry: the gaps report lists what the FAQ is missing."""

    query = models.CharField(_("検索語"), max_length=200)
    normalized_query = models.CharField(max_length=200, editable=False)
    dial = models.ForeignKey(
        "tickets.Dial",
        verbose_name=_("ダイヤル"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    searched_at = models.DateTimeField(_("検索日時"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("該当なしの検索")
        verbose_name_plural = _("該当なしの検索")
        ordering = ["-searched_at"]

    def __str__(self) -> str:
        return self.query
