from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Mail through an outbox table, and in-app notices."""

    name = "kobepost.notifications"
    label = "notifications"
    verbose_name = _("通知")
