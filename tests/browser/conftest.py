"""Real Chromium driven by Playwright against pytest-django's live server."""

import os
import shutil
from urllib.parse import parse_qs, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.fixtures import TEST_PASSWORD, restore_migration_rows, service_missing

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls made by
# fixtures in that same thread are safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# JIS X 8341-3 level AA corresponds to WCAG 2.x AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        service_missing(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "ja-JP", "timezone_id": "Asia/Tokyo"}


# One patience for actions and assertions: a busy CI machine (2 cores, several sessions)
# may take seconds to answer, and Playwright's 5 s default for expect() made tests flaky.
TIMEOUT_MS = 10_000


@pytest.fixture
def page(page):
    page.set_default_timeout(TIMEOUT_MS)
    # Global in Playwright: set for every test, so one that asks for more does not leak.
    expect.set_options(timeout=TIMEOUT_MS)
    return page


def left_the_login_page(page: Page) -> None:
    """After the login button or Enter: waits until the next page (staff or citizen) has
    loaded, its scripts included. wait_for_load_state() alone returns at once, since the
    login page itself is loaded: the test would go on while the browser is still on it."""
    page.wait_for_url(lambda url: not urlsplit(url).path.endswith("/login/"))


@pytest.fixture
def login(live_server):
    """``login(page, user)`` signs in through the real login form."""

    def do_login(page, user, password: str = TEST_PASSWORD):
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("ID").fill(user.username)
        page.get_by_label("パスワード").fill(password)
        page.get_by_role("button", name="ログイン").click()
        left_the_login_page(page)

    return do_login


_axe = Axe()


def phone_history_of(phone: str):
    """For ``page.expect_response``: the look-up of the whole ``phone``, not of the digits
    typed so far (on a busy machine the debounce may fire in the middle of the number)."""

    def matches(response) -> bool:
        request = response.request
        if "/phone-history/" not in request.url or request.method != "POST":
            return False
        return parse_qs(request.post_data or "").get("phone") == [phone]

    return matches


def assert_accessible(page) -> None:
    """Fail with the rule ids and targets when axe-core finds WCAG A/AA violations."""
    results = _axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    violations = results.response["violations"]
    details = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}" for v in violations
    ]
    assert not violations, "accessibility violations:\n" + "\n".join(details)


@pytest.fixture
def post_categories(db):
    """The KOBE ぽすと categories that a data migration creates.

    live_server tests empty every table afterwards, data migrations' rows included; the
    suite puts them back after each such test (tests/fixtures.py), and this fixture makes
    sure of them (idempotently) instead of relying on that order.
    """
    restore_migration_rows()
