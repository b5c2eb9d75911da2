"""The case list paginator: exact counts below the cap, "N 件以上" above, same rows deep down."""

import pytest

from callcenter import views
from tickets import pagination
from tickets.models import Case
from tickets.pagination import CappedCountPaginator, LookaheadPaginator
from tickets.tests.factories import make_case


@pytest.fixture
def twelve_cases(kobe, operator):
    return [make_case(created_by=operator, title=f"案件{n}") for n in range(12)]


@pytest.mark.django_db
def test_count_is_exact_below_the_cap(twelve_cases):
    paginator = CappedCountPaginator(Case.objects.all(), 5, cap=20)
    assert paginator.count == 12
    assert not paginator.count_is_lower_bound
    assert paginator.num_pages == 3


@pytest.mark.django_db
def test_count_stops_at_the_cap_but_the_next_page_exists(twelve_cases):
    paginator = CappedCountPaginator(Case.objects.all(), 2, cap=4, page_hint="1")
    assert paginator.count == 4
    assert paginator.count_is_lower_bound
    page = paginator.get_page(1)
    assert page.has_next()
    # Asking for a deeper page counts far enough to reach it and the one after.
    deep = CappedCountPaginator(Case.objects.all(), 2, cap=4, page_hint="4")
    assert deep.get_page(4).has_next()


@pytest.mark.django_db
@pytest.mark.parametrize("rows", ["models", "values"])
def test_deep_pages_hold_the_same_rows_as_plain_slicing(twelve_cases, monkeypatch, rows):
    monkeypatch.setattr(pagination, "DEEP_OFFSET", 2)
    cases = Case.objects.order_by("-received_at", "-id")
    columns = ("pk", "title", "category__name") if rows == "values" else None
    paginator = CappedCountPaginator(cases, 3, cap=100, columns=columns)
    shown = cases.values(*columns) if columns else cases
    for number in (1, 2, 3, 4):
        expected = list(shown[(number - 1) * 3 : number * 3])
        assert list(paginator.get_page(number).object_list) == expected


@pytest.mark.django_db
def test_the_case_list_counts_exactly_when_few(login_client, operator, twelve_cases):
    response = login_client(operator).get("/callcenter/cases/")
    assert "12 件" in response.content.decode()
    assert "件以上" not in response.content.decode()


@pytest.mark.django_db
def test_the_case_list_says_more_than_when_capped(
    login_client, operator, twelve_cases, monkeypatch
):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    monkeypatch.setattr(views, "COUNT_CAP", 3)
    response = login_client(operator).get("/callcenter/cases/")
    assert response.status_code == 200
    assert "4 件以上" in response.content.decode()  # two pages: this one and the next
    assert 'rel="next"' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("page_hint", "titles", "count", "more"),
    [
        ("1", ["案件11", "案件10", "案件9", "案件8", "案件7"], 6, True),
        ("2", ["案件6", "案件5", "案件4", "案件3", "案件2"], 11, True),
        ("3", ["案件1", "案件0"], 12, False),
        ("7", ["案件1", "案件0"], 12, False),  # beyond the end: counted, the last page
        ("x", ["案件11", "案件10", "案件9", "案件8", "案件7"], 6, True),
    ],
)
def test_lookahead_reads_one_row_more_than_the_page(twelve_cases, page_hint, titles, count, more):
    cases = Case.objects.order_by("-received_at", "-id")
    paginator = LookaheadPaginator(cases, 5, page_hint=page_hint, cap=100, columns=("title",))
    page = paginator.get_page(page_hint)
    assert [row["title"] for row in page.object_list] == titles
    assert (paginator.count, paginator.count_is_lower_bound, page.has_next()) == (
        count,
        more,
        more,
    )


@pytest.mark.django_db
def test_lookahead_of_nothing_is_one_empty_page(kobe):
    paginator = LookaheadPaginator(Case.objects.all(), 5, page_hint="1")
    page = paginator.get_page(1)
    assert list(page.object_list) == [] and paginator.count == 0
    assert not paginator.count_is_lower_bound and not page.has_next()


@pytest.mark.django_db
def test_lookahead_deep_pages_hold_the_same_rows(twelve_cases, monkeypatch):
    monkeypatch.setattr(pagination, "DEEP_OFFSET", 2)
    cases = Case.objects.order_by("-received_at", "-id")
    for number in (1, 2, 3):
        paginator = LookaheadPaginator(cases, 4, page_hint=number, cap=100)
        expected = list(cases[(number - 1) * 4 : number * 4])
        assert list(paginator.get_page(number).object_list) == expected
