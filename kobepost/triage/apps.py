from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TriageConfig(AppConfig):
    """Supervisors triage KOBE ぽすと posts: accept, redact photos, forward as cases."""

    name = "kobepost.triage"
    label = "triage"
    verbose_name = _("KOBE ぽすとの振り分け")
