from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallcenterConfig(AppConfig):
    name = "callcenter"
    verbose_name = _("コールセンター")
