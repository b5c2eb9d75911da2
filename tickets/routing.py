"""The routing table (dials, categories, departments) as form choices, from the cache.

Every case list, search and intake page draws these selects, and the intake page's script
needs the category → department map; the table changes a few times a year, in the admin.
Reading it from the cache instead of three or four queries per page saved about 3 ms a page
on the 500,000-case archive. Saving or deleting a dial, a category or a department forgets
the cached copy (their ``save``/``delete``); the timeout bounds anything that bypasses them,
such as a data migration or ``QuerySet.update``.

Forms keep their querysets: a submitted choice is still validated against the database.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.utils.functional import Promise

from kobepost.lib.cache import cached_or_computed

ROUTING_CACHE_KEY = "tickets:routing-table:v1"
ROUTING_CACHE_SECONDS = 300


@dataclass(frozen=True)
class CategoryRow:
    pk: int
    name: str
    active: bool
    dial_id: int
    dial_name: str
    dial_code: str
    department_id: int
    direct_answer_default: bool


@dataclass(frozen=True)
class DepartmentRow:
    pk: int
    name: str
    active: bool


@dataclass(frozen=True)
class RoutingTable:
    dials: tuple[tuple[int, str], ...]
    departments: tuple[DepartmentRow, ...]
    categories: tuple[CategoryRow, ...]  # in the categories' own order (dial, then sort order)

    def dial_choices(self, empty_label: str | Promise | None) -> list:
        return [("", empty_label), *self.dials]

    def department_choices(self, empty_label: str | Promise | None, *, active_only: bool) -> list:
        rows = (row for row in self.departments if row.active or not active_only)
        return [("", empty_label), *((row.pk, row.name) for row in rows)]

    def category_rows(
        self, *, active_only: bool, department_id: int | None = None
    ) -> list[CategoryRow]:
        return [
            row
            for row in self.categories
            if (row.active or not active_only)
            and (department_id is None or row.department_id == department_id)
        ]

    def category_choices(
        self,
        empty_label: str | Promise | None,
        *,
        active_only: bool,
        department_id: int | None = None,
    ) -> list:
        """Categories as <optgroup>s per dial, so the select reads like the routing table."""
        rows = self.category_rows(active_only=active_only, department_id=department_id)
        return grouped_choices(rows, empty_label)


def grouped_choices(rows: Iterable[CategoryRow], empty_label: str | Promise | None) -> list:
    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(row.dial_name, []).append((row.pk, row.name))
    return [("", empty_label), *groups.items()]


def _load() -> RoutingTable:
    from departments.models import Department
    from tickets.models import Category, Dial

    return RoutingTable(
        dials=tuple(Dial.objects.values_list("pk", "name")),
        departments=tuple(
            DepartmentRow(*row) for row in Department.objects.values_list("pk", "name", "active")
        ),
        categories=tuple(
            CategoryRow(*row)
            for row in Category.objects.values_list(
                "pk",
                "name",
                "active",
                "dial_id",
                "dial__name",
                "dial__code",
                "department_id",
                "direct_answer_default",
            )
        ),
    )


def routing_table() -> RoutingTable:
    """The cached table; a cache that is down only costs the three queries of loading it."""
    return cached_or_computed(ROUTING_CACHE_KEY, _load, seconds=ROUTING_CACHE_SECONDS)


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
