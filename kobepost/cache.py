"""Values the site keeps in the cache but must work without (statistics, routing table)."""

import logging
from collections.abc import Callable

from django.core.cache import cache

log = logging.getLogger(__name__)


def cached_or_computed[T](key: str, compute: Callable[[], T], *, seconds: int) -> T:
    """``compute()`` through the cache for ``seconds`` (not cached when 0 or less). A cache
    that is down only costs the time of computing, never the page."""
    if seconds <= 0:
        return compute()
    try:
        value = cache.get(key)
    except Exception:
        log.warning("cache unavailable, computing %s", key, exc_info=True)
        value = None
    if value is None:
        value = compute()
        try:
            cache.set(key, value, seconds)
        except Exception:
            log.warning("cache unavailable, %s not kept", key, exc_info=True)
    return value
