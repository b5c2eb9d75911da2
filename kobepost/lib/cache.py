"""Values the site keeps in the cache but must work without (statistics, routing table)."""

import logging
from collections.abc import Callable

from django.core.cache import cache

log = logging.getLogger(__name__)


def failure_text(error: BaseException) -> str:
    """An error on one line, for the single warning a fail-soft path logs (no traceback:
    an outage of Redis would otherwise write dozens of them per request)."""
    return " ".join(f"{type(error).__name__}: {error}".split())


def cached_or_computed[T](
    key: str,
    compute: Callable[[], T],
    *,
    seconds: int,
    keep: Callable[[T], bool] | None = None,
) -> T:
    """``compute()`` through the cache for ``seconds`` (not cached when 0 or less), only the
    values that ``keep`` accepts when given. A cache that is down only costs the time of
    computing, never the page."""
    if seconds <= 0:
        return compute()
    try:
        value = cache.get(key)
    except Exception as error:
        log.warning("cache unavailable, computing %s: %s", key, failure_text(error))
        value = None
    if value is None:
        value = compute()
        if keep is not None and not keep(value):
            return value
        try:
            cache.set(key, value, seconds)
        except Exception as error:
            log.warning("cache unavailable, %s not kept: %s", key, failure_text(error))
    return value
