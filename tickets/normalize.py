"""Normalising what operators type: caller kana, phone numbers and search text.

Operators type fast and in whatever input mode is on: hiragana or half-width katakana for the
kana, full-width digits and brackets for phone numbers. Everything is stored in one spelling
so that a search finds it however it is typed later.
"""

import re
import unicodedata
from dataclasses import dataclass

import jaconv
import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kobepost.lib.textfold import fold

# Full-width katakana, the prolonged sound mark, the middle dot and spaces between names.
KATAKANA_PATTERN = re.compile(r"^[\u30a0-\u30ff\u31f0-\u31ff ]*$")
_SPACES = re.compile(r"\s+")


def normalize_kana(text: str) -> str:
    """Hiragana, half-width or full-width katakana → full-width katakana, single spaces."""
    text = unicodedata.normalize("NFKC", text or "")
    text = jaconv.hira2kata(text)
    return _SPACES.sub(" ", text).strip()


def is_katakana(text: str) -> bool:
    return bool(KATAKANA_PATTERN.match(text))


@dataclass(frozen=True)
class Phone:
    display: str  # national format for Japanese numbers, e.g. 078-331-8181
    digits: str  # the same number as digits only, e.g. 0783318181, what searches match


def phone_digits(text: str) -> str:
    """Digits only, however they were typed (full-width digits, brackets, hyphens)."""
    # NFKC, not jaconv.normalize: the latter turns hyphens into long vowel marks.
    text = unicodedata.normalize("NFKC", text or "")
    digits = re.sub(r"[^0-9]", "", text)
    if text.strip().startswith("+81") and digits.startswith("81"):
        digits = "0" + digits[2:]
    return digits


# What a phone number may be written with besides digits: spaces, hyphens, brackets, "+".
_PHONE_PUNCTUATION = re.compile(r"[\s\-‐‑‒–—―−ー()（）.+]")
# Service numbers: 110, 119, 118, 171, 1xxx …, and the #-numbers (#7119).
_SHORT_NUMBER = re.compile(r"^(#[0-9]{3,4}|1[0-9]{2,3})$")


def normalize_phone(text: str) -> Phone:
    """Parse a caller's phone number as a Japanese number.

    Short numbers (110, 119, 171, #7119 ...) are refused: they are services, never a
    caller's own number, and a call back to them would be wrong. Letters get their own
    message: 「12ab」 is a typing slip, not a service number.
    """
    cleaned = unicodedata.normalize("NFKC", text or "").strip()
    bare = _PHONE_PUNCTUATION.sub("", cleaned)
    if re.search(r"[^0-9#]", bare):
        raise ValidationError(
            _("電話番号には数字と「-」「(」「)」だけを入力してください（例: 078-331-8181）。"),
            code="not_digits",
        )
    if _SHORT_NUMBER.match(bare):
        raise ValidationError(
            _(
                "110・119 などの短縮番号は登録できません。"
                "通報者の電話番号（市外局番から）を入力してください。"
            ),
            code="short_number",
        )
    try:
        number = phonenumbers.parse(cleaned, "JP")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("電話番号が正しくありません。市外局番から入力してください（例: 078-331-8181）。"),
            code="invalid_phone",
        )
    if number.country_code == 81:
        display = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    else:
        display = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return Phone(display=display, digits=re.sub(r"[^0-9]", "", display))


def search_text(*texts: str) -> str:
    """The texts in the search spelling (``kobepost.lib.textfold.fold``), one per line, so that
    a word of three or more characters is found (LIKE, trigram index) however either side was
    typed: width, hiragana/katakana and case are folded the same way as the query."""
    return "\n".join(folded for text in texts if (folded := fold(text)))


def search_tokens(*texts: str) -> list[str]:
    """Every character and every pair of neighbouring characters, for 1–2 character search.

    A word of one or two characters occurs in a text exactly when its token is in this set,
    so a GIN index over the tokens answers what a trigram index cannot (陥没, 日向).
    """
    tokens: set[str] = set()
    for text in texts:
        for chunk in _SPACES.split(fold(text)):
            tokens.update(chunk)
            tokens.update(chunk[i : i + 2] for i in range(len(chunk) - 1))
    return sorted(tokens)
