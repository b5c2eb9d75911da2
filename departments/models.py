from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils.translation import gettext_lazy as _


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


class Department(models.Model):
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
