from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CtiConfig(AppConfig):
    name = "kobepost.cti"
    label = "cti"
    verbose_name = _("電話システム連携（CTI）")
