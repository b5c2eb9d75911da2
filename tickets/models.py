from django.db import models
from django.utils.translation import gettext_lazy as _


class Dial(models.Model):
    """One of the call center's three phone lines (ダイヤル)."""

    code = models.SlugField(_("コード"), max_length=30, unique=True)
    name = models.CharField(_("ダイヤル名"), max_length=100)
    phone = models.CharField(_("電話番号"), max_length=30, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("表示順"), default=0)

    class Meta:
        verbose_name = _("ダイヤル")
        verbose_name_plural = _("ダイヤル")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """A kind of case within a dial, and the department it is routed to."""

    dial = models.ForeignKey(
        Dial, verbose_name=_("ダイヤル"), on_delete=models.PROTECT, related_name="categories"
    )
    code = models.SlugField(_("コード"), max_length=40, unique=True)
    name = models.CharField(_("分類名"), max_length=100)
    department = models.ForeignKey(
        "departments.Department",
        verbose_name=_("所管課"),
        on_delete=models.PROTECT,
        related_name="categories",
        help_text=_("この分類の案件を受け付ける課（振り分け表）。"),
    )
    sort_order = models.PositiveSmallIntegerField(_("表示順"), default=0)
    active = models.BooleanField(_("有効"), default=True)

    class Meta:
        verbose_name = _("分類")
        verbose_name_plural = _("分類（振り分け表）")
        ordering = ["dial__sort_order", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["dial", "name"], name="category_unique_name_per_dial")
        ]

    def __str__(self) -> str:
        return f"{self.dial.name} / {self.name}"
