"""Every main page runs a fixed number of queries, however many rows it shows.

Each page is loaded with a few rows and with many (cases, timeline events, matching FAQ
entries, unread notices); the number of queries must be the same and equal to its budget.
A page that starts querying per row (a missing select_related, a count per line) fails
here long before it is slow on the ten-year archive.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from faq.models import FaqEntry
from kobepost.accounts.models import User
from kobepost.notifications.services import notice_post
from tests.fixtures import activity_write_not_due
from tickets.models import Case, Category
from tickets.services import case_change_status, case_reply
from tickets.tests.factories import make_case

PHONE = "078-331-8181"


@dataclass
class World:
    operator: User
    staff: User
    cases: list[Case]


def add_cases(world: World, count: int) -> None:
    for number in range(count):
        case = make_case(
            world.operator,
            title=f"歩道の陥没 {number}",
            caller_name="日向 太郎",
            caller_kana="ヒナタ タロウ",
            caller_phone=PHONE,
            caller_phone_digits="0783318181",
            latitude=34.6901,
            longitude=135.1955,
            ward="28110",
        )
        world.cases.append(case)


def answer_cases(world: World, count: int) -> None:
    """Cases answered by the department: the call-back queue and longer timelines."""
    add_cases(world, count)
    for case in world.cases[-count:]:
        case = case_change_status(case=case, user=world.staff, status=Case.Status.IN_PROGRESS)
        case_reply(case=case, user=world.staff, reply_text="補修しました。")


def add_faq(world: World, count: int) -> None:
    category = Category.objects.get(code="road-damage")
    for number in range(count):
        FaqEntry.objects.create(
            question=f"道路の陥没はどこに連絡しますか（{number}）",
            answer="建設事務所が補修します。",
            dial=category.dial,
            category=category,
            department=category.department,
            status=FaqEntry.Status.PUBLISHED,
        )


def add_notices(world: World, count: int) -> None:
    for number in range(count):
        notice_post(department=world.staff.department, title=f"お知らせ {number}")


@dataclass
class Page:
    who: str  # "operator" or "staff"
    path: Callable[[World], str]
    grow: Callable[[World, int], None]
    budget: int
    # A search posted to ``path``: measured is the page it redirects to (its words are kept in
    # the session, never in the address: kobepost/lib/private_search.py).
    search: dict | None = None
    # A JSON look-up posted to ``path``: measured is the POST itself.
    lookup: dict | None = None


# A page that shows personal data spends one of its queries on the INSERT of its audit rows
# (kobepost.audit.services.audit_shown, one statement whatever the number of records): case detail,
# case search by phone number, phone history, nearby cases, call-back queue, department case.
PAGES = {
    # + the operator's seat (内線) for the screen pop
    "operator home": Page("operator", lambda w: "/callcenter/", add_cases, 8),
    "intake form": Page("operator", lambda w: "/callcenter/cases/new/", add_cases, 4),
    "case list": Page("operator", lambda w: "/callcenter/cases/", add_cases, 4),
    # Sorted by status: the same count and page, read from its own index.
    "case list by status": Page(
        "operator", lambda w: "/callcenter/cases/?sort=-status", add_cases, 4
    ),
    # 次へ: the last row shown, then the page after it (tickets.pagination.KeysetPage).
    "case list (next page)": Page(
        "operator", lambda w: f"/callcenter/cases/?page=2&after={w.cases[-1].pk}", add_cases, 4
    ),
    # 前へ with less than a page before the row: the start is reached, the first page shown as
    # usual (the row, the rows before it, the count, the page). A 前へ page deep in the list
    # takes 4 (callcenter/tests/test_case_list_keyset.py).
    "case list (previous page)": Page(
        "operator", lambda w: f"/callcenter/cases/?page=3&before={w.cases[0].pk}", add_cases, 6
    ),
    # A word search probes for its few matches (tickets.search.few_matches_first), then reads
    # one row ahead instead of counting (tickets.pagination.LookaheadPaginator).
    "case search (word)": Page(
        "operator", lambda w: "/callcenter/cases/", add_cases, 4, search={"q": "陥没"}
    ),
    "case search (kana)": Page(
        "operator", lambda w: "/callcenter/cases/", add_cases, 4, search={"q": "ヒナタ"}
    ),
    # No match: the probe finds none and no page is read.
    "case search (absent word)": Page(
        "operator", lambda w: "/callcenter/cases/", add_cases, 3, search={"q": "鰻丼"}
    ),
    "case search (phone)": Page(
        "operator", lambda w: "/callcenter/cases/", add_cases, 4, search={"q": PHONE}
    ),
    "case detail": Page(
        "operator", lambda w: f"/callcenter/cases/{w.cases[0].pk}/", answer_cases, 10
    ),
    "phone history": Page(
        "operator",
        lambda w: "/callcenter/cases/phone-history/",
        add_cases,
        4,
        lookup={"phone": PHONE},
    ),
    "nearby cases": Page(
        "operator",
        lambda w: "/callcenter/cases/nearby/",
        add_cases,
        4,
        lookup={"latitude": "34.6901", "longitude": "135.1955"},
    ),
    # Cases and missed calls in one list: its count, its page, the cases' rows, the audit.
    "call-back queue": Page("operator", lambda w: "/callcenter/callbacks/", answer_cases, 6),
    "FAQ search": Page("operator", lambda w: "/faq/?q=陥没", add_faq, 5),
    "notices": Page("staff", lambda w: "/notifications/", add_notices, 5),
    # "すべて" reads one row ahead instead of counting the department's archive.
    "department inbox (all)": Page("staff", lambda w: "/departments/?filter=all", add_cases, 4),
    "department case": Page(
        "staff", lambda w: f"/departments/cases/{w.cases[0].pk}/", answer_cases, 12
    ),
}


def queries_of(client, page: Page, world: World) -> int:
    path = page.path(world)
    if page.search is not None:
        path = client.post(path, page.search)["Location"]

    def load():
        return client.get(path) if page.lookup is None else client.post(path, page.lookup)

    load()  # caches (routing table, unread counts) as a user's second visit finds them
    with activity_write_not_due(), CaptureQueriesContext(connection) as captured:
        response = load()
    assert response.status_code == 200, path
    return len(captured.captured_queries)


@pytest.mark.parametrize("name", PAGES)
def test_queries_do_not_grow_with_rows(name, login_client, operator, staff_tobu):
    page = PAGES[name]
    world = World(operator=operator, staff=staff_tobu, cases=[])
    client = login_client(operator if page.who == "operator" else staff_tobu)
    page.grow(world, 2)
    few = queries_of(client, page, world)
    page.grow(world, 25)
    many = queries_of(client, page, world)
    assert (few, many) == (page.budget, page.budget)
