"""A small fixed-window rate limiter kept in the cache (shared Redis in production).

What is counted is what costs the city or helps an attacker: accepted actions (a
registration, a post, a mail sent) and clearly failed logins. A form sent back with a
validation error is not counted: mobile carriers put many citizens behind one address,
and a citizen correcting a photo error must not lock out their neighbours or themselves.

Views ask ``retry_after`` before acting and ``record`` once the action was accepted. The
two steps are not one atomic operation, so a burst of simultaneous requests can pass a
limit by the number of requests in flight; the limits guard against floods, not single
extra requests.
"""

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache

Check = tuple[str, str]


def _window(rule: str) -> tuple[int, int]:
    return settings.PUBLIC_RATE_LIMITS[rule]


def _window_key(rule: str, subject: str, window: int, now: float) -> str:
    bucket = int(now // window)
    digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
    return f"ratelimit:{rule}:{digest}:{bucket}"


def retry_after(*checks: Check) -> int | None:
    """Seconds until every ``(rule, subject)`` is under its limit again; None if all are now.

    Counts nothing. A check with an empty subject (no login ID typed) is skipped.
    """
    now = time.time()
    waits = []
    for rule, subject in checks:
        if not subject:
            continue
        limit, window = _window(rule)
        if (cache.get(_window_key(rule, subject, window, now)) or 0) >= limit:
            waits.append(max(1, math.ceil(window - now % window)))
    return max(waits) if waits else None


def record(*checks: Check) -> None:
    """Count one accepted action (or failed login) for every ``(rule, subject)``."""
    now = time.time()
    for rule, subject in checks:
        if not subject:
            continue
        _, window = _window(rule)
        key = _window_key(rule, subject, window, now)
        # add() is atomic: the first action of a window creates the counter with its expiry.
        if cache.add(key, 1, timeout=window + 1):
            continue
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout=window + 1)
