"""A small fixed-window rate limiter kept in the cache (shared Redis in production)."""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache


def _window_key(rule: str, subject: str, window: int) -> str:
    bucket = int(time.time() // window)
    digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
    return f"ratelimit:{rule}:{digest}:{bucket}"


def hit(rule: str, subject: str) -> bool:
    """Count one request of ``subject`` under ``rule``; False once the limit is exceeded."""
    limit, window = settings.PUBLIC_RATE_LIMITS[rule]
    key = _window_key(rule, subject, window)
    # add() is atomic: the first request of a window creates the counter with its expiry.
    if cache.add(key, 1, timeout=window + 1):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=window + 1)
        return True
    return count <= limit


def allowed(*checks: tuple[str, str]) -> bool:
    """All ``(rule, subject)`` pairs counted; True only if none is over its limit."""
    results = [hit(rule, subject) for rule, subject in checks if subject]
    return all(results)
