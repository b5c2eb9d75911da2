"""The details a post category asks for (Open311 service attributes), checked and normalised.

An app sends them as ``attribute[code]=value`` (``attribute[code][]=key`` once per choice of
a multi-valued list, GeoReport v2). What is kept is plain data on the post
(``Post.attributes``): a string, a number, an ISO date and time, a choice's key or a list of
keys. A refusal names the attribute and the rule, in English like every Open311 error.
"""

import math
import re
from collections.abc import Iterable

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from kobepost.lib.xmltext import xml_safe
from kobepost.public.models import PostCategory, ServiceAttribute

Datatype = ServiceAttribute.Datatype
MAX_LENGTH: dict[str, int] = {Datatype.STRING: 200, Datatype.TEXT: 1000}
_FIELD = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


class AttributeRefused(ValueError):
    """A submitted attribute breaks its definition; ``str()`` says which and why."""


def submitted_attributes(items: Iterable[tuple[str, list[str]]]) -> dict[str, list[str]]:
    """``attribute[code]`` and ``attribute[code][]`` fields of a form, by code."""
    found: dict[str, list[str]] = {}
    for key, values in items:
        match = _FIELD.match(key)
        if match:
            found.setdefault(match.group(1), []).extend(values)
    return found


def _one(attribute: ServiceAttribute, values: list[str]) -> str:
    if len(values) > 1:
        raise AttributeRefused(f"attribute[{attribute.code}] takes one value")
    return values[0]


def _value(attribute: ServiceAttribute, values: list[str]):
    keys = {key for key, _name in attribute.value_choices()}
    if attribute.datatype == Datatype.MULTI:
        unknown = [v for v in values if v not in keys]
        if unknown:
            raise AttributeRefused(
                f"attribute[{attribute.code}]: {unknown[0]!r} is not one of its values"
            )
        return list(dict.fromkeys(values))
    value = _one(attribute, values)
    if attribute.datatype == Datatype.SINGLE:
        if value not in keys:
            raise AttributeRefused(
                f"attribute[{attribute.code}]: {value!r} is not one of its values"
            )
        return value
    if attribute.datatype == Datatype.NUMBER:
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise AttributeRefused(f"attribute[{attribute.code}] must be a number")
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if attribute.datatype == Datatype.DATETIME:
        try:
            parsed = parse_datetime(value.replace(" ", "+"))
            if parsed is not None and timezone.is_naive(parsed):
                parsed = timezone.make_aware(parsed)
            # Well formed but impossible (month 13) or out of range in Japan time: refused.
            shown = timezone.localtime(parsed).isoformat(timespec="seconds") if parsed else None
        except (ValueError, OverflowError):
            shown = None
        if shown is None:
            raise AttributeRefused(f"attribute[{attribute.code}] must be an ISO 8601 date and time")
        return shown
    limit = MAX_LENGTH.get(attribute.datatype, MAX_LENGTH[Datatype.STRING])
    if len(value) > limit:
        raise AttributeRefused(f"attribute[{attribute.code}] is longer than {limit} characters")
    return value


def attributes_clean(category: PostCategory, submitted: dict[str, list[str]]) -> dict:
    """The category's details from what was submitted: required ones present, each value
    of its type (a choice among the listed keys), unknown codes refused so that a typo in
    an app is found at once instead of silently dropped."""
    attributes = {a.code: a for a in category.attributes.all()}
    unknown = sorted(set(submitted) - set(attributes))
    if unknown:
        raise AttributeRefused(
            f"attribute[{unknown[0]}] is not an attribute of service_code {category.code}"
        )
    cleaned = {}
    for code, attribute in attributes.items():
        values = [xml_safe(v).strip() for v in submitted.get(code, [])]
        values = [v for v in values if v]
        if not values:
            if attribute.required:
                raise AttributeRefused(f"attribute[{code}] is required")
            continue
        cleaned[code] = _value(attribute, values)
    return cleaned
