"""Personal data typed into a search never travels in a URL.

Whatever a URL carries is written down on its way: nginx's and gunicorn's access logs, the
browser's history, the Referer of the next request. A search by a caller's phone number,
name or address is therefore POSTed (with its CSRF token), and its personal fields are kept
in the session under a short random key. The redirect that follows (POST → redirect → GET)
and every later link (pages, export) carry only ``s=<key>`` beside the filters that say
nothing about a person (dial, status, dates...), so reload, back and paging work as before.

The key belongs to this login: the session ends at logout, at the idle timeout or after
SESSION_MAX_HOURS, and expired sessions are purged every night (kobepost.privacy.tasks). A link
copied to a colleague opens the same filters and asks for the words again.

JSON look-ups whose parameters describe a person or a home (phone history, address search,
the ward of a point) are POSTed by static/js/lookup.js for the same reason.
"""

import secrets
from collections.abc import Iterable

from django.http import HttpRequest, QueryDict

KEY_PARAM = "s"
SESSION_KEY = "private_searches"
# The newest searches of a session are kept; older keys simply stop working.
KEPT_PER_SESSION = 20
# Never part of a search's address.
NOT_FILTERS = ("csrfmiddlewaretoken", "page", KEY_PARAM)


def _stash(request: HttpRequest, values: dict[str, list[str]]) -> str:
    stored = dict(request.session.get(SESSION_KEY, {}))
    key = secrets.token_urlsafe(6)
    stored[key] = values
    # dicts keep insertion order (also through the session's JSON): the oldest go first.
    request.session[SESSION_KEY] = dict(list(stored.items())[-KEPT_PER_SESSION:])
    return key


def private_search_url(
    request: HttpRequest, *, path: str, data: QueryDict, private_fields: Iterable[str]
) -> str:
    """The address to show the search ``data`` at: its filters in the query string, its
    personal fields stashed in the session under ``s``. Empty values are left out."""
    private_fields = tuple(private_fields)
    public = QueryDict(mutable=True)
    private: dict[str, list[str]] = {}
    for name, values in data.lists():
        kept = [value for value in values if value.strip()]
        if not kept or name in NOT_FILTERS:
            continue
        if name in private_fields:
            private[name] = kept
        else:
            public.setlist(name, kept)
    if private:
        public[KEY_PARAM] = _stash(request, private)
    return f"{path}?{public.urlencode()}" if public else path


def carries_private_fields(query: QueryDict, private_fields: Iterable[str]) -> bool:
    """True for an address written before searches were posted (a bookmark with ``?q=``)."""
    return any(query.get(name, "").strip() for name in private_fields)


def private_search_data(request: HttpRequest, query: QueryDict) -> tuple[QueryDict, bool]:
    """The search as its form reads it: the address's filters plus the stashed personal
    fields. The flag is True when ``s`` names a search this session does not know (an old
    or copied link): the caller must not act as if the words were there."""
    data = query.copy()
    data.pop("page", None)
    key = data.pop(KEY_PARAM, [""])[-1]
    if not key:
        return data, False
    stashed = request.session.get(SESSION_KEY, {}).get(key)
    if stashed is None:
        return data, True
    for name, values in stashed.items():
        data.setlist(name, values)
    return data, False
