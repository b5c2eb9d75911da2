"""Corrections of a case (訂正): what may be corrected, how a value is written down, and who
sees the values before and after.

A correction changes what the case says about the caller or the place, so the values
before and after are personal data: they are kept in ``DataCorrection`` rows (erased with
the case when its retention ends) and never in the timeline's note, a mail or a notice.
The timeline line says which fields changed and why; the values are shown beside it only
to the people who may see the case's personal data on screen.
"""

from collections import defaultdict
from collections.abc import Iterable
from typing import cast

from django.db.models import Field
from django.utils.translation import gettext_lazy as _

from kobepost.accounts.models import User
from kobepost.privacy.models import DataCorrection
from tickets.geo.places import WARD_NAMES_JA
from tickets.models import Case, CaseEvent, Category

# Correctable fields in the order the screen and the timeline list them. The point
# (latitude and longitude) is one item: half a point is never a correction.
CORRECTABLE_FIELDS = (
    "caller_name",
    "caller_kana",
    "caller_phone",
    "category",
    "title",
    "details",
    "location",
    "address",
    "ward",
)
LOCATION = "location"


def field_label(name: str) -> str:
    if name == LOCATION:
        return str(_("地点（緯度・経度）"))
    return str(cast(Field, Case._meta.get_field(name)).verbose_name)


def value_text(name: str, value: object) -> str:
    """A value as the correction record keeps it: the words a person reads, in Japanese
    (the record outlives the UI language of whoever corrected it)."""
    if value is None or value == "":
        return ""
    if name == "ward":
        return WARD_NAMES_JA.get(str(value), str(value))
    if name == "category":
        return value.name if isinstance(value, Category) else str(value)
    if name == LOCATION:
        latitude, longitude = cast(tuple[float | None, float | None], value)
        if latitude is None or longitude is None:
            return ""
        return f"{latitude:.6f}, {longitude:.6f}"
    return str(value)


def current_value(case: Case, name: str) -> object:
    if name == LOCATION:
        return (case.latitude, case.longitude)
    return getattr(case, name)


def correction_values_visible_to(user: User, case: Case) -> bool:
    """The values before and after: whoever may see the case's personal data on screen.

    That is the call center and the department that owns the case now. Paper (the print
    view), mail, notices and exports never carry them.
    """
    if user.is_callcenter:
        return True
    return user.is_department_staff and user.department_id == case.department_id


def with_correction_rows(events: Iterable[CaseEvent], *, show_values: bool) -> list[CaseEvent]:
    """The timeline as a list, each correction line carrying its rows (``correction_rows``).

    One query, and only when the timeline has a correction that may be shown: a case page
    without corrections runs exactly the queries it ran before.
    """
    events = list(events)
    corrected = [event.pk for event in events if event.kind == CaseEvent.Kind.CORRECTION]
    rows: dict[int | None, list[DataCorrection]] = defaultdict(list)
    if show_values and corrected:
        for row in DataCorrection.objects.filter(event__in=corrected).order_by("pk"):
            row.label = field_label(row.field)  # type: ignore[attr-defined]  # shown by the template
            rows[row.event_id].append(row)
    for event in events:
        event.correction_rows = rows.get(event.pk, [])  # type: ignore[attr-defined]  # shown by the template
    return events
