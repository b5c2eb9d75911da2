"""Pagination that does not count a ten-year archive on every page view.

``COUNT(*)`` over hundreds of thousands of matching cases costs more than the page itself
(0.4–0.8 s on the 500,000-case archive). The list only needs to know whether there is more:
this paginator counts at most ``cap`` rows, or as far as the page asked for plus one page,
and says "1,000 件以上" beyond that. Below the cap the count is exact, as before.
"""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

COUNT_CAP = 1000
# From this offset on, a page first picks its ids from the ordering index alone (an
# index-only scan skips the rows before it cheaply) and then loads just those rows.
DEEP_OFFSET = 1000


class CappedCountPaginator(Paginator):
    """``columns``: the page's rows as ``values(*columns)`` dicts. Counting and picking
    ids still use the plain queryset, so the joins that the columns need stay out of them."""

    def __init__(
        self,
        object_list,
        per_page,
        *,
        page_hint: str | int | None = None,
        cap=COUNT_CAP,
        columns: tuple[str, ...] | None = None,
    ):
        super().__init__(object_list, per_page)
        self.columns = columns
        try:
            wanted_page = max(1, int(page_hint or 1))
        except (TypeError, ValueError):
            wanted_page = 1
        # Rows needed to know that the asked page and the one after it exist.
        self.count_limit = max(cap, (wanted_page + 1) * per_page)

    @cached_property
    def _limited_count(self) -> int:
        return self.object_list.order_by()[: self.count_limit + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._limited_count, self.count_limit)

    @property
    def count_is_lower_bound(self) -> bool:
        """True when there are more rows than counted: show "N 件以上"."""
        return self._limited_count > self.count_limit

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        rows = self.object_list if self.columns is None else self.object_list.values(*self.columns)
        if bottom < DEEP_OFFSET:
            return self._get_page(rows[bottom:top], number, self)
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        if self.columns is None:
            by_id = {row.pk: row for row in rows.filter(pk__in=ids)}
        else:
            by_id = {row["pk"]: row for row in rows.filter(pk__in=ids)}
        return self._get_page([by_id[pk] for pk in ids if pk in by_id], number, self)
