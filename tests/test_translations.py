"""The English translation is kept complete (Japanese is the source language)."""

from pathlib import Path

import polib
from django.conf import settings
from django.test import Client
from django.utils import translation

PO = Path(settings.BASE_DIR) / "locale/en/LC_MESSAGES/django.po"
MO = PO.with_suffix(".mo")


def test_every_entry_has_an_english_translation():
    catalog = polib.pofile(str(PO))
    untranslated = [e.msgid for e in catalog.untranslated_entries()]
    fuzzy = [e.msgid for e in catalog.fuzzy_entries()]
    assert not untranslated, f"untranslated: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:10]}"


def test_compiled_catalog_matches_the_source():
    source = {e.msgid: e.msgstr for e in polib.pofile(str(PO)) if e.msgid}
    compiled = {e.msgid: e.msgstr for e in polib.mofile(str(MO)) if e.msgid}
    assert compiled == source, "run `make messages` to recompile locale/en"


def test_english_is_chosen_in_the_footer_and_kept(db):
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert response.status_code == 302
    page = client.get("/login/").content.decode()
    assert '<html lang="en">' in page
    assert "Enter your ID and password" in page
    translation.activate("ja")


def test_japanese_is_the_default_whatever_the_browser_says(db):
    page = Client().get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="ja">' in page
