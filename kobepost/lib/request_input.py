"""Values from a request that the database can hold (issue 22: no crafted input becomes a 500).

Two things anybody can send turn into database errors rather than a clear refusal:

* a NUL character: PostgreSQL text cannot hold or compare one, so even a search for it
  fails (``DataError``). No form a person fills in sends one, so the request is refused as
  a whole, in one place for every page and the API (kobepost.middleware.CraftedInputMiddleware);
* a number beyond PostgreSQL's ``bigint``, the type of every id, LIMIT and OFFSET here.
  ``str.isdigit()`` does not protect: it accepts "²" and full-width digits of any length,
  which ``int()`` then refuses or turns into an id no column can hold.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kobepost.public.open311 import api_format, error_response

BIGINT_MAX = 2**63 - 1
_BIGINT_DIGITS = len(str(BIGINT_MAX))


def parse_id(value: object) -> int | None:
    """A database id from text sent by anyone: ASCII digits, 1 to ``BIGINT_MAX``; else None."""
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        return None
    if len(value) > _BIGINT_DIGITS:
        return None
    number = int(value)
    return number if 0 < number <= BIGINT_MAX else None


def has_nul(request: HttpRequest) -> bool:
    """True when the path, a query parameter or a form field (name or value) holds a NUL."""
    if "\x00" in request.path:
        return True
    parameters = [request.GET]
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        parameters.append(request.POST)
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for query in parameters
        for key, values in query.lists()
    )


def bad_input_response(
    request: HttpRequest, *, description: str = "the request could not be processed"
) -> HttpResponse:
    """The 400 answer to input that cannot be processed: a Japanese page, or the API's own
    error format under Open311 (an app must never have to parse an HTML page), where
    ``description`` tells the app's developer what to change."""
    if fmt := api_format(request.path):
        return error_response(fmt, 400, description)
    return render(request, "400.html", status=400)
