from importlib import import_module

from django.apps import AppConfig, apps
from django.contrib.admin.apps import SimpleAdminConfig
from django.utils.module_loading import module_has_submodule
from django.utils.translation import gettext_lazy as _


class SiteConfig(AppConfig):
    """What the whole site shares: base templates' tags (quick_dates) and site-wide commands.

    The label "kobepost" belongs to the staff accounts (kobepost.accounts), so this one is "site".
    """

    name = "kobepost"
    label = "site"
    verbose_name = _("サイト共通")


class StaffAdminConfig(SimpleAdminConfig):
    """The Django admin, discovering every app's admin module except django-leaflet's.

    django-leaflet's admin module imports GeoDjango, which needs the GDAL C library. We
    keep map points as plain latitude/longitude columns and only use django-leaflet's
    assets and template tags, so that module is skipped instead of requiring GDAL.
    """

    def ready(self) -> None:
        super().ready()
        for app_config in apps.get_app_configs():
            if app_config.name == "leaflet":
                continue
            if module_has_submodule(app_config.module, "admin"):
                import_module(f"{app_config.name}.admin")
