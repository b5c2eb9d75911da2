"""Pagination that does not count a ten-year archive on every page view.

``COUNT(*)`` over hundreds of thousands of matching cases costs more than the page itself
(0.4–0.8 s on the 500,000-case archive). The list only needs to know whether there is more:
this paginator counts at most ``cap`` rows, or as far as the page asked for plus one page,
and says "1,000 件以上" beyond that. Below the cap the count is exact, as before.
"""

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

COUNT_CAP = 1000
# No archive comes near this many pages; a larger page number (a crafted
# ?page=99999999999999999999) is read as this one, which is past the end: the last page shows.
# Without the bound its LIMIT overflowed PostgreSQL's bigint (a 500).
MAX_PAGE = 1_000_000
# From this offset on, a page first picks its ids from the ordering index alone (an
# index-only scan skips the rows before it cheaply) and then loads just those rows.
DEEP_OFFSET = 1000
# A page opened by its number alone (typed, bookmarked: the screens link only 次へ and 前へ)
# reaches at most this many rows deep. Skipping rows costs what the rows skipped cost, and a
# ten-year archive grows: ?page=9000 walked 450,000 index entries (183 ms at 500,000 cases,
# several times that at 2,000,000). Deeper pages are reached by 次へ (KeysetPage, the cost of
# the first page at any depth), by the other sort order or by narrowing the search.
NUMBERED_ROWS = 2000
# The same for a word search, whose skipped rows are read from the table to test the words:
# for a word in 3.7 % of the cases (陥没), 2,000 rows deep meant some 53,000 rows read
# (130 ms at 500,000 cases, 197 ms at 2,000,000); at 250 rows still 22 ms, 5.6 times the empty
# page; 150 rows, three pages, some 4,000.
SEARCH_NUMBERED_ROWS = 150


def numbered_page_limit(per_page: int, *, searching: bool = False) -> int:
    """The deepest page a number alone opens (of a word search when ``searching``)."""
    return max(1, (SEARCH_NUMBERED_ROWS if searching else NUMBERED_ROWS) // per_page)


def bounded_page_hint(
    page_hint: str | None, per_page: int, *, searching: bool = False
) -> tuple[str | None, bool]:
    """``page_hint`` held to numbered_page_limit; the flag says it was deeper."""
    limit = numbered_page_limit(per_page, searching=searching)
    try:
        asked = int(page_hint or 1)
    except (TypeError, ValueError):
        return page_hint, False
    if asked > limit:
        return str(limit), True
    return page_hint, False


class CappedCountPaginator(Paginator):
    """``columns``: the page's rows as ``values(*columns)`` dicts. Counting and picking
    ids still use the plain queryset, so the joins that the columns need stay out of them."""

    object_list: QuerySet  # a queryset only: it is counted, sliced and filtered in SQL

    def __init__(
        self,
        object_list,
        per_page,
        *,
        page_hint: str | int | None = None,
        cap=COUNT_CAP,
        columns: tuple[str, ...] | None = None,
        ids_first: bool = True,
    ):
        """``ids_first=False``: rows that are already small (a union of ids and sort keys,
        which cannot be selected again by id) are sliced at any depth."""
        super().__init__(object_list, per_page)
        self.columns = columns
        self.ids_first = ids_first
        try:
            self.wanted_page = min(max(1, int(page_hint or 1)), MAX_PAGE)
        except (TypeError, ValueError):
            self.wanted_page = 1
        # Rows needed to know that the asked page and the one after it exist.
        self.count_limit = max(cap, (self.wanted_page + 1) * per_page)

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
        return self._get_page(self._rows_between(bottom, top), number, self)

    def _rows_between(self, bottom: int, top: int):
        rows: QuerySet = (
            self.object_list if self.columns is None else self.object_list.values(*self.columns)
        )
        if bottom < DEEP_OFFSET or not self.ids_first:
            return rows[bottom:top]
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        if self.columns is None:
            by_id = {row.pk: row for row in rows.filter(pk__in=ids)}
        else:
            by_id = {row["pk"]: row for row in rows.filter(pk__in=ids)}
        return [by_id[pk] for pk in ids if pk in by_id]


class LookaheadPaginator(CappedCountPaginator):
    """Pages of a word search, without counting the matches.

    Counting even 200 matches of a common word (陥没, コバヤシ: 18,000 cases each) builds the
    whole GIN bitmap, 5–7 ms, more than the page itself. The asked page is read with one row
    more than it shows: that row says whether a next page exists, and the list says
    "51 件以上". The exact number shows as soon as the last page is reached. Asked beyond
    the end, it counts as CappedCountPaginator does to find the last page.
    """

    @cached_property
    def _lookahead(self) -> list | None:
        bottom = (self.wanted_page - 1) * self.per_page
        rows = list(self._rows_between(bottom, bottom + self.per_page + 1))
        return rows if rows or self.wanted_page == 1 else None

    @cached_property
    def count(self) -> int:
        if self._lookahead is None:
            return super().count
        return (self.wanted_page - 1) * self.per_page + len(self._lookahead)

    @property
    def count_is_lower_bound(self) -> bool:
        if self._lookahead is None:
            return super().count_is_lower_bound
        return len(self._lookahead) > self.per_page

    def page(self, number):
        number = self.validate_number(number)
        if number == self.wanted_page and self._lookahead is not None:
            return self._get_page(self._lookahead[: self.per_page], number, self)
        return super().page(number)


class KeysetPage:
    """A page read after a known row ("次へ" from the page before), not at an offset.

    ``OFFSET`` walks every row before the page: 30–180 ms deep in a ten-year archive, and
    growing with it. The next page is instead read from the ordering index, starting after
    the previous page's last row, so every page costs what the first one costs. ``number``
    is the page's label only (the address carries it); what is shown is decided by the
    last row. Like LookaheadPaginator, one row more than shown says whether a next page
    exists, and the total is known only on the last page. 前へ reads the same way backward,
    before the next page's first row.
    """

    def __init__(self, rows: list, number: int, per_page: int, *, after: bool = False):
        """``rows``: the page and one row more when a next page exists; ``after``: a page
        read backward (前へ), which the page it was reached from follows."""
        self.number = min(max(1, number), MAX_PAGE)
        self.object_list = rows[:per_page]
        self._has_next = after or len(rows) > per_page
        self.paginator = _KeysetCount(
            count=(self.number - 1) * per_page + len(self.object_list),
            lower_bound=self._has_next,
            num_pages=self.number + self._has_next,
        )

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self.number > 1

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


class _KeysetCount:
    """What the list templates ask of a paginator: the count so far, "N 件以上" while a next
    page exists, the number of pages known."""

    def __init__(self, *, count: int, lower_bound: bool, num_pages: int):
        self.count = count
        self.count_is_lower_bound = lower_bound
        self.num_pages = num_pages
