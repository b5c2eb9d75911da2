"""kobepost.lib.private_search: what a posted search's address holds, and what it gives back."""

from urllib.parse import parse_qsl, urlsplit

from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.http import QueryDict
from django.test import RequestFactory
from hypothesis import given
from hypothesis import strategies as st

from kobepost.lib.private_search import KEY_PARAM, private_search_data, private_search_url

PRIVATE = ("q",)
FILTERS = ("status", "ward", "sort")
# Anything typed, including what looks like a parameter, a path or another language.
typed = st.text(min_size=1, max_size=60).filter(str.strip)
filter_value = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", max_size=12)


def request_with_session():
    request = RequestFactory().post("/callcenter/cases/")
    request.session = SessionStore()
    return request


@given(words=typed, filters=st.dictionaries(st.sampled_from(FILTERS), filter_value))
def test_the_address_holds_the_filters_and_a_key_and_gives_the_words_back(words, filters):
    request = request_with_session()
    posted = QueryDict(mutable=True)
    posted.update({"q": words, "csrfmiddlewaretoken": "t0ken", "page": "3", **filters})
    address = private_search_url(
        request, path="/callcenter/cases/", data=posted, private_fields=PRIVATE
    )

    parts = urlsplit(address)
    assert parts.path == "/callcenter/cases/"
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    kept_filters = {name: value for name, value in filters.items() if value.strip()}
    assert query == {**kept_filters, KEY_PARAM: query[KEY_PARAM]}
    assert len(query[KEY_PARAM]) == 8

    data, forgotten = private_search_data(request, QueryDict(parts.query))
    assert not forgotten
    assert data.get("q") == words
    assert {name: data.get(name) for name in kept_filters} == kept_filters
    assert KEY_PARAM not in data and "page" not in data


@given(filters=st.dictionaries(st.sampled_from(FILTERS), filter_value))
def test_a_key_unknown_to_the_session_is_reported_and_adds_nothing(filters):
    query = QueryDict(mutable=True)
    query.update({**filters, KEY_PARAM: "unknown1"})
    data, forgotten = private_search_data(request_with_session(), query)
    assert forgotten and "q" not in data
    assert {name: data.get(name) for name in filters} == filters


def test_a_search_without_words_needs_no_key():
    request = request_with_session()
    address = private_search_url(
        request,
        path="/callcenter/cases/",
        data=QueryDict("q=+&status=open&ward="),
        private_fields=PRIVATE,
    )
    assert address == "/callcenter/cases/?status=open"
    assert not request.session.modified
