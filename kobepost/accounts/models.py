from collections.abc import Callable
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from kobepost.lib.choices import QuickChoiceDisplay

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise


class User(QuickChoiceDisplay, AbstractUser):
    """A staff account: call-center operators and supervisors, city staff, admins.

    Citizens of KOBE Post have accounts of their own, never this model.
    """

    class Role(models.TextChoices):
        OPERATOR = "operator", _("オペレーター")
        SUPERVISOR = "supervisor", _("スーパーバイザー")
        DEPARTMENT_STAFF = "department", _("所管課職員")
        ADMIN = "admin", _("システム管理者")

    role = models.CharField(_("役割"), max_length=20, choices=Role.choices)
    department = models.ForeignKey(
        "departments.Department",
        verbose_name=_("所属課"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )
    display_name = models.CharField(_("表示名"), max_length=100, blank=True)

    # Set on the signed-in user of each request by django_otp's OTPMiddleware.
    is_verified: Callable[[], bool]

    class Meta:
        verbose_name = _("職員アカウント")
        verbose_name_plural = _("職員アカウント")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    def clean(self) -> None:
        super().clean()
        if self.role == self.Role.DEPARTMENT_STAFF and self.department_id is None:
            raise ValidationError({"department": _("所管課職員には所属課が必要です。")})

    @property
    def is_operator(self) -> bool:
        return self.role == self.Role.OPERATOR

    @property
    def is_supervisor(self) -> bool:
        return self.role == self.Role.SUPERVISOR

    @property
    def is_callcenter(self) -> bool:
        """Operators and supervisors: the outsourced call center."""
        return self.role in (self.Role.OPERATOR, self.Role.SUPERVISOR)

    @property
    def is_department_staff(self) -> bool:
        return self.role == self.Role.DEPARTMENT_STAFF

    @property
    def is_system_admin(self) -> bool:
        return self.role == self.Role.ADMIN


def staff_roles() -> "list[tuple[str, StrPromise]]":
    return User.Role.choices


class TwoFactorRequirement(models.Model):
    """Roles whose members must confirm a one-time code (TOTP) after the password."""

    role = models.CharField(
        _("役割"),
        max_length=20,
        unique=True,
        choices=staff_roles,
    )

    class Meta:
        verbose_name = _("2段階認証の必須設定")
        verbose_name_plural = _("2段階認証の必須設定")
        ordering = ["role"]

    def __str__(self) -> str:
        return self.get_role_display()
