"""Drives the running stack over HTTPS through nginx (started by run-smoke.sh).

Standard library only. Each check prints one line; any failure makes the exit code 1.
The flows at the end drive real work through both faces: a citizen's post reaching triage,
and a case from operator intake through department mail, reply and call-back.
"""

import http.client
import json
import mailbox
import os
import re
import socket
import ssl
import sys
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import cast
from urllib.parse import urlencode

WORK = Path(os.environ["SMOKE_WORK"])
HTTPS_PORT = int(os.environ["SMOKE_HTTPS_PORT"])
HTTP_PORT = int(os.environ["SMOKE_HTTP_PORT"])
STAFF_HOST = os.environ.get("SMOKE_STAFF_HOST", "kobepost.example.lg.jp")
PUBLIC_HOST = os.environ.get("SMOKE_PUBLIC_HOST", "post.kobepost.example.jp")
DEMO_PASSWORD = "kobe-demo-2026"  # noqa: S105  # nosec B105 - the published demo login


class SmokeFailure(Exception):
    pass


def expect(condition: object, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


def found(match: re.Match[str] | None, message: str) -> re.Match[str]:
    """The match, or the smoke test fails with ``message`` (as ``expect`` would)."""
    if match is None:
        raise SmokeFailure(message)
    return match


class LoopbackHTTPSConnection(http.client.HTTPSConnection):
    """Connects to 127.0.0.1 but speaks TLS (SNI, certificate check) for the real name."""

    def __init__(self, host: str, port: int, *, source: str = "127.0.0.1", **kwargs) -> None:
        super().__init__(host, port, timeout=60, **kwargs)
        self.source = source

    def connect(self) -> None:
        sock = socket.create_connection(
            ("127.0.0.1", self.port), self.timeout, source_address=(self.source, 0)
        )
        # _context: set by HTTPSConnection.__init__ (not in the stubs).
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def from_django(self) -> bool:
        # Every Django response carries Content-Language (PreferredLanguageMiddleware);
        # nginx's own pages and static files never do.
        return self.headers.get("Content-Language") is not None


@dataclass
class Browser:
    host: str
    source: str = "127.0.0.1"
    cookies: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.tls = ssl.create_default_context(cafile=str(WORK / "tls" / "ca.crt"))

    def request(
        self,
        method: str,
        path: str,
        *,
        form: dict[str, str] | None = None,
        raw_body: bytes | None = None,
        content_type: str = "",
    ) -> Response:
        connection = LoopbackHTTPSConnection(
            self.host, HTTPS_PORT, source=self.source, context=self.tls
        )
        headers = {"User-Agent": "kobepost-smoke"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body: str | bytes | None = None
        if raw_body is not None:
            body = raw_body
            headers["Content-Type"] = content_type
        elif form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if body is not None:
            origin = f"https://{self.host}:{HTTPS_PORT}"
            headers["Origin"] = origin
            headers["Referer"] = origin + path
        connection.request(method, path, body=body, headers=headers)
        raw = connection.getresponse()
        response = Response(raw.status, raw.headers, raw.read())
        connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post_multipart(
        self, path: str, fields: dict[str, str], files: dict[str, tuple[str, bytes]]
    ) -> Response:
        boundary = f"smoke{int(time.time() * 1000)}"
        parts = []
        for name, value in fields.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        for name, (filename, content) in files.items():
            parts.append(
                (
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                    f'filename="{filename}"\r\nContent-Type: image/jpeg\r\n\r\n'
                ).encode()
                + content
                + b"\r\n"
            )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(
            "POST",
            path,
            raw_body=b"".join(parts),
            content_type=f"multipart/form-data; boundary={boundary}",
        )

    def form_token(self, path: str) -> tuple[Response, str]:
        page = self.get(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        token = found(token, f"no CSRF token on {path} ({page.status})")
        return page, token.group(1)

    def log_in_staff(self, username: str) -> None:
        _page, token = self.form_token("/login/")
        response = self.request(
            "POST",
            "/login/",
            form={
                "csrfmiddlewaretoken": token,
                "username": username,
                "password": DEMO_PASSWORD,
                "next": "",
            },
        )
        expect(response.status == 302, f"{username} login answered {response.status}")


def check(name: str):
    def register(function):
        CHECKS.append((name, function))
        return function

    return register


CHECKS: list = []
staff = Browser(STAFF_HOST)
public = Browser(PUBLIC_HOST)


@check("plain HTTP is redirected to HTTPS")
def http_redirects() -> None:
    connection = http.client.HTTPConnection("127.0.0.1", HTTP_PORT, timeout=10)
    connection.request("GET", "/login/", headers={"Host": STAFF_HOST})
    response = connection.getresponse()
    expect(response.status == 301, f"status {response.status}")
    expect(
        response.headers["Location"] == f"https://{STAFF_HOST}/login/",
        f"Location {response.headers['Location']}",
    )


@check("staff face: login page 200 from Django, CSP from the app, one X-Frame-Options")
def staff_login_page() -> None:
    response = staff.get("/login/")
    expect(response.status == 200, f"status {response.status}")
    expect(response.from_django(), "not answered by Django")
    expect("csrfmiddlewaretoken" in response.text, "no CSRF token in the login form")
    expect("default-src 'self'" in response.headers.get("Content-Security-Policy", ""), "no CSP")
    expect(response.headers.get_all("X-Frame-Options") == ["DENY"], "X-Frame-Options")
    expect(response.headers.get_all("X-Content-Type-Options") == ["nosniff"], "nosniff")
    expect("max-age=31536000" in response.headers.get("Strict-Transport-Security", ""), "HSTS")


@check("staff face: operator1 logs in (CSRF) and opens /callcenter/")
def operator_login() -> None:
    page = staff.get("/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    token = found(token, "CSRF token not found")
    response = staff.request(
        "POST",
        "/login/",
        form={
            "csrfmiddlewaretoken": token.group(1),
            "username": "operator1",
            "password": DEMO_PASSWORD,
            "next": "",
        },
    )
    expect(response.status == 302, f"login answered {response.status}: {response.text[:300]}")
    callcenter = staff.get("/callcenter/")
    expect(callcenter.status == 200, f"/callcenter/ answered {callcenter.status}")
    expect("operator1" in callcenter.text or "ログアウト" in callcenter.text, "not logged in")


@check("staff face: hashed static file from nginx with a long cache, plain one short")
def static_files() -> None:
    page = Browser(STAFF_HOST).get("/login/")
    match = re.search(r'(/static/[^"]+\.[0-9a-f]{12}\.css)"', page.text)
    match = found(match, "no hashed stylesheet in the login page")
    hashed = staff.get(match.group(1))
    expect(hashed.status == 200, f"{match.group(1)} answered {hashed.status}")
    expect(not hashed.from_django(), "static file came from Django, not nginx")
    expect(
        "max-age=315360000" in hashed.headers.get("Cache-Control", ""),
        f"Cache-Control {hashed.headers.get('Cache-Control')}",
    )
    expect(hashed.headers.get("X-Content-Type-Options") == "nosniff", "nosniff on static")
    plain = staff.get("/static/css/app.css")
    expect(plain.status == 200, f"plain app.css answered {plain.status}")
    expect(plain.headers.get("Cache-Control") == "max-age=3600", "short cache on plain name")


@check("staff face: uploads are never served from disk")
def media_not_served() -> None:
    for path in ("/media/x.jpg", "/media-not-served-directly/x.jpg"):
        response = staff.get(path)
        expect(response.status == 404 and not response.from_django(), f"{path}: {response.status}")


@check("staff face: map tiles through the nginx cache (second request not fetched again)")
def map_tiles() -> None:
    log = WORK / "tiles.log"
    for _ in range(2):
        response = staff.get("/tiles/gsi/std/15/29079/12944.png")
        expect(response.status == 200, f"tile answered {response.status}")
        expect(response.headers.get("Content-Type") == "image/png", "tile is not a PNG")
        expect(response.body.startswith(b"\x89PNG"), "tile body is not a PNG")
    fetched = log.read_text().splitlines()
    expect(
        fetched == ["/xyz/std/15/29079/12944.png host=cyberjapandata.gsi.go.jp"],
        f"upstream saw {fetched}",
    )
    expect(staff.get("/tiles/gsi/std/15/x/1.png").status == 404, "bad tile path not refused")


@check("staff face: /health/ 200 with database, Redis and a live Celery worker")
def health() -> None:
    deadline = time.monotonic() + 30  # the worker may still be starting
    while True:
        response = Browser(STAFF_HOST).get("/health/")
        if response.status == 200 or time.monotonic() > deadline:
            break
        time.sleep(1)
    expect(response.status == 200, f"/health/ answered {response.status}: {response.text}")
    body = json.loads(response.body)
    expect(body["database"] == "ok" and body["redis"] == "ok", str(body))
    expect(body["celery_worker"].startswith("ok"), str(body))


@check("staff face: an address outside staff-networks.conf is refused by nginx")
def staff_allowlist() -> None:
    response = Browser(STAFF_HOST, source="127.0.0.2").get("/login/")
    expect(response.status == 403 and not response.from_django(), f"status {response.status}")


@check("phone system: a call event through nginx is journaled, other addresses refused")
def pbx_events() -> None:
    # The demo PBX's token (seed_demo); the PBX posts as JSON, the token as a field.
    event = json.dumps(
        {
            "event": "new",
            "call_id": "smoke-1",
            "caller": "078-331-8181",
            "dial": "roads",
            "extension": "201",
            "token": "kobe-demo-pbx-2026",  # nosec B105 - the demo PBX of seed_demo
        }
    ).encode()

    def post(source: str) -> Response:
        return Browser(STAFF_HOST, source=source).request(
            "POST", "/cti/pbx/events/", raw_body=event, content_type="application/json"
        )

    response = post("127.0.0.1")
    expect(response.status == 200, f"status {response.status}: {response.text[:200]}")
    expect(json.loads(response.body)["ok"] is True, response.text[:200])
    refused = post("127.0.0.2")
    expect(refused.status == 403 and not refused.from_django(), f"status {refused.status}")


@check("public face: /public/ reaches Django")
def public_reaches_django() -> None:
    response = public.get("/public/")
    # 404 until the citizen side is built; what matters is that Django answered.
    expect(response.status in (200, 404), f"status {response.status}")
    expect(response.from_django(), "/public/ did not reach Django")
    static = public.get("/static/css/app.css")
    expect(static.status == 200 and not static.from_django(), "static on the public face")


@check("public face: staff URLs are 404 from nginx, never reach Django")
def public_blocks_staff() -> None:
    for path in (
        "/login/",
        "/callcenter/",
        "/admin/",
        "/health/",
        "/tiles/gsi/std/15/29079/12944.png",
        "/public/../login/",
        "/public/%2e%2e/callcenter/",
    ):
        response = public.get(path)
        expect(response.status == 404, f"{path}: status {response.status}")
        if not path.startswith("/public/%2e"):
            expect(not response.from_django(), f"{path} reached Django")


@check("staff face: citizen pages and Open311 are 404 from nginx")
def staff_blocks_public() -> None:
    for path in ("/public/", "/public/open311/v2/services.json"):
        response = staff.get(path)
        expect(response.status == 404, f"{path}: status {response.status}")
        expect(not response.from_django(), f"{path} reached Django")


@check("mail: the SMTP sink received the test mail sent through EMAIL_HOST")
def mail_delivered() -> None:
    messages = list(mailbox.Maildir(WORK / "maildir", create=False))
    subjects = [str(message["Subject"]) for message in messages]
    expect(any("Test email" in s for s in subjects), f"maildir holds {subjects}")


def small_jpeg() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


@check("flow: a citizen registers and posts a photo on the public face; triage sees it")
def citizen_post_reaches_triage() -> None:
    citizen = Browser(PUBLIC_HOST)
    _page, token = citizen.form_token("/public/register/")
    login_id = f"smoke{int(time.time())}"
    response = citizen.request(
        "POST",
        "/public/register/",
        form={
            "csrfmiddlewaretoken": token,
            "nickname": "スモーク",
            "name": "港 太郎",
            "name_kana": "ミナト タロウ",
            "address": "神戸市中央区加納町6-5-1",
            "work_ward": "",
            "phone": "078-331-8181",
            "email": f"{login_id}@example.jp",
            "gender": "unanswered",
            "birth_year": "1980",
            "occupation": "employee",
            "login_id": login_id,
            "password1": "smoke-test-passphrase-2026",
            "password2": "smoke-test-passphrase-2026",
            "lives_or_works_in_kobe": "on",
        },
    )
    expect(response.status == 302, f"registration answered {response.status}")
    form, token = citizen.form_token("/public/post/")
    category = re.search(r'<option value="(\d+)"', form.text)
    category = found(category, "no post category offered")
    text = f"スモークテストの投稿 {login_id}"
    response = citizen.post_multipart(
        "/public/post/",
        {
            "csrfmiddlewaretoken": token,
            "category": category.group(1),
            "text": text,
            "address": "中央区加納町6丁目",
            "lat": "34.6901",
            "lng": "135.1955",
        },
        {"photos": ("photo.jpg", small_jpeg())},
    )
    expect(response.status == 302, f"post answered {response.status}: {response.text[:300]}")
    mine = citizen.get("/public/my/")
    expect(text in mine.text, "the post is not in the citizen's own list")
    supervisor = Browser(STAFF_HOST)
    supervisor.log_in_staff("supervisor1")
    queue = supervisor.get("/triage/")
    expect(queue.status == 200, f"/triage/ answered {queue.status}")
    expect(text[:20] in queue.text, "the post is not in the supervisors' triage queue")
    expect("港 太郎" not in queue.text, "triage shows the citizen's name")


def wait_for_mail(recipient: str, needle: str, timeout: float = 60) -> list:
    """Messages in the SMTP sink addressed to ``recipient`` whose text contains ``needle``."""
    deadline = time.monotonic() + timeout
    while True:
        found = []
        for message in mailbox.Maildir(WORK / "maildir", create=False):
            if recipient not in str(message.get("To", "")):
                continue
            body = cast(bytes, message.get_payload(decode=True) or b"")  # a part, decoded
            text = str(message["Subject"]) + body.decode("utf-8", "replace")
            if needle in text:
                found.append(message)
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


@check("flow: operator intake → department mail → department reply → call-center mail → call-back")
def case_flow() -> None:
    operator = Browser(STAFF_HOST)
    operator.log_in_staff("operator1")
    form, token = operator.form_token("/callcenter/cases/new/")
    intake_token = re.search(r'name="form_token" value="([^"]+)"', form.text)
    category = re.search(r'<option value="(\d+)"[^>]*>道路の陥没・損傷', form.text)
    intake_token = found(intake_token, "intake form incomplete")
    category = found(category, "intake form incomplete")
    title = f"スモーク 歩道の陥没 {int(time.time())}"
    response = operator.request(
        "POST",
        "/callcenter/cases/new/",
        form={
            "csrfmiddlewaretoken": token,
            "form_token": intake_token.group(1),
            "caller_phone": "078-331-8181",
            "caller_name": "日向 太郎",
            "caller_kana": "ひなた たろう",
            "kind": "report",
            "channel": "phone",
            "received_at": time.strftime("%Y-%m-%dT%H:%M"),
            "category": category.group(1),
            "department": "",
            "title": title,
            "details": "三宮駅の南、歩道が陥没している。",
            "latitude": "34.695075",
            "longitude": "135.193287",
            "address": "中央区加納町四丁目",
            "ward": "",
            "reply_needed": "on",
        },
    )
    expect(response.status == 302, f"intake answered {response.status}: {response.text[:300]}")
    case_path = response.headers["Location"]
    match = re.search(r"/callcenter/cases/(\d+)/", case_path)
    match = found(match, f"intake redirected to {case_path}")
    pk = match.group(1)
    detail = operator.get(f"/callcenter/cases/{pk}/")
    reference = found(
        re.search(r"\b(20\d\d-\d{6})\b", detail.text), "no reference number on the case page"
    ).group(1)

    department_mail = wait_for_mail("kensetsu-tobu@city.kobe.example", reference)
    expect(
        len(department_mail) == 1, f"department got {len(department_mail)} mails for {reference}"
    )
    text = department_mail[0].get_payload(decode=True).decode("utf-8")
    expect("日向" not in text and "331-8181" not in text, "the department mail has caller data")

    department = Browser(STAFF_HOST)
    department.log_in_staff("tobu1")
    page, token = department.form_token(f"/departments/cases/{pk}/")
    version = re.search(r'name="reply-version" value="(\d+)"', page.text)
    version = found(version, "no version field on the department case page")
    response = department.request(
        "POST",
        f"/departments/cases/{pk}/reply/",
        form={
            "csrfmiddlewaretoken": token,
            "reply-version": version.group(1),
            "reply-reply_text": "本日、現地を確認し補修しました。",
        },
    )
    expect(response.status == 302, f"reply answered {response.status}: {response.text[:300]}")
    callcenter_mail = wait_for_mail("callcenter@kobepost.example", reference)
    expect(len(callcenter_mail) == 1, f"call center got {len(callcenter_mail)} mails")

    queue = operator.get("/callcenter/callbacks/")
    expect(reference in queue.text, "the replied case is not in the call-back queue")
    page, token = operator.form_token(f"/callcenter/cases/{pk}/callback/")
    response = operator.request(
        "POST",
        f"/callcenter/cases/{pk}/callback/",
        form={
            "csrfmiddlewaretoken": token,
            "told_at": time.strftime("%Y-%m-%dT%H:%M"),
            "method": "phone",
            "note": "市民に補修済みと伝えた",
        },
    )
    expect(response.status == 302, f"call-back answered {response.status}")
    expect("市民回答済" in operator.get(f"/callcenter/cases/{pk}/").text, "status not 市民回答済")
    # (The detail page above took the confirmation message; the queue is now the bare list.)
    expect(reference not in operator.get("/callcenter/callbacks/").text, "still in the queue")


JAPAN_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+09:00$")


def json_lines(path: Path, *, prints: bool = False) -> list[dict]:
    """Every line of a log file as a JSON object; any other line fails the check. With
    ``prints``, lines a program prints outside logging (Celery's shutdown notice, Python's
    warnings) are skipped, but a log line in another format still fails."""
    lines = []
    for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1):
        if prints and not line.startswith("{"):
            expect(
                re.match(r"^\[?\d{4}-\d\d-\d\d[ T]", line) is None,
                f"{path.name}:{number} is a log line but not JSON: {line[:200]}",
            )
            continue
        try:
            record = json.loads(line)
        except ValueError:
            raise SmokeFailure(f"{path.name}:{number} is not JSON: {line[:200]}") from None
        expect(isinstance(record, dict), f"{path.name}:{number} is not a JSON object")
        expect(
            bool(JAPAN_TIME.match(str(record.get("time", "")))),
            f"{path.name}:{number} time is not Japan time with offset: {record.get('time')}",
        )
        lines.append(record)
    return lines


@check("logs: JSON lines in Japan time; one request id in nginx, gunicorn, Django and a task")
def one_request_id_everywhere() -> None:
    response = staff.get("/callcenter/cases/?q=%E6%97%A5%E5%90%91")  # a search: 日向
    request_id = response.headers.get("X-Request-ID", "")
    expect(re.fullmatch(r"[0-9a-f]{32}", request_id) is not None, f"X-Request-ID {request_id!r}")
    logs = WORK / "logs"
    # nginx and gunicorn both write their access line after the response has gone out, so
    # the client can read either log before its line is there: wait for both.
    deadline = time.monotonic() + 30
    while True:
        nginx = json_lines(logs / "nginx-staff.access.log")
        gunicorn = json_lines(logs / "gunicorn.log")
        seen = {line.get("request_id") for line in gunicorn}
        in_nginx = any(line.get("request_id") == request_id for line in nginx)
        if (request_id in seen and in_nginx) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    expect(
        any(
            line["request_id"] == request_id and line["path"] == "/callcenter/cases/"
            for line in nginx
        ),
        "the request id is not in nginx's access log",
    )
    expect(
        any(
            line.get("request_id") == request_id and line.get("path") == "/callcenter/cases/"
            for line in gunicorn
        ),
        "the request id nginx set is not in gunicorn's access log",
    )
    expect(
        not any(
            "?" in str(line.get("path", "")) or "日向" in json.dumps(line)
            for line in nginx + gunicorn
        ),
        "a query string reached a log",
    )
    # The case flow above queued mail from requests: those tasks log with the requests' ids.
    tasks = [line for line in json_lines(logs / "worker.log", prints=True) if line.get("task_id")]
    expect(tasks, "no task lines in the worker's log")
    from_requests = [line for line in tasks if line.get("request_id")]
    expect(from_requests, "no task line carries a request id")
    expect(
        all(line["request_id"] in seen for line in from_requests),
        "a task's request id is not a request gunicorn logged",
    )


def main() -> int:
    failed = 0
    for name, function in CHECKS:
        try:
            function()
        except (SmokeFailure, OSError, KeyError, ValueError) as error:
            print(f"FAIL  {name}: {type(error).__name__}: {error}", flush=True)
            failed += 1
        else:
            print(f"ok    {name}", flush=True)
    print(f"{len(CHECKS) - failed}/{len(CHECKS)} smoke checks passed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
