"""The audit trail (監査ログ): an append-only record of who did what, when, from where.

Rows are only ever inserted (kobepost.audit.services). In production the application's database role
owns no table and may only SELECT and INSERT here (deploy/db/grants.sql): it can neither
UPDATE, DELETE nor TRUNCATE the rows, nor switch off the triggers created by the migration,
which refuse UPDATE and DELETE to everyone else as well. So not even a bug or a person with
SQL access through the application's account can rewrite history
(tests/deploy/test_database_roles.py).
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    LOGIN = "login", _("ログイン")
    LOGOUT = "logout", _("ログアウト")
    LOGIN_FAILED = "login_failed", _("ログイン失敗")
    LOCKOUT = "lockout", _("ログインのロック")
    NETWORK_REFUSED = "network_refused", _("ネットワーク拒否")
    PERMISSION_DENIED = "permission_denied", _("権限なしの拒否")
    PASSWORD_CHANGED = "password_changed", _("パスワード変更")
    TWO_FACTOR_ENROLLED = "otp_enrolled", _("2段階認証の登録")
    TWO_FACTOR_VERIFIED = "otp_verified", _("2段階認証の確認")
    TWO_FACTOR_FAILED = "otp_failed", _("2段階認証の失敗")
    RECORD_VIEW = "record_view", _("個人情報の閲覧")
    RECORD_PRINT = "record_print", _("個人情報の印刷")
    RECORD_EXPORT = "record_export", _("個人情報の出力")
    RECORD_CORRECT = "record_correct", _("個人情報の訂正")
    PHOTO_REDACT = "photo_redact", _("写真のぼかし")
    PHOTO_ORIGINAL_DROPPED = "photo_original_drop", _("写真の原本の削除")
    AUDIT_EXPORT = "audit_export", _("監査ログの出力")
    AUDIT_PURGED = "audit_purged", _("監査ログの廃棄")


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionDenied("audit rows are append-only")

    def delete(self):
        raise PermissionDenied("audit rows are append-only")


class AuditEvent(models.Model):
    occurred_at = models.DateTimeField(_("日時"), default=timezone.now, db_index=True)
    action = models.CharField(_("操作"), max_length=30, choices=AuditAction.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("職員"),
        # An account that appears in the audit trail is deactivated, never deleted.
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    # The ID as typed or as it was at the time: failed logins have no user row, and a
    # breach report must show the name even if the account is renamed later.
    username = models.CharField(_("ID"), max_length=150, blank=True, db_index=True)
    address = models.CharField(_("接続元アドレス"), max_length=64, blank=True, db_index=True)
    path = models.CharField(_("URL"), max_length=500, blank=True)
    record_type = models.CharField(_("記録の種類"), max_length=100, blank=True)
    record_id = models.CharField(_("記録ID"), max_length=64, blank=True)
    fields = models.JSONField(_("項目"), default=list, blank=True)
    detail = models.TextField(_("詳細"), blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        db_table = "kobepost_auditevent"
        verbose_name = _("監査ログ")
        verbose_name_plural = _("監査ログ")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["record_type", "record_id"], name="audit_record_idx"),
            models.Index(fields=["action", "occurred_at"], name="audit_action_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.get_action_display()} {self.username}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise PermissionDenied("audit rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("audit rows are append-only")

    @property
    def fields_text(self) -> str:
        return "、".join(str(name) for name in self.fields or [])
