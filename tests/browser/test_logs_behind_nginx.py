"""An operator's calls behind the real nginx leave no caller data in any log.

The stack of the smoke test (deploy/smoke/run-smoke.sh: nginx with deploy/nginx/kobepost.conf,
gunicorn with deploy/gunicorn.conf.py, Django at LOG_LEVEL=INFO, a Celery worker) is kept up
while Chromium takes two calls from a generated caller (the second one finds the first by
the phone number typed another way) and searches the case list by a word and by the number.
Then nginx's logs, gunicorn's log (access lines and the application's messages) and the
worker's log are read: none holds the caller's phone number in any spelling, name, kana or
the search word. The lines of the flow itself must be there, so an empty log cannot pass.
"""

import random
import re
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, quote_plus, unquote, unquote_plus

import pytest
from hypothesis import given
from hypothesis import strategies as st
from playwright.sync_api import expect

from kobepost.accounts.demo import DEMO_PASSWORD
from tests.browser.conftest import CHROMIUM_ARGS, left_the_login_page, phone_history_of
from tests.deploy.smoke import serving_stack

pytestmark = pytest.mark.services

NAME_KANJI = "榊楓椿柊萩葵菫蓮桐梓欅樫楠槙柾椎樟榎檜槻"
KATAKANA = (
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワ"
)
TO_HIRAGANA = {code: code - 0x60 for code in range(ord("ァ"), ord("ヶ") + 1)}


@dataclass
class Caller:
    surname: str
    given: str
    kana_surname: str
    kana_given: str
    phone: str  # as the operator types it first: 078-xxx-xxxx
    word: str  # a word of the case title, searched for

    @property
    def digits(self) -> str:
        return re.sub(r"\D", "", self.phone)

    @property
    def full_width_phone(self) -> str:
        """The same number as a caller may dictate it: ０７８（ｘｘｘ）ｘｘｘｘ."""
        area, local, line = self.phone.split("-")
        wide = str.maketrans("0123456789", "０１２３４５６７８９")
        return f"{area}（{local}）{line}".translate(wide)

    def words(self) -> list[str]:
        kana = [self.kana_surname, self.kana_given, f"{self.kana_surname} {self.kana_given}"]
        return [
            self.surname,
            self.given,
            f"{self.surname}{self.given}",
            *kana,
            *(word.translate(TO_HIRAGANA) for word in kana),
            self.word,
        ]


def generated_caller(rng: random.Random) -> Caller:
    def pick(alphabet: str, count: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(count))

    return Caller(
        surname=pick(NAME_KANJI, 2),
        given=pick(NAME_KANJI, 2),
        kana_surname=pick(KATAKANA, 3),
        kana_given=pick(KATAKANA, 3),
        phone=f"078-{rng.randint(200, 999)}-{rng.randint(0, 9999):04d}",
        word=pick(KATAKANA, 4),
    )


def spellings(raw: bytes) -> set[str]:
    """A log as written, with nginx's \\xHH escapes undone, URL-decoded, NFKC-folded."""
    unescaped = re.sub(rb"\\x([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)
    texts = {raw.decode("utf-8", "replace"), unescaped.decode("utf-8", "replace")}
    texts |= {decode(text) for text in texts for decode in (unquote, unquote_plus)}
    return {unicodedata.normalize("NFKC", text) for text in texts}


def leaks(raw: bytes, caller: Caller) -> list[str]:
    found = set()
    for text in spellings(raw):
        # 078-123-4567, 078 (123) 4567, +81 78 123 4567 ... all become one run of digits.
        digits = re.sub(r"(?<=\d)[^\w]{1,3}(?=\d)", "", text)
        if caller.digits[1:] in digits:
            found.add(f"phone {caller.phone}")
        found.update(word for word in caller.words() if word in text)
    return sorted(found)


def access_line(method: str, path: str) -> str:
    """An access line of nginx or gunicorn (one JSON object each, kobepost/lib/logs.py)."""
    return rf'"method": ?"{method}", ?"path": ?"{re.escape(path)}(\?[^"]*)?"'


def wait_for_lines(path: Path, patterns: dict[str, int], timeout: float = 60) -> str:
    """The log once it holds each pattern at least as often as asked (lines are written
    just after the response, by another process)."""
    deadline = time.monotonic() + timeout
    while True:
        text = path.read_text(errors="replace") if path.exists() else ""
        counts = {pattern: len(re.findall(pattern, text)) for pattern in patterns}
        if all(counts[p] >= n for p, n in patterns.items()) or time.monotonic() > deadline:
            assert all(counts[p] >= n for p, n in patterns.items()), (path.name, counts)
            return text
        time.sleep(0.5)


def log_in(page, stack) -> None:
    page.goto(f"{stack.staff_url}/login/")
    page.get_by_label("ID").fill("operator1")
    page.get_by_label("パスワード").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    left_the_login_page(page)
    expect(page).to_have_url(f"{stack.staff_url}/callcenter/")


def take_call(page, stack, *, phone: str, caller: Caller, save: bool) -> None:
    """Type the number (its history is looked up by a POST), then the call if ``save``."""
    page.goto(f"{stack.staff_url}/callcenter/cases/new/")
    with page.expect_response(phone_history_of(phone)) as looked_up:
        page.get_by_role("textbox", name="電話番号", exact=True).press_sequentially(phone)
    lookup = looked_up.value
    assert lookup.request.method == "POST" and lookup.status == 200
    assert lookup.url == f"{stack.staff_url}/callcenter/cases/phone-history/"
    expect(page.locator("#phone-history")).not_to_contain_text("電話番号を入力すると表示されます")
    if save:
        page.get_by_label("氏名", exact=True).fill(f"{caller.surname} {caller.given}")
        page.get_by_label("氏名カナ").fill(f"{caller.kana_surname} {caller.kana_given}")
        page.get_by_label("種別").select_option(label="道路の陥没・損傷")
        page.get_by_label("タイトル").fill(f"歩道の陥没 {caller.word}")
        page.get_by_label("内容詳細").fill("歩道に穴が開いている。")
        if page.locator("#id_address").is_visible():
            page.locator("#id_address").fill("中央区加納町6丁目")
            page.locator("#id_ward").select_option(label="中央区")
        page.get_by_role("button", name="保存する").click()
        expect(page.get_by_role("status")).to_contain_text("を受け付けました")


def search_cases(page, stack, query: str, title: str) -> None:
    page.goto(f"{stack.staff_url}/callcenter/cases/")
    search = page.get_by_role("searchbox", name="検索")
    search.fill(query)
    search.press("Enter")
    # The unfiltered list shows the case too: wait for the search's own page first.
    page.wait_for_url(re.compile(r"[?&]s=[\w-]+"))
    expect(page.get_by_role("cell", name=title)).to_be_visible()
    expect(page.get_by_role("searchbox", name="検索")).to_have_value(query)
    assert query not in unquote_plus(page.url)


def test_a_call_and_a_search_leave_no_caller_data_in_any_log(
    tmp_path, launch_browser, browser_context_args
):
    seed = random.SystemRandom().randrange(2**32)
    caller = generated_caller(random.Random(seed))
    with serving_stack(tmp_path, SMOKE_LOG_LEVEL="INFO") as stack:
        hosts = f"MAP {stack.staff_host} 127.0.0.1, MAP {stack.public_host} 127.0.0.1"
        browser = launch_browser(args=[*CHROMIUM_ARGS, f"--host-resolver-rules={hosts}"])
        try:
            context = browser.new_context(**browser_context_args, ignore_https_errors=True)
            page = context.new_page()
            # A busy machine, the real stack and its map: generous, never a race.
            page.set_default_timeout(30_000)
            log_in(page, stack)
            take_call(page, stack, phone=caller.phone, caller=caller, save=True)
            title = f"歩道の陥没 {caller.word}"
            # The next call from the same number, dictated another way, finds the first.
            take_call(page, stack, phone=caller.full_width_phone, caller=caller, save=False)
            expect(page.locator("#phone-history")).to_contain_text(title)
            search_cases(page, stack, caller.word, title)
            search_cases(page, stack, caller.phone, title)
        finally:
            browser.close()

        # The flow's requests, in nginx's and gunicorn's JSON access lines (whatever a
        # format would add after the path: the scan decides).
        flow = {
            access_line("POST", "/callcenter/cases/phone-history/"): 2,
            access_line("POST", "/callcenter/cases/new/"): 1,
            access_line("POST", "/callcenter/cases/"): 2,
            access_line("GET", "/callcenter/cases/"): 2,
        }
        wait_for_lines(stack.logs / "nginx-staff.access.log", flow)
        # gunicorn's access lines and the application's own (a login at INFO) share its log.
        wait_for_lines(stack.logs / "gunicorn.log", {**flow, "AXES: Successful login": 1})
        # The department's mail about the new case, sent by the worker.
        wait_for_lines(stack.logs / "worker.log", {r"send_notification\[[\w-]+\] succeeded": 1})
        logs = [
            *stack.logs.glob("nginx-*.log"),
            stack.logs / "gunicorn.log",
            stack.logs / "worker.log",
        ]
        found = {path.name: leaks(path.read_bytes(), caller) for path in logs}
    names = {path.name for path in logs}
    assert {"nginx-access.log", "nginx-error.log", "nginx-staff.error.log"} <= names, names
    found = {name: items for name, items in found.items() if items}
    assert not found, f"caller data in the logs (seed {seed}, {caller}): {found}"


@given(seed=st.integers(min_value=0, max_value=2**32 - 1), spelling=st.sampled_from(range(7)))
def test_the_log_scan_finds_the_caller_in_any_spelling(seed, spelling):
    """The scan above would see a leak however a log wrote it (so its silence means something)."""
    caller = generated_caller(random.Random(seed))
    area, local, line = caller.phone.split("-")
    phone = [
        caller.phone,
        caller.digits,
        f"{area} {local} {line}",
        f"+81-{area[1:]}-{local}-{line}",
        quote(caller.full_width_phone),
        caller.full_width_phone,
        f"{area}.{local}.{line}",
    ][spelling]
    clean = b'127.0.0.1 - - "POST /callcenter/cases/phone-history/ HTTP/2.0" 200 rt=0.078'
    assert leaks(clean, caller) == []
    # As gunicorn writes it (UTF-8), and as nginx does (bytes over 127 as \\xHH).
    escaped = "".join(f"\\x{byte:02X}" if byte > 127 else chr(byte) for byte in phone.encode())
    for written in (phone, escaped):
        logged = f'"GET /x/?phone={written} HTTP/2.0"'.encode()
        assert leaks(logged, caller) == [f"phone {caller.phone}"], logged
    name = quote_plus(f"{caller.surname} {caller.given}")
    assert caller.surname in leaks(f'"GET /x/?q={name} HTTP/1.0"'.encode(), caller)
    kana = caller.kana_surname.translate(TO_HIRAGANA)
    assert kana in leaks(f"warning: search {kana}".encode(), caller)
    assert caller.word in leaks(quote(caller.word).encode(), caller)
