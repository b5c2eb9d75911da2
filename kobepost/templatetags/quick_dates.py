"""Date filters for long tables.

``{{ value|date:"Y/m/d H:i" }}`` re-reads its format string character by character on
every call; 50 rows of a case list spent about 2 ms of a 20 ms page there. These filters
write the same text with ``strftime`` (the formats have no names of months or weekdays, so
nothing depends on the language).
"""

import datetime

from django import template

register = template.Library()


@register.filter(expects_localtime=True)
def minute(value: datetime.datetime | None) -> str:
    """2026/04/01 09:05, in the local time zone: ``date:"Y/m/d H:i"``."""
    return value.strftime("%Y/%m/%d %H:%M") if value else ""
