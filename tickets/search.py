"""Finding cases: free text, phone in any spelling, kana, reference; and cases nearby."""

import datetime
import math
import re
import unicodedata

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from tickets.models import Case
from tickets.normalize import (
    is_katakana,
    normalize_kana,
    normalize_search_text,
    phone_digits,
)

REFERENCE_PATTERN = re.compile(r"^(\d{4})-(\d{1,6})$")
PHONE_LIKE = re.compile(r"^[\d\s\-‐－ー()（）+]+$")
METRES_PER_DEGREE_LAT = 111_320.0


def nearby_radius_m() -> float:
    """settings.NEARBY_CASE_RADIUS_M (metres), 200 unless the project sets it."""
    return float(getattr(settings, "NEARBY_CASE_RADIUS_M", 200))


def nearby_days() -> int:
    """settings.NEARBY_CASE_DAYS, 30 unless the project sets it."""
    return int(getattr(settings, "NEARBY_CASE_DAYS", 30))


def _text_condition(word: str) -> Q:
    """Title, details and caller name containing ``word`` (never the health symptoms)."""
    if connection.vendor == "postgresql" and len(word) <= 2:
        # Trigrams cannot index 1–2 characters: the character/pair tokens (GIN) can.
        return Q(search_tokens__contains=[normalize_search_text(word)])
    # 3+ characters: UPPER(col) LIKE UPPER(...) served by the pg_trgm GIN indexes.
    return Q(title__icontains=word) | Q(details__icontains=word) | Q(caller_name__icontains=word)


def search_cases(cases: QuerySet[Case], query: str) -> QuerySet[Case]:
    """Cases matching every word of ``query``: reference, phone, kana or free text."""
    query = unicodedata.normalize("NFKC", query or "").strip()
    if not query:
        return cases
    reference = REFERENCE_PATTERN.match(query)
    if reference:
        year, number = reference.groups()
        return cases.filter(reference=f"{year}-{int(number):06d}")
    if PHONE_LIKE.match(query):
        digits = phone_digits(query)
        if len(digits) >= 10:
            return cases.filter(caller_phone_digits=digits)
        if len(digits) >= 4:
            return cases.filter(caller_phone_digits__contains=digits)
    for word in query.split():
        condition = _text_condition(word)
        kana = normalize_kana(word)
        # 1–2 characters on PostgreSQL: the tokens already include the caller's kana.
        uses_tokens = connection.vendor == "postgresql" and len(word) <= 2
        if kana and is_katakana(kana) and not uses_tokens:
            condition |= Q(caller_kana__contains=kana)
        cases = cases.filter(condition)
    return cases


def nearby_open_cases(
    *,
    latitude: float,
    longitude: float,
    category_id: int | None,
    radius_m: float | None = None,
    days: int | None = None,
    queryset: QuerySet[Case] | None = None,
    limit: int = 10,
) -> list[tuple[Case, float]]:
    """Open cases of the category within the radius and period, nearest first.

    A bounding box in SQL (index on latitude, longitude) narrows the rows; the exact
    great-circle distance is then checked in Python on the few that remain.
    """
    radius_m = radius_m if radius_m is not None else nearby_radius_m()
    days = days if days is not None else nearby_days()
    delta_lat = radius_m / METRES_PER_DEGREE_LAT
    cos_lat = max(math.cos(math.radians(latitude)), 0.01)
    delta_lon = radius_m / (METRES_PER_DEGREE_LAT * cos_lat)
    cases = (queryset if queryset is not None else Case.objects.all()).open()
    cases = cases.filter(
        latitude__range=(latitude - delta_lat, latitude + delta_lat),
        longitude__range=(longitude - delta_lon, longitude + delta_lon),
        received_at__gte=timezone.now() - datetime.timedelta(days=days),
    )
    if category_id:
        cases = cases.filter(category_id=category_id)
    found = []
    for case in cases.for_list()[:200]:
        distance = case.distance_m(latitude, longitude)
        if distance is not None and distance <= radius_m:
            found.append((case, distance))
    found.sort(key=lambda pair: pair[1])
    return found[:limit]
