"""What the routing models need of the routing table: its cache key, and the mixin that
forgets the cached table when a dial, a category or a department changes.

Apart from tickets.routing so that the models (tickets.models, departments.models) import
this and tickets.routing imports the models, one way (docs/architecture.md).
"""

from django.core.cache import cache
from django.db import transaction

ROUTING_CACHE_KEY = "tickets:routing-table:v1"


class RoutingModel:
    """Mixin of Dial, Category and Department: a change forgets the cached table."""

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)  # type: ignore[misc]  # mixed into a Model
        routing_table_forget()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        routing_table_forget()
        return result


def routing_table_forget() -> None:
    """Called by the routing models' save/delete: now, and again once the change is visible
    to other connections (a page rendered in between would cache the old rows)."""
    cache.delete(ROUTING_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(ROUTING_CACHE_KEY))
