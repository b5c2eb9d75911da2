from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """The audit trail: who saw or changed what, when, from where."""

    name = "kobepost.audit"
    label = "audit"
    verbose_name = _("監査ログ")
