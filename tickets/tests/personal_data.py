"""Generated callers and the free text they end up in, for the outbound-data tests.

A caller has a name (with or without the space), its kana, a phone number; the text an
operator or a department types about the case spells them in every way people do:
full-width, spaced, bracketed, dotted, the given name alone with さん, the surname in an
address (山田様方), hiragana, half-width kana; with other people's numbers, e-mail
addresses and, for the health dial, symptoms. ``leaks`` says which of them a text still
carries, checked by what a reader would recognise, not by how the scrubber works.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import jaconv
from hypothesis import strategies as st

from kobepost.lib.textfold import fold

# (kanji, katakana) pairs. Real names, chosen not to occur in the mail templates' own words.
SURNAMES = [
    ("山田", "ヤマダ"),
    ("日向", "ヒナタ"),
    ("高橋", "タカハシ"),
    ("佐々木", "ササキ"),
    ("長谷川", "ハセガワ"),
    ("渡邊", "ワタナベ"),
    ("小林", "コバヤシ"),
    ("林", "ハヤシ"),  # one kanji: recognisable alone only before an honorific
]
GIVEN_NAMES = [
    ("太郎", "タロウ"),
    ("花子", "ハナコ"),
    ("一郎", "イチロウ"),
    ("美咲", "ミサキ"),
    ("健太", "ケンタ"),
    ("誠", "マコト"),  # one kanji
]
HONORIFICS = ["さん", "様", "様方", "宅", "さま"]
SYMPTOMS = ["下痢と発熱", "腹痛", "嘔吐", "発疹", "頭痛とめまい", "吐き気"]
RECORDED_SYMPTOMS = st.lists(st.sampled_from(SYMPTOMS), min_size=1, max_size=3, unique=True)
# Words around the personal items: no digits, no "@", none of the names above.
FILLER = [
    "道路に穴",
    "街灯が消えている",
    "現地確認をお願いします",
    "至急",
    "前の歩道",
    "ごみが残っている",
    "夜間は暗い",
    "から連絡あり",
    "通報者",
    "電話",
    "の前",
]
# Between items: punctuation, spaces and brackets, which join or split digit groups.
JOINERS = ["、", "。", " ", "　", "（", "）", "：", "\n", "／"]
AREA_CODES = ["078", "06", "0797", "079", "090", "080", "070", "050", "0120"]
FULL_WIDTH = str.maketrans(
    "0123456789-()+.@abcdefghijklmnopqrstuvwxyz",
    "０１２３４５６７８９－（）＋．＠ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ",
)


@dataclass(frozen=True)
class Phone:
    area: str
    exchange: str
    subscriber: str

    @property
    def digits(self) -> str:
        return self.area + self.exchange + self.subscriber


@dataclass
class Caller:
    surname: tuple[str, str]
    given: tuple[str, str]
    spaced: bool
    phone: Phone
    others: list[Phone] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.surname[0]}{' ' if self.spaced else ''}{self.given[0]}"

    @property
    def kana(self) -> str:
        return f"{self.surname[1]} {self.given[1]}"


@st.composite
def phones(draw) -> Phone:
    area = draw(st.sampled_from(AREA_CODES))
    # Ten digits in all (eleven for mobiles), as Japanese numbers are.
    rest = 8 if area.startswith(("090", "080", "070", "050")) else 10 - len(area)
    number = draw(st.from_regex(rf"\A[1-9][0-9]{{{rest - 1}}}\Z"))
    cut = rest - 4 if rest > 4 else rest - 3
    return Phone(area=area, exchange=number[:cut], subscriber=number[cut:])


def phone_spellings(phone: Phone) -> list[str]:
    a, e, s = phone.area, phone.exchange, phone.subscriber
    hyphens = f"{a}-{e}-{s}"
    return [
        hyphens,
        f"{a} {e} {s}",
        f"{a}　{e}　{s}",
        f"{a}({e}){s}",
        f"({a}){e}-{s}",
        f"{a}.{e}.{s}",
        f"{a}ー{e}ー{s}",
        phone.digits,
        hyphens.translate(FULL_WIDTH),
        f"{a}({e}){s}".translate(FULL_WIDTH),
        f"+81 {a[1:]}-{e}-{s}",
        f"{e}-{s}",  # a local number, without the area code
    ]


# Addresses short enough for a case title (200 characters), from mail providers' shapes.
SHORT_EMAILS = st.emails(
    domains=st.sampled_from(["example.jp", "mail.example.com", "docomo.example.ne.jp"])
).filter(lambda address: len(address) <= 40)


ANY_EMAILS = st.emails()


@st.composite
def callers(draw, emails: st.SearchStrategy[str] = ANY_EMAILS) -> Caller:
    return Caller(
        surname=draw(st.sampled_from(SURNAMES)),
        given=draw(st.sampled_from(GIVEN_NAMES)),
        spaced=draw(st.booleans()),
        phone=draw(phones()),
        others=draw(st.lists(phones(), max_size=2)),
        emails=draw(st.lists(emails, max_size=2)),
    )


def name_spellings(caller: Caller) -> list[str]:
    surname, surname_kana = caller.surname
    given, given_kana = caller.given
    hiragana = jaconv.kata2hira(f"{surname_kana} {given_kana}")
    return [
        caller.name,
        f"{surname}{given}",
        f"{surname}　{given}",
        f"{surname} {given}",
        *(f"{given}{honorific}" for honorific in HONORIFICS),
        *(f"{surname}{honorific}" for honorific in HONORIFICS),
        f"{surname_kana} {given_kana}",
        f"{surname_kana}{given_kana}",
        hiragana,
        jaconv.z2h(f"{surname_kana}{given_kana}", kana=True),
        f"{jaconv.kata2hira(given_kana)}さん",
    ]


@st.composite
def texts_about(draw, caller: Caller, *, max_items: int = 8, symptoms: Sequence[str] = ()) -> str:
    """Free text mentioning the caller in several spellings, with other numbers and mail,
    and some of the caller's ``symptoms`` (as recorded on the case)."""
    items = draw(st.lists(st.sampled_from(name_spellings(caller)), min_size=1, max_size=3))
    items += draw(st.lists(st.sampled_from(phone_spellings(caller.phone)), min_size=1, max_size=2))
    for other in caller.others:
        items.append(draw(st.sampled_from(phone_spellings(other))))
    for email in caller.emails:
        items.append(draw(st.sampled_from([email, email.lower().translate(FULL_WIDTH)])))
    if symptoms:
        items += draw(st.lists(st.sampled_from(list(symptoms)), min_size=1, max_size=2))
    items += draw(st.lists(st.sampled_from(FILLER), max_size=3))
    items = draw(st.permutations(items))[:max_items]
    out = []
    for item in items:
        out.append(item)
        out.append(draw(st.sampled_from(JOINERS)))
    return "".join(out).strip()


# --- what a reader would recognise -----------------------------------------------------------
_DIGIT_RUN = re.compile(r"[0-9]+(?:[ \t\-‐‑‒–—―−ー.・/()]{1,3}[0-9]+)*")


def _long_enough(part: str) -> bool:
    """A name part a reader recognises on its own: two kanji, or three kana (folded, so
    katakana)."""
    return len(part) >= (3 if re.fullmatch(r"[\u30a1-\u30fa\u30fc-\u30fe]+", part) else 2)


def personal_items(caller: Caller, *, symptoms: Sequence[str] = ()) -> list[str]:
    surname, surname_kana = caller.surname
    given, given_kana = caller.given
    words = [f"{surname}{given}", f"{surname_kana}{given_kana}"]
    words += [
        part for part in (surname, given, surname_kana, given_kana) if _long_enough(fold(part))
    ]
    words += [f"{part}{h}" for part in (surname, given) for h in HONORIFICS]
    words += caller.emails
    words += symptoms
    return words


def leaks(text: str, caller: Caller, *, symptoms: Sequence[str] = ()) -> list[str]:
    """The caller's items still readable in ``text`` (empty when it is clean)."""
    folded = fold(text)
    squeezed = re.sub(r"\s+", "", folded)
    found = [
        item
        for item in personal_items(caller, symptoms=symptoms)
        if fold(item).replace(" ", "") in squeezed
    ]
    runs = [re.sub(r"[^0-9]", "", run) for run in _DIGIT_RUN.findall(folded)]
    for phone in [caller.phone, *caller.others]:
        national = phone.digits
        local = phone.exchange + phone.subscriber
        if any(national in run or national[1:] in run for run in runs):
            found.append(national)
        elif any(run == local or run.endswith(local) for run in runs):
            found.append(local)
    if caller.emails and "@" in unicodedata.normalize("NFKC", text):
        found.append("@")  # what is left of an address is still the person's
    return found
