"""Bytes transferred on a first visit (cold cache) of each main staff page (not a test).

Starts gunicorn with production settings (DEBUG=false: WhiteNoise's compressed, hashed static
files) on loopback, opens each page in a fresh Chromium context (empty cache) and adds up the
bytes on the wire of every response (``request.sizes()``: headers + encoded body). Also checks
that static files come compressed, with hashed names and a long cache lifetime.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/kobepost_bench
    .venv/bin/python bench/page_weight.py
"""

import http.client
import signal
import subprocess  # nosec B404 -- starts our own gunicorn on loopback
import sys
import time
from pathlib import Path
from typing import cast

sys.path.insert(0, str(Path(__file__).resolve().parent / "load"))
from loadtest import HOST, ROOT, environment, prepare

TARGET_KB = 200
PORT = 8766
PAGES = [
    ("operator", "オペレーターのホーム", "/callcenter/"),
    ("operator", "受付フォーム", "/callcenter/cases/new/"),
    ("operator", "案件一覧", "/callcenter/cases/"),
    ("operator", "案件検索（陥没）", "/callcenter/cases/?q=陥没"),
    ("operator", "案件詳細", "{case}"),
    ("operator", "折り返し待ち", "/callcenter/callbacks/"),
    ("operator", "FAQ 検索", "/faq/?q=粗大ごみ"),
    ("department", "所管課ホーム", "/departments/"),
    ("department", "所管課の案件一覧", "/callcenter/cases/?status=open"),
    ("department", "所管課の案件詳細", "{department_case}"),
    ("supervisor", "統計ダッシュボード", "/stats/"),
    ("supervisor", "月報", "/stats/monthly/"),
    ("supervisor", "KOBE ぽすと 精査", "/triage/"),
]


def supervisor_session(cookies: dict[str, str]) -> str:
    """A bench supervisor (the statistics and triage pages), logged in like the others."""
    from django.conf import settings
    from django.test import Client

    from kobepost.accounts.models import User

    user, _created = User.objects.update_or_create(
        username="bench_sv01", defaults={"role": User.Role.SUPERVISOR, "is_active": True}
    )
    client = Client()
    client.force_login(user)
    cookies[user.username] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return user.username


def main() -> int:
    cookies, roles, samples = prepare(PORT)
    from playwright.sync_api import sync_playwright

    from tickets.models import Case

    operator = next(name for name, role in roles.items() if role == "operator")
    staff = next(name for name, role in roles.items() if role == "department")
    from kobepost.accounts.models import User

    department_id = cast(int, User.objects.get(username=staff).department_id)  # staff: has one
    supervisor = supervisor_session(cookies)
    values = {
        "case": "/callcenter/cases/{}/".format(Case.objects.order_by("-id")[5].pk),
        "department_case": "/callcenter/cases/"
        + str(Case.objects.filter(department_id=department_id).order_by("-id")[0].pk)
        + "/",
    }
    server = subprocess.Popen(  # noqa: S603 # nosec B603 -- fixed arguments
        [str(ROOT / ".venv/bin/gunicorn"), "kobepost.wsgi", "--bind", f"{HOST}:{PORT}"],
        cwd=ROOT,
        env=environment(PORT),
    )
    failures = 0
    try:
        for _ in range(100):
            try:
                probe = http.client.HTTPConnection(HOST, PORT, timeout=2)
                probe.request("GET", "/health/", headers={"Host": HOST})
                probe.getresponse().read()
                break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            print(f"{'ページ':<20}{'KB':>8}{'件':>5}  static files")
            for user_key, label, path in PAGES:
                username = {"operator": operator, "department": staff, "supervisor": supervisor}[
                    user_key
                ]
                path = path.format(**values)
                # HTTPS is what the app requires; gunicorn is told so by the proxy header.
                # HTTPS is what the app requires: gunicorn is told so by the proxy header, and
                # the __Host- session cookie (HTTPS only) goes as a plain header over loopback.
                cookie = f"{samples['session_cookie']}={cookies[username]}"
                context = browser.new_context(
                    extra_http_headers={"X-Forwarded-Proto": "https", "Cookie": cookie},
                )
                page = context.new_page()
                finished: list = []
                page.on("requestfinished", finished.append)
                page.goto(f"http://{HOST}:{PORT}{path}", wait_until="load")
                page.wait_for_timeout(1000)  # late requests (scripts fetching JSON)
                total = 0
                notes = []
                for request in finished:
                    sizes = request.sizes()
                    total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
                    response = request.response()
                    if "/static/" in request.url and response is not None:
                        headers = response.headers
                        name = request.url.rsplit("/", 1)[-1]
                        encoded = headers.get("content-encoding", "-")
                        cached = "max-age=315360000" in headers.get("cache-control", "")
                        notes.append(f"{name}({encoded}{', 10y' if cached else ''})")
                kb = total / 1024
                failures += kb > TARGET_KB
                print(f"{label:<20}{kb:>8.1f}{len(finished):>5}  {' '.join(notes)}")
                context.close()
            browser.close()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
