"""Kobe's nine wards (区), by their municipal code."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Ward(models.TextChoices):
    HIGASHINADA = "28101", _("東灘区")
    NADA = "28102", _("灘区")
    HYOGO = "28105", _("兵庫区")
    NAGATA = "28106", _("長田区")
    SUMA = "28107", _("須磨区")
    TARUMI = "28108", _("垂水区")
    KITA = "28109", _("北区")
    CHUO = "28110", _("中央区")
    NISHI = "28111", _("西区")
