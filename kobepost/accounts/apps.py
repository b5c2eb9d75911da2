from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Staff accounts, sign-in, two-factor and the network rules.

    Its label stays "kobepost": the user model (AUTH_USER_MODEL = "kobepost.User") and the
    migration history of the staff accounts were created under it, and moving a swappable user
    model to another label is not supported by Django."""

    name = "kobepost.accounts"
    label = "kobepost"
    verbose_name = _("職員とサインイン")
