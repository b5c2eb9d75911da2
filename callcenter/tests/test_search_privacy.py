"""A search by a caller's phone number or name, and the phone-history look-up, never put
them in a URL (kobepost/lib/private_search.py): what the address bar, the access logs and the
next page's Referer would keep holds only the filters and a short key of this login."""

import re
from urllib.parse import parse_qs, quote, quote_plus, unquote_plus, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from kobepost.lib.private_search import KEPT_PER_SESSION, SESSION_KEY
from tickets.tests.factories import make_case

URL = reverse("callcenter:case_list")
EXPORT = reverse("callcenter:case_export")
HISTORY = reverse("callcenter:phone_history")
PHONE = "078-331-8181"


@pytest.fixture
def callers(operator):
    return [
        make_case(
            operator,
            title="歩道の陥没",
            caller_name="日向 太郎",
            caller_kana="ヒナタ タロウ",
            caller_phone=PHONE,
            caller_phone_digits="0783318181",
        ),
        make_case(operator, title="街灯が消えている", caller_name="港 花子"),
    ]


def titles(response) -> list[str]:
    return [row["title"] for row in response.context["page"].object_list]


def spellings_in(address: str) -> str:
    """The address as any log may write it: raw, and decoded."""
    return f"{address} {unquote_plus(address)}"


def assert_nothing_personal(address: str, typed: str) -> None:
    written = spellings_in(address)
    for form in {typed, quote(typed), quote_plus(typed), *typed.split()}:
        assert form not in written, (form, address)
    digits = re.sub(r"\D", "", typed)
    if len(digits) >= 6:
        assert digits not in re.sub(r"\D", "", written), address


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        (PHONE, ["歩道の陥没"]),
        ("０７８（３３１）８１８１", ["歩道の陥没"]),
        ("0783318181", ["歩道の陥没"]),
        ("日向 太郎", ["歩道の陥没"]),
        ("ひなた", ["歩道の陥没"]),
        ("港", ["街灯が消えている"]),
    ],
)
def test_a_search_by_phone_or_name_is_shown_at_an_address_without_it(
    login_client, operator, callers, typed, found
):
    client = login_client(operator)
    posted = client.post(URL, {"q": typed, "status": "open", "sort": "-received_at"})
    assert posted.status_code == 302
    address = posted["Location"]
    assert_nothing_personal(address, typed)
    query = parse_qs(urlsplit(address).query)
    assert query["status"] == ["open"] and query["sort"] == ["-received_at"]
    [key] = query["s"]
    assert client.session[SESSION_KEY][key] == {"q": [typed]}

    shown = client.get(address)
    assert shown.status_code == 200
    assert titles(shown) == found
    # What was typed is still in the box, for the next search.
    assert shown.context["form"]["q"].value() == typed
    # The export repeats the address, never the words.
    assert typed not in "".join(value for _name, value in shown.context["search_params"])


def test_paging_keeps_the_key_and_not_the_words(login_client, operator, kobe):
    for number in range(55):
        make_case(operator, title=f"陥没 {number}", caller_name="日向 太郎")
    client = login_client(operator)
    address = client.post(URL, {"q": "日向"})["Location"]
    first = client.get(address)
    assert len(first.context["page"].object_list) == 50
    [next_link] = re.findall(r'<a href="([^"]+)" rel="next">', first.content.decode())
    assert "s=" in next_link and "日向" not in unquote_plus(next_link)
    second = client.get(URL + next_link.replace("&amp;", "&"))
    assert len(second.context["page"].object_list) == 5
    assert second.context["form"]["q"].value() == "日向"


def test_an_old_bookmark_with_the_words_is_moved_to_an_address_without_them(
    login_client, operator, callers
):
    client = login_client(operator)
    response = client.get(URL, {"q": PHONE, "ward": ""})
    assert response.status_code == 302
    assert_nothing_personal(response["Location"], PHONE)
    assert titles(client.get(response["Location"])) == ["歩道の陥没"]


def test_a_copied_address_does_not_carry_the_words_to_another_login(
    login_client, operator, supervisor, callers
):
    address = login_client(operator).post(URL, {"q": "日向", "status": "open"})["Location"]
    other = login_client(supervisor)
    shown = other.get(address)
    assert shown.status_code == 200
    assert "検索語をもう一度入力してください。" in shown.content.decode()
    assert shown.context["form"]["q"].value() in (None, "")
    assert sorted(titles(shown)) == ["歩道の陥没", "街灯が消えている"]  # the filters only
    # An export of it would hold far more than the list the other user saw: refused.
    export = other.get(f"{EXPORT}?{urlsplit(address).query}&format=csv&personal=1")
    assert export.status_code == 302 and export["Location"].startswith(URL)
    assert "出力できません" in other.get(export["Location"]).content.decode()


def test_an_export_link_with_the_words_shows_the_search_first(login_client, supervisor, callers):
    client = login_client(supervisor)
    response = client.get(EXPORT, {"q": PHONE, "format": "csv", "personal": "1"})
    assert response.status_code == 302
    assert_nothing_personal(response["Location"], PHONE)
    assert titles(client.get(response["Location"])) == ["歩道の陥没"]


def test_a_session_keeps_only_its_newest_searches(login_client, operator, callers):
    client = login_client(operator)
    addresses = [client.post(URL, {"q": f"語{number}"})["Location"] for number in range(25)]
    kept = client.session[SESSION_KEY]
    assert len(kept) == KEPT_PER_SESSION
    assert client.get(addresses[-1]).context["form"]["q"].value() == "語24"
    assert "検索語をもう一度入力してください。" in client.get(addresses[0]).content.decode()


def test_an_empty_search_is_the_plain_list(login_client, operator, callers):
    response = login_client(operator).post(URL, {"q": "  ", "status": ""})
    assert response["Location"] == URL


def test_bad_filters_are_shown_with_their_errors_and_the_words_kept(
    login_client, operator, callers
):
    client = login_client(operator)
    posted = client.post(
        URL, {"q": "日向", "received_from": "2026-11-10", "received_to": "2026-11-01"}
    )
    shown = client.get(posted["Location"])
    assert "終わりの日は始まりの日以降にしてください。" in shown.content.decode()
    assert shown.context["form"]["q"].value() == "日向"


def test_the_search_form_is_posted_with_its_csrf_token(operator, callers):
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    page = client.get(URL).content.decode()
    assert re.search(r'<form method="post" action="/callcenter/cases/"', page)
    assert client.post(URL, {"q": "日向"}).status_code == 403
    token = client.cookies["csrftoken"].value
    assert client.post(URL, {"q": "日向", "csrfmiddlewaretoken": token}).status_code == 302


def test_the_phone_history_is_posted_with_its_csrf_token(operator, callers):
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    client.get(reverse("callcenter:case_create"))  # sets the CSRF cookie, as the page does
    assert client.get(HISTORY, {"phone": PHONE}).status_code == 405
    assert client.post(HISTORY, {"phone": PHONE}).status_code == 403
    token = client.cookies["csrftoken"].value
    answer = client.post(HISTORY, {"phone": PHONE}, headers={"X-CSRFToken": token})
    assert [case["title"] for case in answer.json()["cases"]] == ["歩道の陥没"]


def test_nearby_cases_refuse_get(login_client, operator):
    nearby = reverse("callcenter:nearby_cases")
    assert login_client(operator).get(nearby, {"latitude": "34.69"}).status_code == 405
