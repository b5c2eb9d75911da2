"""Shared fixtures: named users per role, logged-in clients, and the CI service guard."""

import importlib
import math
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import NoReturn
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings
from pytest_django.fixtures import validate_django_db
from pytest_django.plugin import blocking_manager_key

from departments.demo import seed_departments
from departments.models import Department
from kobepost import middleware
from kobepost.accounts.models import User

TEST_PASSWORD = "correct-horse-battery-2026"

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_sessionstart(session):
    # In CI the suite must run on the real database; a silent SQLite run proves little.
    if IN_CI and not settings.USING_POSTGRESQL:
        pytest.exit("CI=true but DATABASE_URL does not point at PostgreSQL", returncode=3)


def service_missing(reason: str) -> NoReturn:
    """Fail in CI, skip on a developer machine without the service."""
    if IN_CI:
        pytest.fail(f"required service missing in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The production hasher takes most of a second per password by design; tests create
    # and check many passwords, and what they test is not the hash's strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def default_language() -> Iterator[None]:
    """Every test starts, and leaves, in the site's language. ``translation.activate`` in a
    view or a service (a mail in the recipient's language, an English page) is per thread,
    so a test that ends in English would otherwise hand English to the next one."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


# Redis databases 8–15 hold the cache of parallel (pytest-xdist) test workers.
WORKER_CACHE_FIRST_DB = 8


@pytest.fixture(autouse=True, scope="session")
def cache_per_worker(worker_id):
    """Each xdist worker caches in its own Redis database: ``cache.clear()`` flushes a whole
    database, and cached rows (the routing table) hold primary keys of the worker's own test
    database."""
    if not settings.REDIS_URL or worker_id == "master":
        yield
        return
    index = WORKER_CACHE_FIRST_DB + int(worker_id.removeprefix("gw")) % 8
    location = urlsplit(settings.REDIS_URL)._replace(path=f"/{index}").geturl()
    cache_settings = {**settings.CACHES["default"], "LOCATION": location}
    with override_settings(CACHES={"default": cache_settings}):
        yield


@pytest.fixture(autouse=True)
def fresh_cache():
    # Cached counters (unread notices, rate limits) must not leak from one test into the
    # next; in CI the cache is a real Redis that outlives every test.
    from django.core.cache import cache

    cache.clear()
    yield


# The routing table (departments, dials, case categories, contractors, related agencies,
# canned replies) is seeded once per session, i.e. once per xdist worker, right after the
# migrations: every test's transaction starts with it and rolls back whatever the test
# changed. Seeding it per test took about 0.3 s (some 250 queries) in most tests.


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker) -> None:
    with django_db_blocker.unblock():
        seed_departments()


class _TodaysModels:
    """The ``apps`` a data migration's function asks for its models, answered with today's
    models: the migrations' rows are put back after a flush without rebuilding old states."""

    def get_model(self, app_label: str, model_name: str):
        from django.apps import apps

        return apps.get_model("public", model_name)


def restore_migration_rows() -> None:
    """The rows the data migrations create (post categories and their Open311 attributes),
    idempotently."""
    for migration, function in [
        ("kobepost.accounts.migrations.0002_citizen", "seed_post_categories"),
        ("kobepost.accounts.migrations.0013_service_attributes", "seed_service_details"),
    ]:
        getattr(importlib.import_module(migration), function)(_TodaysModels(), None)


def restore_the_seeded_rows() -> None:
    """After a flush: the rows of a fresh test database, the routing table included."""
    restore_migration_rows()
    seed_departments()


def _flushes_the_database(item: pytest.Item) -> bool:
    """Whether pytest-django runs the test as a TransactionTestCase, which empties every
    table afterwards (the same decision as pytest-django's ``_django_db_helper``)."""
    fixtures = set(getattr(item, "fixturenames", ()))
    marker = item.get_closest_marker("django_db")
    transaction, reset_sequences, *_ = validate_django_db(marker) if marker else (False, False)
    return bool(
        transaction
        or reset_sequences
        or fixtures & {"transactional_db", "live_server", "django_db_reset_sequences"}
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files with the most long tests first, the others after them, each file's tests
    together and in their order.

    The long tests are the transactional ones and those of real services (a live server
    and Chromium, a Celery worker, the whole stack, the restore drill); pytest-django puts
    them last, and xdist hands out files in this order (make test: --no-loadscope-reorder),
    so the longest files used to be handed out at the end. Longest first keeps both workers
    busy to the end. Safe because a flush is followed by the seeded rows
    (pytest_runtest_teardown below)."""
    files: dict[str, list[pytest.Item]] = {}
    for item in items:
        files.setdefault(item.nodeid.split("::")[0], []).append(item)

    def long(item: pytest.Item) -> bool:
        return _flushes_the_database(item) or item.get_closest_marker("services") is not None

    def weight(file_items: list[pytest.Item]) -> tuple[int, int]:
        return (-sum(map(long, file_items)), -len(file_items))

    items[:] = [item for file_items in sorted(files.values(), key=weight) for item in file_items]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    # A transactional test (transaction=True, live_server, the Celery worker) ends with a
    # flush of every table; the next test on this worker must still find the seeded rows.
    # After the last test the session's teardown has already dropped the test database.
    result = yield
    if nextitem is not None and _flushes_the_database(item):
        with item.config.stash[blocking_manager_key].unblock():
            if not Department.objects.exists():
                restore_the_seeded_rows()
    return result


@pytest.fixture
def kobe(db):
    """The demo departments, dials, categories and contractors (seeded once, see above)."""
    return {d.code: d for d in Department.objects.all()}


def _make_user(username: str, role: str, department: Department | None = None, **extra) -> User:
    user = User(
        username=username,
        display_name=extra.pop("display_name", username),
        role=role,
        department=department,
        email=f"{username}@staff.example",
        is_staff=role == User.Role.ADMIN,
        is_superuser=role == User.Role.ADMIN,
        **extra,
    )
    user.set_password(TEST_PASSWORD)
    user.save()
    return user


@pytest.fixture
def make_user(db):
    return _make_user


@pytest.fixture
def operator(kobe):
    return _make_user("op_yamada", User.Role.OPERATOR, display_name="山田 花子")


@pytest.fixture
def operator2(kobe):
    return _make_user("op_sato", User.Role.OPERATOR, display_name="佐藤 健太")


@pytest.fixture
def supervisor(kobe):
    return _make_user("sv_nakamura", User.Role.SUPERVISOR, display_name="中村 美咲")


@pytest.fixture
def staff_tobu(kobe):
    """Department staff of 東部建設事務所 (roads in the east wards)."""
    return _make_user(
        "st_takahashi",
        User.Role.DEPARTMENT_STAFF,
        kobe["kensetsu-tobu"],
        display_name="高橋 誠",
    )


@pytest.fixture
def staff_seibu(kobe):
    """Department staff of 西部建設事務所: another department."""
    return _make_user(
        "st_kobayashi",
        User.Role.DEPARTMENT_STAFF,
        kobe["kensetsu-seibu"],
        display_name="小林 亮",
    )


@pytest.fixture
def staff_eisei(kobe):
    """Department staff of 衛生監視事務所 (hygiene dial)."""
    return _make_user(
        "st_ito",
        User.Role.DEPARTMENT_STAFF,
        kobe["eisei-kanshi"],
        display_name="伊藤 由美",
    )


@pytest.fixture
def admin_user(kobe):
    return _make_user("adm_kato", User.Role.ADMIN, display_name="加藤 管理")


@contextmanager
def activity_write_not_due() -> Iterator[None]:
    """Measure a page's queries, not the clock.

    IdleSessionMiddleware writes the session's activity time when ACTIVITY_WRITE_INTERVAL
    seconds have passed since the last write: on a busy machine a measured request can come
    that long after the one before it and do the write's queries too. Inside this block the
    interval never elapses, so the write is made only by a session that has no activity
    time at all (the first request after a login: the same on every run, and counted). The
    write itself is tested in tests/test_idle_logout.py.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(middleware, "ACTIVITY_WRITE_INTERVAL", math.inf)
        yield


def _page_queries_only(
    measure: Callable[..., AbstractContextManager],
) -> Callable[..., AbstractContextManager]:
    @contextmanager
    def measured(*args, **kwargs) -> Iterator:
        with activity_write_not_due(), measure(*args, **kwargs) as context:
            yield context

    return measured


@pytest.fixture
def django_assert_num_queries(django_assert_num_queries):
    """pytest-django's, measuring the page's own queries (activity_write_not_due)."""
    return _page_queries_only(django_assert_num_queries)


@pytest.fixture
def django_assert_max_num_queries(django_assert_max_num_queries):
    """pytest-django's, measuring the page's own queries (activity_write_not_due)."""
    return _page_queries_only(django_assert_max_num_queries)


@pytest.fixture
def login_client():
    """``login_client(user)`` gives a test client signed in as that user."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        # One request settles the session as a real login would (activity clock, second-
        # factor decision), so query counts measured afterwards are those of steady use.
        client.get("/")
        return client

    return make


@pytest.fixture
def post_routing(kobe):
    """The post categories linked to case categories as the demo links them
    (``kobepost.public.demo.POST_ROUTING``): {post category code: case category}."""
    from kobepost.public.demo import seed_post_routing
    from kobepost.public.models import PostCategory

    seed_post_routing()
    categories = PostCategory.objects.select_related("ticket_category__department")
    return {category.code: category.ticket_category for category in categories}
