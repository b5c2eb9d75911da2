from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    """Statistics: the dashboard, charts and the monthly report."""

    name = "kobepost.stats"
    label = "stats"
    verbose_name = _("統計")
