"""Every page a demo role can open is served with the CSP header, loads nothing from an
external host and has no inline script or inline event handler (CSP stays strict)."""

import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import Resolver404, resolve

from tests.urlwalk import all_routes

URL_ATTRIBUTES = {"src", "href", "action", "formaction", "poster", "data", "srcset", "xlink:href"}
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)")
# Routes a GET must never be sent to in a walk (they change state or end the session).
SKIPPED_NAMES = {"logout", "admin:logout", "session_keepalive", "set_language"}


def allowed_external_urls() -> set[str]:
    # The one external link on purpose: the attribution required by the GSI tile terms
    # (a plain <a>, nothing is loaded from it). Taken from the setting so that changing
    # the attribution cannot silently widen what this test allows.
    return set(re.findall(r'href="([^"]+)"', settings.MAP_TILE_ATTRIBUTION))


def is_external(url: str) -> bool:
    url = url.strip()
    if url.lower().startswith(("javascript:", "vbscript:")):
        return True
    parts = urlsplit(url)
    if parts.scheme in ("", "data", "blob", "mailto", "tel") and not url.startswith("//"):
        return False
    return parts.netloc not in ("", "testserver")


class PageScan(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_inline_script = False
        self._in_style = False

    def _check_url(self, where: str, url: str) -> None:
        candidates = (
            [part.strip().split(" ")[0] for part in url.split(",")] if "," in url else [url]
        )
        for candidate in candidates:
            if candidate and is_external(candidate) and candidate not in allowed_external_urls():
                self.problems.append(f"external URL in {where}: {candidate}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            kind = dict(attrs).get("type") or ""
            # json_script data blocks are data, not code: CSP does not run them.
            if kind != "application/json":
                self.problems.append(f"inline <script> {attrs}")
                self._in_inline_script = True
        if tag == "style":
            self._in_style = True
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"inline event handler <{tag} {name}=...>")
            if value is None:
                continue
            if name in URL_ATTRIBUTES:
                self._check_url(f"<{tag} {name}>", value)
            if name == "style":
                for url in CSS_URL.findall(value):
                    self._check_url(f"<{tag} style>", url)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_inline_script = False
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            for url in CSS_URL.findall(data):
                self._check_url("<style>", url)


def scan(html: str) -> list[str]:
    parser = PageScan()
    parser.feed(html)
    parser.close()
    return parser.problems


def walkable_paths() -> list[str]:
    paths = []
    for route in all_routes():
        if route.name in SKIPPED_NAMES or route.path.startswith(settings.PUBLIC_URL_PREFIX):
            continue
        try:
            match = resolve(route.path)
        except Resolver404:
            continue
        if match.args or match.kwargs:
            continue  # needs a real object id: covered as the features land
        paths.append(route.path)
    return sorted(set(paths))


@pytest.fixture
def demo_users(operator, supervisor, staff_tobu, admin_user):
    return {
        "operator": operator,
        "supervisor": supervisor,
        "department": staff_tobu,
        "admin": admin_user,
    }


def fetch_pages(client: Client) -> dict[str, Any]:
    pages = {}
    for path in walkable_paths():
        response = client.get(path)  # redirects lead to pages the walk visits anyway
        if "text/html" in response.get("Content-Type", ""):
            pages[path] = response
    return pages


@pytest.mark.parametrize("role", ["anonymous", "operator", "supervisor", "department", "admin"])
def test_every_reachable_page_is_self_contained_and_csp_clean(demo_users, role):
    client = Client()
    if role != "anonymous":
        client.force_login(demo_users[role])
    pages = fetch_pages(client)
    served = [path for path, response in pages.items() if response.status_code == 200]
    assert len(served) >= (1 if role == "anonymous" else 2), served
    problems = []
    for path, response in pages.items():
        if "Content-Security-Policy" not in response.headers:
            problems.append(f"{path}: no Content-Security-Policy header")
        problems += [f"{path}: {problem}" for problem in scan(response.content.decode())]
    assert not problems, "\n".join(problems)


def test_admin_walk_covers_the_audit_trail_and_the_changelists(demo_users):
    paths = walkable_paths()
    assert "/admin/audit/auditevent/" in paths
    assert "/password/" in paths


def test_csp_header_is_strict(db):
    response = Client().get("/login/")
    policy = response.headers["Content-Security-Policy"]
    directives = dict(
        [*part.strip().split(" ", 1), ""][:2] for part in policy.split(";") if part.strip()
    )
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<script src="/static/js/x.js"></script>', []),
        ('<script type="application/json" id="d">{}</script>', []),
        ("<script>alert(1)</script>", ["inline <script>"]),
        ('<button onclick="x()">x</button>', ["inline event handler"]),
        ('<img src="https://cdn.example.com/a.png">', ["external URL"]),
        ('<link href="//cdn.example.com/a.css">', ["external URL"]),
        ('<div style="background: url(https://evil.example/x.png)"></div>', ["external URL"]),
        ("<style>a { background: url('http://evil.example/x.png') }</style>", ["external URL"]),
        ('<a href="javascript:alert(1)">x</a>', ["external URL"]),
        ('<form action="https://evil.example/steal"></form>', ["external URL"]),
        ('<a href="https://maps.gsi.go.jp/development/ichiran.html">地理院タイル</a>', []),
        ('<a href="/admin/?q=1">x</a><img src="data:image/png;base64,AA">', []),
    ],
)
def test_the_scanner_itself_finds_what_it_must(html, expected):
    problems = scan(html)
    assert len(problems) == len(expected)
    for problem, fragment in zip(problems, expected, strict=True):
        assert fragment in problem
