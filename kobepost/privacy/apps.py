from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """Privacy and records: retention classes, disposal, legal holds and data requests."""

    name = "kobepost.privacy"
    label = "privacy"
    verbose_name = _("保存期間と個人情報")
