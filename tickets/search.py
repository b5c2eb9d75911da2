"""Finding cases: free text, phone in any spelling, kana, reference; and cases nearby."""

import datetime
import math
import re
import unicodedata

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from kobepost.lib.cache import cached_or_computed
from kobepost.lib.textfold import fold
from tickets.models import Case, CaseQuerySet
from tickets.normalize import phone_digits

# A word search with at most this many matches is answered from the matches themselves: their
# ids first, through the token or trigram index, then only those rows ordered. See
# few_matches_first.
FEW_MATCHES = 1000
# How long a search is remembered to have more than FEW_MATCHES matches, so that its next
# pages (次へ) and the next operator who types the same word skip the probe. A word stays
# common as cases only accumulate (disposal takes the oldest a year at a time); were it to
# become rare within the hour, the usual plan would still give the same rows, only slower.
COMMON_SEARCH_SECONDS = 3600
# What the cache keeps for a common search: the ids of a rare one change with every new case.
MANY = "many"
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
    """Title, details, caller name or kana containing ``word`` (never the health symptoms).

    Both sides are in the search spelling (kobepost.lib.textfold.fold), so width, hiragana or
    katakana and case do not matter: こばやし finds コバヤシ, ｶﾝﾎﾞﾂ finds カンボツ.
    """
    normalized = fold(word)
    if connection.vendor == "postgresql" and len(normalized) <= 2:
        # Trigrams cannot index 1–2 characters: the character/pair tokens (GIN) can.
        return Q(search_tokens__contains=[normalized])
    # 3+ characters: LIKE served by the pg_trgm GIN index on search_text.
    return Q(search_text__contains=normalized)


def phone_query_digits(query: str) -> str:
    """The digits of a query that looks up a phone number (4+ digits in a phone's spelling
    and nothing else), or "" for any other query."""
    query = unicodedata.normalize("NFKC", query or "").strip()
    if REFERENCE_PATTERN.match(query) or not PHONE_LIKE.match(query):
        return ""
    digits = phone_digits(query)
    return digits if len(digits) >= 4 else ""


def is_word_search(query: str) -> bool:
    """True when ``query`` searches the text (not a reference, not a phone number)."""
    query = unicodedata.normalize("NFKC", query or "").strip()
    return bool(query) and not REFERENCE_PATTERN.match(query) and not phone_query_digits(query)


def few_matches_first(cases: CaseQuerySet, *, limit: int | None = None) -> CaseQuerySet:
    """``cases`` narrowed to the ids of their matches when there are at most ``limit``.

    The planner knows the frequency of common tokens only (ANALYZE keeps the most common
    ones). Any other word, rare or absent (鰻, 鰻丼), is estimated at ~0.5 % of the archive,
    so with ORDER BY received_at LIMIT 51 it walks the date index backward, expecting 51
    matches soon, and reads the whole archive when there are none: 1.3 s on 200,000 cases,
    growing with the archive. Here a probe asks for at most ``limit + 1`` matching ids in a
    materialised CTE: its plan is made for all the matches (the token or trigram index,
    never a walk of the date index) and the LIMIT outside only stops it early. When there
    are few, the page is ordered from those ids alone (a few hundred rows, whatever the
    archive's size); when there are many, the word is common and the usual plan finds a
    page of matches within the first rows of the date index, and that verdict is kept for
    COMMON_SEARCH_SECONDS, so paging on does not probe again. Same rows, same order: the
    conditions and the ordering are those of ``cases``; only the plan changes. (SQLite runs the
    same statements, so both databases make the same number of queries.)
    """
    limit = FEW_MATCHES if limit is None else limit
    sql, params = cases.order_by().values("pk").query.sql_with_params()

    def probe() -> list[int] | str:
        with connection.cursor() as cursor:
            cursor.execute(
                # Django's own compiled query; every value is a parameter.
                f"WITH matches AS MATERIALIZED ({sql}) SELECT * FROM matches LIMIT %s",  # noqa: S608  # nosec B608
                [*params, limit + 1],
            )
            ids = [row[0] for row in cursor.fetchall()]
        return MANY if len(ids) > limit else ids

    # The probe of a common word is the one cost that grows with the archive (its bitmap
    # holds every match: 27 ms for 74,000 matches of 2,000,000 cases), so its verdict is
    # kept. The key stands for the whole statement (conditions, the user's scope) and the
    # limit; keyed with the secret, as the words may be a caller's name: a plain hash of a
    # name is found by hashing a list of names.
    statement = salted_hmac(
        "tickets.search.common", repr((sql, params, limit)), algorithm="sha256"
    ).hexdigest()
    found = cached_or_computed(
        f"search:common:{statement}",
        probe,
        seconds=COMMON_SEARCH_SECONDS,
        keep=lambda verdict: verdict == MANY,
    )
    if found == MANY:
        return cases
    return cases.filter(pk__in=found)


def search_cases(cases: CaseQuerySet, query: str) -> CaseQuerySet:
    """Cases matching every word of ``query``: reference, phone, kana or free text."""
    query = unicodedata.normalize("NFKC", query or "").strip()
    if not query:
        return cases
    reference = REFERENCE_PATTERN.match(query)
    if reference:
        year, number = reference.groups()
        return cases.filter(reference=f"{year}-{int(number):06d}")
    digits = phone_query_digits(query)
    if len(digits) >= 10:
        return cases.filter(caller_phone_digits=digits)
    if digits:
        return cases.filter(caller_phone_digits__contains=digits)
    for word in query.split():
        cases = cases.filter(_text_condition(word))
    return cases


def nearby_open_cases(
    *,
    latitude: float,
    longitude: float,
    category_id: int | None,
    radius_m: float | None = None,
    days: int | None = None,
    queryset: CaseQuerySet | None = None,
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
