"""An English reader walks ten pages of both faces and meets no Japanese interface text.

Japanese that is data (department, category and FAQ names, case titles, staff names, the
name 日本語 in the language switch) is allowed: only the interface is translated. The
catalog test (test_translations.py) checks entries; this one checks what is rendered.
"""

import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.test import Client
from django.utils import translation

from kobepost.public.auth import SESSION_CITIZEN_HASH, SESSION_CITIZEN_ID, _auth_hash
from kobepost.public.tests.fixtures import make_citizen, make_post
from kobepost.stats.tests.stats_data import build_known_set
from tickets.services import case_reply
from tickets.tests.factories import make_case

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef\u3000-\u303f]+")
SHOWN_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt", "value")
# Language names are written in their own language, by convention; addresses are typed in
# Japanese, so the English help says to start one with 「神戸市」.
ALWAYS_ALLOWED = {"日本語", "神戸市"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1
        for name, value in attrs:
            if name in SHOWN_ATTRIBUTES and value and not (tag == "input" and name == "value"):
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def data_strings() -> set[str]:
    """Every text value stored in the database: what a page may show in Japanese."""
    found: set[str] = set()
    for model in apps.get_models():
        fields = [
            f.name
            for f in model._meta.get_fields()
            if isinstance(f, models.CharField | models.TextField) and not f.choices
        ]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            for value in row:
                if value:
                    found.add(str(value))
    return found


def japanese_ui_text(html: str, allowed: set[str]) -> list[str]:
    parser = _Text()
    parser.feed(html)
    text = "\n".join(parser.parts)
    # Data first, longest first, so a name containing a shorter name goes whole.
    for value in sorted(allowed, key=len, reverse=True):
        if JAPANESE.search(value):
            text = text.replace(value, " ")
            for line in value.splitlines():
                if line.strip():
                    text = text.replace(line.strip(), " ")
    return sorted({match.group() for match in JAPANESE.finditer(text)})


@pytest.fixture(autouse=True)
def _japanese_afterwards():
    """The locale middleware leaves English active in the test's thread after an English
    request; later tests (the calendar's 令和 labels) would then read English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def english(client: Client, path: str) -> str:
    client.cookies["django_language"] = "en"
    # The request activates English for the whole thread; the tests after this one expect
    # the language they had.
    with translation.override(translation.get_language()):
        response = client.get(path)
    assert response.status_code == 200, path
    html = response.content.decode()
    assert '<html lang="en">' in html, path
    return html


PAGES = [
    (None, "/login/"),
    (None, "/public/"),
    (None, "/public/login/"),
    (None, "/public/register/"),
    ("supervisor", "/stats/?preset=custom&date_from=2026-04-01&date_to=2027-03-31"),
    ("supervisor", "/stats/monthly/?fy=2026"),
    ("supervisor", "/departments/overdue/"),
    ("staff_tobu", "/departments/"),
    ("operator", "/faq/"),
    ("operator", "/callcenter/"),
    ("operator", "/callcenter/cases/new/"),
    ("operator", "/callcenter/callbacks/"),
    ("staff_tobu", "/departments/cases/new/"),
    ("operator", "/cti/calls/"),
]


@pytest.mark.parametrize(("who", "path"), PAGES)
def test_english_page_has_no_japanese_interface_text(request, login_client, supervisor, who, path):
    build_known_set(supervisor)
    client = login_client(request.getfixturevalue(who)) if who else Client()
    html = english(client, path)
    left = japanese_ui_text(html, data_strings() | ALWAYS_ALLOWED)
    assert left == [], f"{path}: {left}"


def test_public_face_has_a_language_switch(db):
    client = Client()
    page = client.get("/public/").content.decode()
    assert 'action="/public/language/"' in page
    response = client.post("/public/language/", {"language": "en", "next": "/public/"})
    assert response.status_code == 302
    with translation.override(translation.get_language()):  # see english()
        assert '<html lang="en">' in client.get("/public/").content.decode()


def _signed_in_citizen_with_post() -> tuple[Client, int]:
    citizen = make_citizen()
    post = make_post(citizen, published=True)
    client = Client()
    session = client.session
    session[SESSION_CITIZEN_ID] = citizen.pk
    session[SESSION_CITIZEN_HASH] = _auth_hash(citizen)
    session.save()
    return client, post.pk


# Pages that show one record: a case (dates, statuses, its timeline), the notices (written
# in Japanese by the services, read here in English), an FAQ entry and a citizen's post.
RECORD_PAGES = [
    ("operator", "/notifications/"),
    ("staff_tobu", "/notifications/"),
    ("operator", "/callcenter/cases/{case}/"),
    ("operator", "/callcenter/cases/{case}/print/"),
    ("operator", "/callcenter/cases/"),
    ("staff_tobu", "/departments/cases/{case}/"),
    ("operator", "/faq/{entry}/"),
    ("supervisor", "/triage/"),
    ("supervisor", "/triage/posts/{post}/"),
    ("citizen", "/public/posts/{post}/"),
    ("citizen", "/public/my/"),
    ("citizen", "/public/post/"),
    ("citizen", "/public/account/"),
]


@pytest.mark.parametrize(("who", "path"), RECORD_PAGES)
def test_english_record_page_has_no_japanese_interface_text(
    request, login_client, supervisor, who, path
):
    with translation.override("ja"):  # the notices are written by Japanese staff
        known = build_known_set(supervisor)
        # A reply, so that the call center's notices list one too.
        replied = make_case(supervisor, title="歩道の段差")
        case_reply(case=replied, user=request.getfixturevalue("staff_tobu"), reply_text="補修済み")
    client, post = _signed_in_citizen_with_post()
    if who != "citizen":
        client = login_client(request.getfixturevalue(who))
    html = english(client, path.format(case=known["a"].pk, post=post, entry=known["entry"].pk))
    left = japanese_ui_text(html, data_strings() | ALWAYS_ALLOWED)
    assert left == [], f"{path}: {left}"
