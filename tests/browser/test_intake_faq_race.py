"""The FAQ box beside the intake searches as the operator types (issue 22): an answer that
arrives late, for a text the operator has already changed or cleared, is never shown.

The server's answers are held and released by the test (page.route), so the late answer
comes last on every run; the page is seen to have handled it (settled_lookups) before the
results are checked. No sleeps."""

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from faq.models import FaqEntry
from tickets.models import Category

LOOKUP = "**/faq/lookup/**"
# Counts the JSON answers the page has read, one task after it read them: every promise
# callback chained on an answer (the page's own handling) has run by then.
COUNT_SETTLED_ANSWERS = """
(() => {
  const read = Response.prototype.json;
  window.settledAnswers = 0;
  Response.prototype.json = function () {
    return read.call(this).finally(() => {
      setTimeout(() => { window.settledAnswers += 1; }, 0);
    });
  };
})();
"""


def query_of(url: str) -> str:
    return parse_qs(urlsplit(url).query).get("q", [""])[0]


@pytest.fixture
def faq(kobe):
    category = Category.objects.get(code="road-damage")
    for question in ("粗大ごみの出し方は", "街灯が消えているときは"):
        FaqEntry.objects.create(
            question=question,
            answer="受付センターへ。",
            dial=category.dial,
            category=category,
            department=category.department,
            status=FaqEntry.Status.PUBLISHED,
        )


@pytest.fixture
def intake(page, live_server, login, operator, faq):
    page.add_init_script(COUNT_SETTLED_ANSWERS)
    login(page, operator)
    page.goto(f"{live_server.url}/callcenter/cases/new/")
    return page


def hold_answers_for(page, query: str) -> list:
    """Requests for ``query`` wait in the returned list until the test continues them; every
    other look-up is answered at once."""
    held: list = []

    def handle(route) -> None:
        if query_of(route.request.url) == query:
            held.append(route)
        else:
            route.continue_()

    page.route(LOOKUP, handle)
    return held


def settled_lookups(page, count: int) -> None:
    page.wait_for_function("count => window.settledAnswers >= count", arg=count)


def test_a_late_answer_never_replaces_the_results_of_a_newer_query(intake):
    page = intake
    held = hold_answers_for(page, "粗大")
    box = page.get_by_role("searchbox", name="FAQ を検索")
    results = page.locator("#desk-faq-results")

    with page.expect_request(lambda r: "/faq/lookup/" in r.url and query_of(r.url) == "粗大"):
        box.fill("粗大")
    with page.expect_response(lambda r: "/faq/lookup/" in r.url and query_of(r.url) == "街灯"):
        box.fill("街灯")
    expect(results.get_by_role("link")).to_have_text(["街灯が消えているときは"])
    settled_lookups(page, 1)
    # The first request's route was dispatched before the second request existed.
    assert len(held) == 1

    with page.expect_response(lambda r: query_of(r.url) == "粗大"):
        held[0].continue_()
    settled_lookups(page, 2)
    expect(results.get_by_role("link")).to_have_text(["街灯が消えているときは"])
    expect(results).not_to_contain_text("粗大ごみ")


def test_a_late_answer_never_reopens_a_list_the_operator_cleared(intake):
    page = intake
    held = hold_answers_for(page, "粗大")
    box = page.get_by_role("searchbox", name="FAQ を検索")
    results = page.locator("#desk-faq-results")

    with page.expect_request(lambda r: "/faq/lookup/" in r.url and query_of(r.url) == "粗大"):
        box.fill("粗大")
    box.fill("")  # the operator closes the list: the box is emptied
    expect(results).to_be_empty()
    # Something that makes Playwright dispatch the held route, whose request came first.
    page.evaluate("() => window.settledAnswers")
    assert len(held) == 1

    with page.expect_response(lambda r: query_of(r.url) == "粗大"):
        held[0].continue_()
    settled_lookups(page, 1)
    expect(results).to_be_empty()
    expect(results.get_by_role("link")).to_have_count(0)

    # A new search still shows its answer.
    box.fill("街灯")
    expect(results.get_by_role("link")).to_have_text(["街灯が消えているときは"])
