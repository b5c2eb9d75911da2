"""次へ reads the page after the last row shown (tickets.pagination.KeysetPage), not at an
offset: walking the list by its 次へ links shows every case once, in the list's order, for
every sort, with and without search words; a crafted address never fails."""

import html
import re

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callcenter import views
from callcenter.forms import CaseSearchForm
from callcenter.views import _filtered_cases
from tickets.tests.factories import make_sort_archive

URL = reverse("callcenter:case_list")
NEXT = re.compile(r'<a href="(\?[^"]*)" rel="next">')
PREVIOUS = re.compile(r'<a href="(\?[^"]*)" rel="prev">')


@pytest.fixture
def archive(operator):
    return make_sort_archive(operator)


def walk(client, address: str, link=NEXT) -> tuple[list[list[int]], list[str]]:
    """The ids shown on each page following 次へ (or 前へ), and the addresses visited."""
    pages: list[list[int]] = []
    visited: list[str] = []
    while address and len(visited) < 40:
        response = client.get(address)
        assert response.status_code == 200
        visited.append(address)
        pages.append([row["pk"] for row in response.context["page"].object_list])
        found = link.search(response.content.decode())
        address = URL + html.unescape(found.group(1)) if found else ""
    return pages, visited


@pytest.mark.parametrize("sort", list(CaseSearchForm.SORTS))
@pytest.mark.parametrize("query", ["", "陥没", "の", "鰻"])
def test_next_links_show_every_case_once_in_the_lists_order(
    archive, login_client, operator, monkeypatch, sort, query
):
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    client = login_client(operator)
    if query:
        address = client.post(URL, {"q": query, "sort": sort})["Location"]
    else:
        address = f"{URL}?sort={sort}"
    pages, visited = walk(client, address)
    expected = list(
        _filtered_cases(operator, CaseSearchForm({"q": query, "sort": sort})).values_list(
            "pk", flat=True
        )
    )
    assert [pk for page in pages for pk in page] == expected
    assert all("after=" in address for address in visited[1:])
    # And back by 前へ from the last page: the same pages, in reverse.
    back, back_visited = walk(client, visited[-1], link=PREVIOUS)
    assert back == pages[::-1]
    assert all("before=" in address for address in back_visited[1:-1])


def test_a_next_page_says_where_it_is(archive, login_client, operator, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    client = login_client(operator)
    _pages, visited = walk(client, URL)
    second = client.get(visited[1]).content.decode()
    assert "2 ページ目" in second and "6 件以上" in second and 'rel="prev"' in second
    last = client.get(visited[-1]).content.decode()
    pages = len(visited)
    assert f"{pages} / {pages} ページ" in last and f"{len(archive)} 件" in last


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    after=st.one_of(st.text(max_size=30), st.integers(-(2**70), 2**70).map(str)),
    before=st.one_of(st.text(max_size=30), st.integers(-(2**70), 2**70).map(str)),
    page=st.one_of(st.text(max_size=10), st.integers(-(2**70), 2**70).map(str)),
    sort=st.sampled_from(["", *CaseSearchForm.SORTS, "nonsense"]),
)
def test_a_crafted_next_address_never_fails(
    archive, login_client, operator, after, before, page, sort
):
    client = login_client(operator)
    response = client.get(URL, {"after": after, "before": before, "page": page, "sort": sort})
    # A NUL byte is refused for the whole site by one middleware (a 400 page that says so);
    # anything else is read as well as it can be and the list is shown.
    assert response.status_code == (400 if "\x00" in after + before + page else 200)


def test_a_case_the_user_may_not_see_is_no_place_to_start(
    archive, login_client, staff_seibu, operator
):
    """A department's staff cannot start a page after another department's case: the list
    starts from the beginning, as for an unknown id."""
    client = login_client(staff_seibu)
    hidden = archive[-1].pk
    response = client.get(URL, {"after": str(hidden), "page": "5"})
    assert response.status_code == 200
    assert response.context["page"].number == 1


def test_next_and_previous_pages_read_a_page_whatever_the_depth(
    archive, login_client, operator, monkeypatch, django_assert_num_queries
):
    """Session, user, the row the page starts from, the page's rows: no count, no offset."""
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    client = login_client(operator)
    _pages, visited = walk(client, URL)
    _back, back_visited = walk(client, visited[-1], link=PREVIOUS)
    for address in (visited[3], back_visited[2]):
        assert "after=" in address or "before=" in address
        with django_assert_num_queries(4):
            assert client.get(address).status_code == 200


def test_a_page_number_opens_no_deeper_than_the_limit(
    archive, login_client, operator, monkeypatch, django_assert_num_queries
):
    """?page=9000 (typed or bookmarked) shows the deepest numbered page with a note that says
    how to go on; it costs what that page costs, not the rows up to page 9000. 次へ from
    there still reads on, by keyset."""
    from tickets import pagination

    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    monkeypatch.setattr(pagination, "NUMBERED_ROWS", 6)  # page 2 is the deepest by number
    client = login_client(operator)
    pages, _visited = walk(client, URL)
    client.get(URL + "?page=2")  # the session's activity clock and the routing table, once
    # Session, user, the count up to the page after the limit, the page's rows.
    with django_assert_num_queries(4):
        deep = client.get(URL + "?page=9000")
    assert deep.context["page"].number == 2
    assert [row["pk"] for row in deep.context["page"].object_list] == pages[1]
    text = deep.content.decode()
    assert "ページ番号で開けるのは 2 ページ目までです。" in text
    assert '<a href="?sort=received_at">古い順に並べる</a>' in text
    found = NEXT.search(text)
    assert found and "after=" in found.group(1)
    third = client.get(URL + html.unescape(found.group(1)))
    assert [row["pk"] for row in third.context["page"].object_list] == pages[2]
    assert "page-limit" not in client.get(URL + "?page=2").content.decode()


def test_a_deep_page_number_of_a_search_is_held_too(archive, login_client, operator, monkeypatch):
    from tickets import pagination

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    # A word search skips rows by reading them: it is held closer than the plain list.
    monkeypatch.setattr(pagination, "NUMBERED_ROWS", 100)
    monkeypatch.setattr(pagination, "SEARCH_NUMBERED_ROWS", 2)
    client = login_client(operator)
    assert client.get(URL + "?page=3").context["page"].number == 3
    address = client.post(URL, {"q": "陥没", "sort": "received_at"})["Location"]
    deep = client.get(address + "&page=300")
    assert deep.context["page"].number == 1
    assert "ページ番号で開けるのは 1 ページ目までです。" in deep.content.decode()
    assert "sort=received_at" in deep.context["oldest_first_query"]


def test_a_short_list_asked_beyond_its_end_shows_its_last_page_without_the_note(
    archive, login_client, operator
):
    response = login_client(operator).get(URL + "?page=9000")
    assert response.context["page"].number == 1
    assert "page-limit" not in response.content.decode()
