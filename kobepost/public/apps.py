from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    """KOBE ぽすと, the citizen side: accounts, posts, photos, the public pages and Open311."""

    name = "kobepost.public"
    label = "public"
    verbose_name = _("KOBE ぽすと")
