"""The outbound-data policy: what may leave the tool, per channel, and how free text is cleaned.

The city promised its privacy council that a caller's personal data reaches only those who
need it. Mail crosses networks the city does not control (LGWAN gateways, contractors'
providers), an export leaves the screens for a spreadsheet on someone's desk, and the
public pages and Open311 are open to anyone. So every one of those channels asks this module
which fields it may carry (``CASE_FIELDS``, ``outbound_case``) and takes every free text it
carries (titles, details, notes, addresses, post texts) through ``scrub``. Nothing else
decides this: a new channel gets a line in ``CASE_FIELDS``, not its own cleaning.

``scrub`` replaces, with a visible mark such as 〔削除: 電話番号〕:

* every phone-shaped number, in any width and with any separators (078-123-4567,
  ０７８－１２３－４５６７, 078(123)4567, 078.123.4567, +81 78 123 4567), a local number
  without its area code (331-8181), and the person's own number however it is cut;
* e-mail addresses;
* the person's name: in full with or without the space, each part alone (a one-kanji or
  two-kana part only before an honorific: さん, 様, 様方, 宅 …, because alone it occurs in
  ordinary words), in kanji, hiragana, katakana or half-width kana.

Matching runs on the NFKC-folded text (the search's own folding, ``kobepost.lib.textfold``), and the
marks replace the original characters, so everything kept is exactly what was typed.

For the health dial (食品衛生・環境衛生・動物衛生) the details go out entirely only to a
recipient who may see the symptoms, decided by the one rule the screens use
(``Case.health_symptoms_visible_to``); everyone else gets a mark instead.

Known limits, accepted on purpose: numbers in kanji (〇七八) and names in romaji are not
recognised; a surname that is also a place name (山田町) is removed from the place too, the
price of never leaking it; a postal code written without 〒 looks like a local number.
"""

import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from kobepost.lib.textfold import fold, folded_pieces
from tickets.models import HEALTH_DIAL_CODE, Case
from tickets.normalize import phone_digits


class Channel(StrEnum):
    """Every way case or post data leaves the tool's own screens."""

    DEPARTMENT_MAIL = "department_mail"  # new, urgent, transferred, reopened cases
    CALLCENTER_MAIL = "callcenter_mail"  # replies and status changes, shared mailbox
    REMINDER_MAIL = "reminder_mail"  # the department's daily overdue list
    CONTRACTOR_MAIL = "contractor_mail"  # repair companies outside the city
    AGENCY_MAIL = "agency_mail"  # 兵庫県, 国, utilities
    NOTICE = "notice"  # in-app notices (a line in the header's list)
    EXPORT = "export"  # CSV/xlsx without the personal columns
    PUBLIC = "public"  # KOBE ぽすと pages and Open311


# What each channel may say about a case. Never the caller's name, kana or phone, never the
# health symptoms: no channel lists them, so ``outbound_case`` cannot hand them out.
_STAFF_MAIL_FIELDS = ("reference", "category", "ward", "title", "status", "department", "due_date")
CASE_FIELDS: dict[Channel, tuple[str, ...]] = {
    # Staff mail identifies the case; the details are read in the tool, behind its login.
    Channel.DEPARTMENT_MAIL: _STAFF_MAIL_FIELDS,
    Channel.CALLCENTER_MAIL: _STAFF_MAIL_FIELDS,
    Channel.REMINDER_MAIL: ("reference", "category", "ward", "title", "due_date"),
    Channel.CONTRACTOR_MAIL: (
        "reference",
        "category",
        "ward",
        "address",
        "latitude",
        "longitude",
        "title",
        "details",
        "department",
    ),
    Channel.AGENCY_MAIL: (
        "reference",
        "category",
        "ward",
        "address",
        "title",
        "details",
        "department",
    ),
    Channel.NOTICE: ("reference", "category"),
    Channel.EXPORT: (
        "reference",
        "received_at",
        "kind",
        "channel",
        "dial",
        "category",
        "department",
        "status",
        "work_status",
        "urgent",
        "ward",
        "title",
        "replied_at",
    ),
}
FREE_TEXT_FIELDS = frozenset({"title", "details", "address"})


@dataclass(frozen=True)
class Recipient:
    """Who reads a channel, in the terms ``Case.health_symptoms_visible_to`` asks about."""

    is_supervisor: bool = False
    is_department_staff: bool = False
    department_id: int | None = None


def recipient_of(channel: Channel, case: Case) -> Recipient:
    if channel in {Channel.DEPARTMENT_MAIL, Channel.REMINDER_MAIL}:
        # The responsible department's own mailbox.
        return Recipient(is_department_staff=True, department_id=case.department_id)
    # The call center's shared mailbox (operators), outside bodies and the public.
    return Recipient()


# --- marks ---------------------------------------------------------------------------------
class Removed(StrEnum):
    """What a mark stands for. Japanese: the mail and the public pages are Japanese."""

    PHONE = "電話番号"
    NAME = "氏名"
    EMAIL = "メールアドレス"
    HEALTH = "健康に関する内容"


MARK_PATTERN = re.compile(r"〔削除: (?:" + "|".join(Removed) + r")〕")


def removal_mark(what: Removed) -> str:
    return f"〔削除: {what}〕"


def marked_pieces(text: str) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, is_mark) so a preview can show the marks as marks."""
    pieces: list[tuple[str, bool]] = []
    position = 0
    for match in MARK_PATTERN.finditer(text):
        if match.start() > position:
            pieces.append((text[position : match.start()], False))
        pieces.append((match.group(), True))
        position = match.end()
    if position < len(text):
        pieces.append((text[position:], False))
    return pieces


# --- who must not be named -----------------------------------------------------------------
@dataclass(frozen=True)
class Person:
    """The caller of a case or the citizen behind a post: what identifies them."""

    name: str = ""
    kana: str = ""
    phone: str = ""
    email: str = ""


def people_of_case(case: Case) -> list[Person]:
    """The caller, and the citizens whose KOBE ぽすと posts were forwarded as the case."""
    people = [
        Person(
            name=case.caller_name,
            kana=case.caller_kana,
            phone=case.caller_phone_digits or case.caller_phone,
        )
    ]
    if case.channel == Case.Channel.KOBE_POST and case.pk is not None:
        people += [person_of_citizen(post.citizen) for post in case.posts.all() if post.citizen_id]
    return people


def person_of_citizen(citizen: Any) -> Person:
    return Person(
        name=citizen.name, kana=citizen.name_kana, phone=citizen.phone, email=citizen.email
    )


# --- the scrubber --------------------------------------------------------------------------
# Separators people put inside phone numbers, as they look after NFKC folding (full-width
# hyphens, brackets, dots and spaces have become ASCII; the long vowel mark ー stays).
_PHONE_SEPARATORS = " \t-‐‑‒–—―−ー─━.・/()"
_DIGITS = re.compile(r"[0-9]+")
_PHONE_GAP = re.compile("[" + re.escape(_PHONE_SEPARATORS) + "]{1,3}")
_MAX_PHONE_GROUPS = 5  # +81 78 123 4567 is four; one more for a "(0)"
_YEAR = re.compile(r"(?:19|20)[0-9]{2}")
# The folded text is upper case and katakana: patterns are written in that spelling, or
# folded themselves (see kobepost.lib.textfold).
_EMAIL = re.compile(r"[A-Z0-9!#$%&'*+/=?^_`{|}~.\-]+@[A-Z0-9\-]+(?:\.[A-Z0-9\-]+)+")


def _folded_words(*words: str) -> str:
    return "|".join(re.escape(fold(word)) for word in words)


# 方 also starts 方面/方向/方法, so only when another word does not follow.
_HONORIFIC = re.compile(
    _folded_words("さん", "さま", "様", "宅", "氏", "君", "くん", "ちゃん", "殿")
    + "|方(?![面向法針角])"
)
_NAME_SPLIT = re.compile(r"[\s・]+")
# Folded kana: katakana letters, the long vowel mark and the iteration marks ヽヾ.
_KANA = re.compile(r"[\u30a1-\u30fa\u30fc-\u30fe]+")


def _is_phone(folded: str, groups: list[tuple[int, int]], own: list[str]) -> bool:
    digits = "".join(folded[start:end] for start, end in groups)
    first = groups[0][0]
    before = folded[max(0, first - 3) : first].rstrip(" (")[-1:]
    if before == "+":
        if not digits.startswith("81"):
            return 8 <= len(digits) <= 15  # another country's number
        digits = "0" + digits[2:]
    if len(digits) >= 6 and any(
        number.endswith(digits) or (len(groups) == 1 and number in digits) for number in own
    ):
        return True
    if digits.startswith("0"):
        return 10 <= len(digits) <= 11 or (len(digits) == 9 and len(groups) >= 2)
    if before == "〒" or len(groups) not in (2, 3):
        return False
    # A local number without its area code: 331-8181, 12-3456 (but not 2020-2026).
    *head, last = (end - start for start, end in groups)
    if last != 4 or not all(1 <= size <= 4 for size in head) or not 6 <= len(digits) <= 8:
        return False
    return not all(_YEAR.fullmatch(folded[start:end]) for start, end in groups)


def _widen(folded: str, start: int, end: int) -> tuple[int, int]:
    """Take in the bracket or plus sign that belongs to the number."""
    inside = folded[start:end]
    if start and folded[start - 1] == "(" and inside.count(")") > inside.count("("):
        start -= 1
    plus = folded.rfind("+", max(0, start - 2), start)
    if plus != -1 and not folded[plus + 1 : start].strip():
        start = plus
    if end < len(folded) and folded[end] == ")" and inside.count("(") > inside.count(")"):
        end += 1
    return start, end


def _phone_spans(folded: str, own: list[str]) -> list[tuple[int, int]]:
    runs: list[list[tuple[int, int]]] = []
    for match in _DIGITS.finditer(folded):
        if runs and _PHONE_GAP.fullmatch(folded[runs[-1][-1][1] : match.start()]):
            runs[-1].append(match.span())
        else:
            runs.append([match.span()])
    spans = []
    for run in runs:
        first = 0
        while first < len(run):
            # The longest phone starting at this group (a year before it, another number
            # after it, stay outside).
            for last in range(min(len(run), first + _MAX_PHONE_GROUPS) - 1, first - 1, -1):
                if _is_phone(folded, run[first : last + 1], own):
                    spans.append(_widen(folded, run[first][0], run[last][1]))
                    first = last + 1
                    break
            else:
                first += 1
    return spans


def _name_parts(raw: str) -> tuple[str, list[str]]:
    parts = [part for part in _NAME_SPLIT.split(fold(raw)) if part]
    whole = "".join(parts)
    if len(parts) == 1 and len(whole) >= 2:
        # Written without a space: every way to cut it into surname and given name.
        parts = [piece for cut in range(1, len(whole)) for piece in (whole[:cut], whole[cut:])]
    return whole, parts


def _long_enough(part: str) -> bool:
    """Long enough to remove wherever it occurs: two kanji (山田), three kana (たろう)."""
    return len(part) >= (3 if _KANA.fullmatch(part) else 2)


@functools.lru_cache(maxsize=256)
def _name_words(people: tuple[Person, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(removed wherever they occur, removed only before an honorific), folded, no spaces."""
    anywhere: set[str] = set()
    before_honorific: set[str] = set()
    for person in people:
        for raw in (person.name, person.kana):
            whole, parts = _name_parts(raw)
            for word in [whole, *parts] if whole else []:
                (anywhere if _long_enough(word) else before_honorific).add(word)
    return tuple(anywhere), tuple(before_honorific - anywhere)


def _occurrences(text: str, word: str) -> Iterator[int]:
    start = text.find(word)
    while start != -1:
        yield start
        start = text.find(word, start + 1)


def _word_spans(
    folded: str, anywhere: Sequence[str], before_honorific: Sequence[str] = ()
) -> list[tuple[int, int]]:
    """Where the words occur in ``folded``, spaces between their characters allowed
    (山田 太郎, 山田　太郎 and 山田太郎 alike). Plain searches, no regular expression per
    person: an export scrubs every row with its own caller's name (compiling one pattern
    per row cost a millisecond, a minute for 50,000 rows)."""
    if not anywhere and not before_honorific:
        return []
    kept = [index for index, char in enumerate(folded) if char not in " \t"]
    squeezed = "".join(folded[index] for index in kept)
    spans = []
    for words, needs_honorific in ((anywhere, False), (before_honorific, True)):
        for word in words:
            for start in _occurrences(squeezed, word):
                end = start + len(word)
                if needs_honorific and not _HONORIFIC.match(squeezed, end):
                    continue
                spans.append((kept[start], kept[end - 1] + 1))
    return spans


def scrub(text: str, people: Sequence[Person] = (), *, withheld: Sequence[str] = ()) -> str:
    """``text`` with phone numbers, e-mail addresses and the people's names marked out, and
    the ``withheld`` phrases (the caller's recorded symptoms, see ``health_phrases``)."""
    if not text:
        return text
    pieces = folded_pieces(text)
    folded = "".join(piece[0] for piece in pieces)
    spans: list[tuple[int, int, Removed]] = [
        (*match.span(), Removed.EMAIL) for match in _EMAIL.finditer(folded)
    ]
    own = [digits for person in people if len(digits := phone_digits(person.phone)) >= 6]
    spans += [(*span, Removed.PHONE) for span in _phone_spans(folded, own)]
    spans += [(*span, Removed.NAME) for span in _word_spans(folded, *_name_words(tuple(people)))]
    phrases = [word for phrase in withheld if (word := fold(phrase).replace(" ", ""))]
    spans += [(*span, Removed.HEALTH) for span in _word_spans(folded, phrases)]
    if not spans:
        return text
    spans.sort(key=lambda span: (span[0], -span[1]))
    merged: list[list[Any]] = []
    for start, end, what in spans:
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        elif start < end:
            merged.append([start, end, what])
    out = []
    position = 0
    for start, end, what in merged:
        original_start, original_end = pieces[start][1], pieces[end - 1][2]
        out.append(text[position:original_start])
        out.append(removal_mark(what))
        position = max(position, original_end)
    out.append(text[position:])
    return "".join(out)


def scrub_for_case(case: Case, text: str, channel: Channel) -> str:
    """Free text about ``case`` (a note typed for a mail, a title) as ``channel`` may carry
    it: without the case's people, and without its recorded symptoms where those are
    withheld."""
    return scrub(text, people_of_case(case), withheld=health_phrases(case, channel))


# --- per channel ---------------------------------------------------------------------------
def _case_value(case: Case, name: str) -> Any:
    if name == "category":
        return case.category.name
    if name == "dial":
        return case.dial.name
    if name == "department":
        return case.department.name
    if name == "ward":
        return case.get_ward_display() if case.ward else ""
    if name == "due_date":
        return case.reply_due_date
    if name in {"status", "kind", "channel", "work_status"}:
        return str(getattr(case, f"get_{name}_display")())
    return getattr(case, name)


def may_see_health(channel: Channel, case: Case) -> bool:
    return case.health_symptoms_visible_to(recipient_of(channel, case))


# Between the symptoms a caller reported: punctuation, spaces and the words that list them.
_SYMPTOM_SEPARATORS = re.compile(
    r"(?:[\s、。,.・/()「」!?]|" + _folded_words("と", "や", "および", "及び") + ")+"
)


def health_phrases(case: Case, channel: Channel) -> list[str]:
    """The recorded symptoms, whole and phrase by phrase (腹痛と下痢 → 腹痛, 下痢), that
    ``channel`` must not carry in any free text.

    Only for channels that describe the problem (they carry the details) to someone who may
    not see symptoms: a note copied from the intake is the likely slip. The staff mails
    carry titles only, which the screens do not treat as health data either.
    """
    if "details" not in CASE_FIELDS[channel] or may_see_health(channel, case):
        return []
    recorded = fold(case.health_symptoms)
    parts = [part for part in _SYMPTOM_SEPARATORS.split(recorded) if _long_enough(part)]
    return [recorded.strip(), *parts] if parts else []


def outbound_case(case: Case, channel: Channel) -> dict[str, Any]:
    """The fields ``channel`` may carry about ``case``, free text already scrubbed.

    Display values (names, labels) for related rows and choices; call inside
    ``translation.override("ja")`` for mail.
    """
    fields = CASE_FIELDS[channel]
    free_text = FREE_TEXT_FIELDS & set(fields)
    people = people_of_case(case) if free_text else []
    withheld = health_phrases(case, channel) if free_text else []
    values: dict[str, Any] = {}
    for name in fields:
        value = _case_value(case, name)
        if name == "details" and value and _is_health_dial(case):
            # Callers describe symptoms in the details too, not only in health_symptoms.
            if may_see_health(channel, case):
                value = scrub(value, people)
            else:
                value = removal_mark(Removed.HEALTH)
        elif name in free_text:
            value = scrub(value, people, withheld=withheld)
        values[name] = value
    return values


def _is_health_dial(case: Case) -> bool:
    return case.dial.code == HEALTH_DIAL_CODE


# --- KOBE ぽすと -----------------------------------------------------------------------------
@dataclass(frozen=True)
class PublicPost:
    """What the public pages and Open311 show of a post's free text."""

    text: str
    reply: str
    address: str
    rejection_note: str


def outbound_post(post: Any) -> PublicPost:
    """A post's public texts without its poster's (or anyone's) phone, e-mail or name.

    The supervisor edits ``public_text`` before publishing, but a phone number or the
    poster's name left in it would be on the open internet; this is the net under that.
    """
    people = [person_of_citizen(post.citizen)] if post.citizen_id else []
    return PublicPost(
        text=scrub(post.public_text, people),
        reply=scrub(post.public_reply, people),
        address=scrub(post.address, people),
        rejection_note=scrub(post.rejection_note, people),
    )
