"""The list and search pages, and the Open311 API, never answer a 5xx (issue 22), whatever
hypothesis puts into their query or form: any text, NUL and control characters, huge and
negative numbers, "nan", impossible dates, invalid UTF-8, oversized values, repeated names.

The names are those of the page's own form fields plus the parameters the views read
(tests/test_crafted_input.py walks every URL with a fixed set of such values). The API
answers its errors in its own format. Each request is undone afterwards (``send``).
"""

from urllib.parse import quote

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from callcenter.exports import CallPeriodForm, ExportForm
from callcenter.forms import CaseSearchForm
from faq.forms import SearchForm
from kobepost.public.models import ApiClient
from kobepost.stats.views import MonthlyReportForm, StatsFilterForm
from tests.test_crafted_input import HUGE, OPEN311_PREFIX, check, field_names, send
from tests.test_permission_matrix import world  # noqa: F401 - a fixture
from tests.urlwalk import client_for


def fields(*forms) -> tuple[str, ...]:
    return tuple(name for form in forms for name in form.base_fields)


OPEN311_FILTERS = ("service_request_id", "service_code", "start_date", "end_date", "status")
ADMIN_LIST = ("q", "o", "p", "all", "e", "_changelist_filters", "action__exact", "status__exact")
# The list and search pages of each role (url name, or name and kwargs) with the names their
# views read; the page's own form fields are added from its HTML. Look-ups with personal
# data are posted (kobepost/lib/private_search.py): POSTED.
PAGES: dict[str, list[tuple[str | tuple[str, dict], tuple[str, ...]]]] = {
    "anonymous": [
        ("public:home", ("page",)),
        (("public:open311_requests", {"fmt": "json"}), OPEN311_FILTERS),
        (("public:open311_requests", {"fmt": "xml"}), OPEN311_FILTERS),
    ],
    "operator": [
        ("callcenter:case_list", (*fields(CaseSearchForm), "page")),
        ("callcenter:callbacks", ("page",)),
        ("callcenter:phone_history", ("phone",)),
        ("callcenter:nearby_cases", ("latitude", "longitude", "category")),
        ("callcenter:case_create", ("dial", "category", "title", "details", "phone")),
        ("faq:search", (*fields(SearchForm), "page")),
        ("faq:call_create", ("dial", "topic")),
        ("notifications:notices", ("page",)),
        ("geo:search", ("q",)),
        ("geo:ward", ("lat", "lng")),
        ("geo:towns", ("bbox",)),
    ],
    "supervisor": [
        ("callcenter:case_list", (*fields(CaseSearchForm), "page")),
        ("callcenter:case_export", fields(ExportForm, CaseSearchForm)),
        ("callcenter:call_export", fields(ExportForm, CallPeriodForm)),
        ("stats:dashboard", fields(StatsFilterForm)),
        ("stats:monthly", fields(MonthlyReportForm)),
        ("stats:monthly_csv", fields(MonthlyReportForm)),
        ("triage:queue", ("state", "page")),
        ("faq:review_list", ("page",)),
        ("faq:proposal_list", ("status", "page")),
        ("departments:overdue", ("page",)),
        ("notifications:failed", ("page",)),
    ],
    "dept_own": [
        ("departments:home", ("filter", "page")),
        ("departments:map_data", ("bbox",)),
        ("departments:canned_list", ("page",)),
        ("callcenter:case_list", (*fields(CaseSearchForm), "page")),
        ("faq:proposal_list", ("status", "page")),
    ],
    "admin": [
        ("privacy:list", ("page", "q", "status")),
        ("admin:tickets_case_changelist", ADMIN_LIST),
        ("admin:audit_auditevent_changelist", (*ADMIN_LIST, "occurred_at__gte")),
        ("admin:kobepost_user_changelist", (*ADMIN_LIST, "role__exact", "is_active__exact")),
    ],
    "citizen": [("public:my_posts", ("page",)), ("public:home", ("page",))],
}
SPECIAL = [
    *("", " ", "0", "-1", HUGE, f"-{HUGE}", "1e309", "nan", "-inf", "１２３", "²", "0x1F"),
    *("2026-02-30", "2026-13-01T25:61", "9999-12-31", "0000-00-00", "2026-11-26 10:00+09"),
    *("%", "'", '"', "\\", "<script>", "\x00", "a\x00b", "\r\n", "\u202e", "日向", "🚧"),
    *(",", ",,,", "34.69,135.19,34.70,135.20", "1,2,3,4,5", "open,closed", "road-damage"),
]
TEXT = st.one_of(
    st.sampled_from(SPECIAL),
    st.text(max_size=30),
    st.integers().map(str),
    st.floats().map(str),
    st.dates().map(str),
    st.datetimes().map(lambda moment: moment.isoformat()),
    st.integers(min_value=500, max_value=20_000).map(lambda length: "９" * length),
)
# Raw bytes are sent percent-encoded as they are: most are not UTF-8.
VALUE = st.one_of(TEXT.map(str.encode), st.binary(max_size=12))
POSTED = {
    "callcenter:phone_history",
    "callcenter:nearby_cases",
    "geo:search",
    "geo:ward",
}
CRAFTED = hypothesis_settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def url_of(page: str | tuple[str, dict]) -> str:
    name, kwargs = page if isinstance(page, tuple) else (page, {})
    return reverse(name, kwargs=kwargs)


_names: dict[tuple[str, str], tuple[str, ...]] = {}


def names_of(role: str, path: str, read: tuple[str, ...], client) -> tuple[str, ...]:
    """The names to craft, found once per role and page (not once per example)."""
    if (role, path) not in _names:
        found = field_names(client, path, known=read)
        assert found is not None, f"{path} is refused to {role}: not a page of this role"
        _names[role, path] = tuple(found)
    return _names[role, path]


def query(pairs: list[tuple[str, bytes]]) -> str:
    return "&".join(f"{quote(name)}={quote(value, safe='')}" for name, value in pairs)


@pytest.mark.parametrize("role", list(PAGES))
@CRAFTED
@given(data=st.data())
def test_no_query_of_a_list_or_search_page_gives_a_server_error(world, role, data):  # noqa: F811
    client = client_for(role, world)
    client.raise_request_exception = False
    page, read = data.draw(st.sampled_from(PAGES[role]), label="page")
    path = url_of(page)
    name = page[0] if isinstance(page, tuple) else page
    names = names_of(role, path, read, client)
    # A few parameters at a time: a view that refuses one bad value (400) would hide what
    # another value does to it.
    pairs = data.draw(st.lists(st.tuples(st.sampled_from(names), VALUE), min_size=1, max_size=3))
    problems: list[str] = []
    if name in POSTED:
        response = send(
            client,
            "post",
            path,
            data=query(pairs),
            content_type="application/x-www-form-urlencoded",
        )
    else:
        response = send(client, "get", f"{path}?{query(pairs)}")
    check(problems, response, f"{'POST' if name in POSTED else 'GET'} {path}", path)
    assert not problems, problems


@pytest.fixture
def open311_app(world, settings):  # noqa: F811
    settings.PUBLIC_RATE_LIMITS = {key: (10_000, 3600) for key in settings.PUBLIC_RATE_LIMITS}
    app = ApiClient(name="ファズ用アプリ")
    key = app.issue_key()
    app.save()
    return {"api_key": key, "citizen_token": world["citizen"].issue_api_token()}


OPEN311_FIELDS = ["service_code", "description", "lat", "long", "address_string", "media_url"]


@CRAFTED
@given(
    fields=st.fixed_dictionaries({}, optional=dict.fromkeys(OPEN311_FIELDS, VALUE)),
    fmt=st.sampled_from(["json", "xml"]),
)
def test_no_form_posted_to_open311_gives_a_server_error(world, open311_app, fields, fmt):  # noqa: F811
    client = client_for("anonymous", world)
    client.raise_request_exception = False
    body = query(
        [(name, value.encode()) for name, value in open311_app.items()] + [*fields.items()]
    )
    path = f"{OPEN311_PREFIX}requests.{fmt}"
    response = send(
        client, "post", path, data=body, content_type="application/x-www-form-urlencoded"
    )
    problems: list[str] = []
    check(problems, response, f"POST {path}", path)
    assert not problems, problems
    assert response.status_code in (201, 400), response.content[:300]
