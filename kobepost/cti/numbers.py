"""The caller's number as the PBX reports it, and how it is shown to those who may not see it.

Japanese networks tell why a number is missing (非通知理由): the caller withheld it (P,
「非通知」), it is a public phone (C, 「公衆電話」), or the network could not deliver it
(O, 「通知不可能」, international and some IP calls; S, 「サービス競合」). PBXs spell these in
many ways: a word or a phrase ("Withheld Number", 「非通知設定」), a presentation status
(Asterisk's ``prohib_not_screened``), or a SIP URI (RFC 3323's
``"Anonymous" <sip:anonymous@anonymous.invalid>``; a number comes as
``sip:+81783318181@pbx`` or ``tel:+81-78-331-8181``). The URI's user part is read, and each
spelling is folded (NFKC, case, separators) before it is looked up.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from kobepost.cti.models import CallerId
from tickets.normalize import normalize_phone

_WORDS = {
    CallerId.WITHHELD: {
        "p",
        "anonymous",
        "anonymouscaller",
        "withheld",
        "withheldnumber",
        "numberwithheld",
        "private",
        "privatenumber",
        "privatecaller",
        "restricted",
        "restrictednumber",
        "presentationrestricted",
        "prohibited",
        "hidden",
        "非通知",
        "非通知設定",
        "ひつうち",
        "ヒツウチ",
        "番号非通知",
        "ユーザ拒否",
        "ユーザー拒否",
    },
    CallerId.PAYPHONE: {
        "c",
        "payphone",
        "coin",
        "coinline",
        "coinphone",
        "public",
        "publicphone",
        "公衆電話",
        "公衆電話から",
        "公衆電話発信",
        "公衆",
    },
    CallerId.UNAVAILABLE: {
        "o",
        "s",
        "unavailable",
        "numberunavailable",
        "unknown",
        "unknownnumber",
        "unknowncaller",
        "out_of_area",
        "outofarea",
        "notavailable",
        "通知不可",
        "通知不可能",
        "表示圏外",
        "サービス提供不可",
        "サービス競合",
    },
}
_STATUS_BY_WORD = {word: status for status, words in _WORDS.items() for word in words}
# Asterisk's presentation statuses: prohib, prohib_not_screened, prohib_passed_screen, …
_WITHHELD_PREFIX = "prohib"
_SEPARATORS = re.compile(r"[\s\-_]+")
# The user part of a SIP or tel URI, with or without a display name and angle brackets.
_URI_USER = re.compile(r"(?:sips?|tel):([^@;>\s]+)", re.IGNORECASE)


@dataclass(frozen=True)
class CallerNumber:
    caller_id: str  # a CallerId value
    display: str = ""  # 078-331-8181 when the number is known
    digits: str = ""  # 0783318181


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip().lower()


def _uri_user(text: str) -> str:
    """``"Anonymous" <sip:anonymous@anonymous.invalid>`` → ``anonymous``; other text as is."""
    found = _URI_USER.search(text or "")
    return found.group(1) if found else text


def _status_word(text: str) -> str | None:
    folded = _fold(text)
    joined = _SEPARATORS.sub("", folded)
    if joined.startswith(_WITHHELD_PREFIX):
        return CallerId.WITHHELD
    return _STATUS_BY_WORD.get(folded) or _STATUS_BY_WORD.get(joined)


def caller_number_parse(raw: str, status: str = "") -> CallerNumber:
    """What the PBX said about the caller, never an error: a call happened either way.

    ``status`` is the PBX's own reason field (optional). A number that is not a valid
    phone number (a short code, digits garbled on the way) counts as 通知不可: the journal
    keeps the call, but no call back is offered to a number nobody can dial.
    """
    given = _status_word(status) if status and _fold(status) not in {"", "number"} else None
    if given:
        return CallerNumber(given)
    raw = _uri_user(raw)
    word = _status_word(raw)
    if word:
        return CallerNumber(word)
    if not _fold(raw):
        return CallerNumber(CallerId.UNAVAILABLE)
    try:
        phone = normalize_phone(raw)
    except ValidationError:
        return CallerNumber(CallerId.UNAVAILABLE)
    return CallerNumber(CallerId.NUMBER, phone.display, phone.digits)


def masked_number(display: str) -> str:
    """078-331-8181 → ***-***-**81: enough to tell two calls apart, not to call back."""
    digits = sum(character.isdigit() for character in display)
    kept = 0
    masked = []
    for character in display:
        if character.isdigit():
            kept += 1
            masked.append(character if kept > digits - 2 else "*")
        else:
            masked.append(character)
    return "".join(masked)
