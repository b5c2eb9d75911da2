from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils.translation import gettext_lazy as _

from tickets.routing_cache import RoutingModel


def split_addresses(text: str) -> list[str]:
    return [part for part in text.replace(",", "\n").replace(";", "\n").split() if part]


def validate_address_list(text: str) -> None:
    for address in split_addresses(text):
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(
                _("%(address)s はメールアドレスの形式ではありません。"),
                params={"address": address},
            ) from None


class Department(RoutingModel, models.Model):
    """A city department (所管課) that receives and answers cases."""

    code = models.CharField(_("課コード"), max_length=20, unique=True)
    name = models.CharField(_("課名"), max_length=100, unique=True)
    notification_emails = models.TextField(
        _("通知先メールアドレス"),
        blank=True,
        validators=[validate_address_list],
        help_text=_("1行に1件。新しい案件や督促の通知がここに送られます。"),
    )
    phone = models.CharField(_("電話番号"), max_length=30, blank=True)
    active = models.BooleanField(_("有効"), default=True)

    class Meta:
        verbose_name = _("所管課")
        verbose_name_plural = _("所管課")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def email_list(self) -> list[str]:
        return split_addresses(self.notification_emails)


class Contractor(models.Model):
    """A repair contractor (修理委託業者) that departments send work to."""

    name = models.CharField(_("業者名"), max_length=100)
    email = models.EmailField(_("メールアドレス"))
    phone = models.CharField(_("電話番号"), max_length=30, blank=True)
    departments = models.ManyToManyField(
        Department, verbose_name=_("担当する所管課"), related_name="contractors"
    )
    categories = models.ManyToManyField(
        "tickets.Category",
        verbose_name=_("担当する分類"),
        related_name="contractors",
        blank=True,
    )
    active = models.BooleanField(_("有効"), default=True)

    class Meta:
        verbose_name = _("修理委託業者")
        verbose_name_plural = _("修理委託業者")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CannedReply(models.Model):
    """A reply text a department uses again and again for one category (定型文)."""

    category = models.ForeignKey(
        "tickets.Category",
        verbose_name=_("分類"),
        on_delete=models.CASCADE,
        related_name="canned_replies",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("所管課"),
        on_delete=models.CASCADE,
        related_name="canned_replies",
        null=True,
        blank=True,
        help_text=_("空欄の場合は、その分類を担当するすべての課で使えます。"),
    )
    title = models.CharField(_("見出し"), max_length=100)
    text = models.TextField(_("本文"))
    sort_order = models.PositiveSmallIntegerField(_("表示順"), default=0)
    active = models.BooleanField(_("有効"), default=True)

    class Meta:
        verbose_name = _("回答の定型文")
        verbose_name_plural = _("回答の定型文")
        ordering = ["category", "sort_order", "title", "pk"]

    def __str__(self) -> str:
        return f"{self.category.name} / {self.title}"


class RelatedAgency(models.Model):
    """An organisation outside the city that cases are handed to (関係機関)."""

    name = models.CharField(_("機関名"), max_length=100, unique=True)
    email = models.EmailField(_("メールアドレス"), blank=True)
    phone = models.CharField(_("電話番号"), max_length=30, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("表示順"), default=0)
    active = models.BooleanField(_("有効"), default=True)

    class Meta:
        verbose_name = _("関係機関")
        verbose_name_plural = _("関係機関")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


def attachment_folder(case_id: int) -> str:
    """Where every file of one case lives: disposal removes the folder with whatever is in it."""
    return f"case-attachments/{case_id}/"


def attachment_path(instance: "CaseAttachment", filename: str) -> str:
    # Never the uploaded name: it may carry a person's name and must not reach the disk.
    import uuid

    suffix = ".jpg" if instance.is_image else ""
    return f"{attachment_folder(instance.case_id)}{uuid.uuid4().hex}{suffix}"


class CaseAttachment(models.Model):
    """A file a department attached to a case (e.g. a photo after the repair)."""

    case = models.ForeignKey(
        "tickets.Case",
        verbose_name=_("案件"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("ファイル"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("元のファイル名"), max_length=200)
    content_type = models.CharField(_("種類"), max_length=100)
    size = models.PositiveIntegerField(_("サイズ（バイト）"))
    is_image = models.BooleanField(_("写真"), default=False)
    description = models.CharField(_("説明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        "kobepost.User",
        verbose_name=_("添付した職員"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("添付日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("案件の添付ファイル")
        verbose_name_plural = _("案件の添付ファイル")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class OverdueReminder(models.Model):
    """One reminder mail per department and day: the daily job may run again safely."""

    department = models.ForeignKey(
        Department, verbose_name=_("所管課"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("日付"))
    case_count = models.PositiveIntegerField(_("期限超過の件数"))
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("期限超過の督促")
        verbose_name_plural = _("期限超過の督促")
        constraints = [
            models.UniqueConstraint(fields=["department", "day"], name="overdue_once_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.department} {self.day}"
