"""Load test through gunicorn on PostgreSQL: 15 operators and 90 department staff at once.

Not a test: a bounded measurement on loopback only. It creates the bench users (bench_op01..15,
bench_dept01..90) and their sessions in the database given by DATABASE_URL, starts gunicorn
on 127.0.0.1, and runs one thread per person for ``--duration`` seconds (at most 120).

The phone system runs along (kobepost/cti): each operator's page asks for the screen pop
once a second, as the browser does, and every call is posted by the PBX (new, answered,
hang-up) to the operator's extension.

Rate, derived in docs/performance.md: 50,000 cases a year; at the busiest hour an operator
takes about 40 calls, so 15 operators take 600 calls an hour; ten times that is 6,000 calls
an hour (1.7 a second). Each call is one intake: form, phone history, nearby cases, save,
detail (5 requests). Department staff at the busiest hour visit their list about 10 times an
hour each (list, one case, home: 3 requests; 90 × 10 = 900 visits an hour, more than the
~30 new cases of a busy hour need); ten times that is 9,000 an hour (2.5 a second). Every
person paces itself to that rate (exponential gaps).

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/kobepost_bench
    .venv/bin/python bench/load/loadtest.py --duration 90 --workers 3
"""

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import signal
import statistics
import subprocess  # nosec B404 -- starts our own gunicorn on loopback
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
OPERATORS = 15
DEPARTMENT_STAFF = 90
# The busiest hour, per person (docs/performance.md); --scale multiplies (default ten times).
CALLS_PER_HOUR_PER_OPERATOR = 40
VISITS_PER_HOUR_PER_STAFF = 10
TOKEN = re.compile(r'name="(form_token|csrfmiddlewaretoken)" value="([^"]+)"')
CASE_LINK = re.compile(r'href="/callcenter/cases/(\d+)/"')
POP_INTERVAL_SECONDS = 1.0


def environment(port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="kobepost.settings",
        DEBUG="false",
        SECRET_KEY=env.get("SECRET_KEY", "bench-only-secret-key-" + "x" * 40),
        ALLOWED_HOSTS=HOST,
        SECURE_SSL_REDIRECT="false",
        STATIC_ROOT=env.get(
            "STATIC_ROOT", str(Path(tempfile.gettempdir()) / "kobepost-bench-static")
        ),
        LOG_LEVEL="WARNING",
        CELERY_TASK_ALWAYS_EAGER="true",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    return env


def prepare(port: int) -> tuple[dict[str, str], dict[str, str], dict]:
    """Bench users with live sessions: {username: session cookie}, and sample data."""
    os.environ.update(environment(port))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from departments.models import Department
    from kobepost.accounts.models import User
    from kobepost.cti.models import Pbx, Seat
    from tickets.models import Case, Category

    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", "--noinput", verbosity=0)
    departments = list(Department.objects.filter(categories__isnull=False).distinct())
    cookies: dict[str, str] = {}
    roles: dict[str, str] = {}
    people: list[tuple[str, str, Department | None]] = [
        (f"bench_op{n:02d}", User.Role.OPERATOR, None) for n in range(1, OPERATORS + 1)
    ]
    people += [
        (f"bench_dept{n:02d}", User.Role.DEPARTMENT_STAFF, departments[n % len(departments)])
        for n in range(1, DEPARTMENT_STAFF + 1)
    ]
    for username, role, department in people:
        user, _created = User.objects.update_or_create(
            username=username,
            defaults={"role": role, "department": department, "is_active": True},
        )
        client = Client()
        client.force_login(user)
        cookies[username] = client.cookies[settings.SESSION_COOKIE_NAME].value
        roles[username] = role
    pbx, _created = Pbx.objects.get_or_create(name="bench PBX")
    pbx_token = pbx.issue_token()
    pbx.save()
    extensions = {}
    for number in range(1, OPERATORS + 1):
        username = f"bench_op{number:02d}"
        extensions[username] = f"3{number:03d}"
        Seat.objects.filter(extension=extensions[username]).delete()
        Seat.objects.update_or_create(
            user=User.objects.get(username=username),
            defaults={"extension": extensions[username]},
        )
    category = Category.objects.get(code="road-damage")
    phones = list(
        Case.objects.exclude(caller_phone="")
        .order_by("-id")
        .values_list("caller_phone", flat=True)[:200]
    )
    samples = {
        "category": category.pk,
        "phones": phones,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "pbx_token": pbx_token,
        "extensions": extensions,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
    }
    return cookies, roles, samples


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.timings: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []

    def add(self, name: str, ms: float, status: int, expected: tuple[int, ...]) -> None:
        with self.lock:
            self.timings[name].append(ms)
            if status not in expected:
                self.errors.append(f"{name}: HTTP {status}")


class Person(threading.Thread):
    def __init__(
        self, username, role, cookie, samples, port, recorder, deadline, seed, scale
    ) -> None:
        super().__init__(daemon=True)
        self.scale = scale
        self.username, self.role, self.samples = username, role, samples
        self.port, self.recorder, self.deadline = port, recorder, deadline
        self.rng = random.Random(seed)  # noqa: S311 # nosec B311 -- load pacing
        self.cookies = {samples["session_cookie"]: cookie}
        self.connection = http.client.HTTPConnection(HOST, port, timeout=30)

    def request(
        self, name, method, path, body=None, expected=(200,), extra=None
    ) -> tuple[int, str, dict]:
        headers = {
            "Host": HOST,
            "X-Forwarded-Proto": "https",  # as nginx would say; the app requires HTTPS
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "Referer": f"https://{HOST}/callcenter/cases/new/",
            "Accept-Encoding": "gzip",
            **(extra or {}),
        }
        if isinstance(body, bytes):
            headers["Content-Type"] = "application/json"
        elif body is not None:
            body = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        began = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.connection.close()
            self.connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
            self.recorder.add(name, (time.perf_counter() - began) * 1000, 0, expected)
            self.recorder.errors.append(f"{name}: {error!r}")
            return 0, "", {}
        self.recorder.add(name, (time.perf_counter() - began) * 1000, response.status, expected)
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                key, _sep, rest = value.partition("=")
                self.cookies[key] = rest.split(";")[0]
        text = "" if response.getheader("Content-Encoding") else content.decode(errors="replace")
        return response.status, text, dict(response.getheaders())

    def run(self) -> None:
        per_hour = (
            CALLS_PER_HOUR_PER_OPERATOR if self.role == "operator" else VISITS_PER_HOUR_PER_STAFF
        )
        rate = per_hour * self.scale
        time.sleep(self.rng.uniform(0, 3600 / rate))  # people do not all start at once
        while time.monotonic() < self.deadline:
            started = time.monotonic()
            if self.role == "operator":
                self.take_call()
            else:
                self.browse()
            gap = self.rng.expovariate(rate / 3600) - (time.monotonic() - started)
            if gap > 0:
                time.sleep(min(gap, max(0.0, self.deadline - time.monotonic())))

    def pbx_event(self, event: str, call_id: str, **fields: str) -> None:
        """What the phone system posts; the operator's thread posts it for simplicity."""
        body = json.dumps({"event": event, "call_id": call_id, **fields}).encode()
        self.request(
            "pbx event",
            "POST",
            "/cti/pbx/events/",
            body,
            extra={"Authorization": f"Bearer {self.samples['pbx_token']}", "Cookie": ""},
        )

    def take_call(self) -> None:
        self.connection.close()  # uncompressed HTML for the tokens
        phone = self.rng.choice(self.samples["phones"] or ["078-331-8181"])
        call_id = f"bench-{uuid.uuid4()}"
        extension = self.samples["extensions"][self.username]
        if self.samples["phone"]:
            self.pbx_event("new", call_id, caller=phone, dial="roads", extension=extension)
            self.pbx_event("answered", call_id, extension=extension)
        status, html, _h = self.request("intake form", "GET", "/callcenter/cases/new/")
        tokens = dict(TOKEN.findall(html))
        # Posted as the page does: the number and the point never go into a URL.
        csrf = {"csrfmiddlewaretoken": tokens.get("csrfmiddlewaretoken", "")}
        self.request(
            "phone history", "POST", "/callcenter/cases/phone-history/", {**csrf, "phone": phone}
        )
        lat, lng = 34.6946 + self.rng.uniform(-0.01, 0.01), 135.1955 + self.rng.uniform(-0.01, 0.01)
        self.request(
            "nearby cases",
            "POST",
            "/callcenter/cases/nearby/",
            {
                **csrf,
                "latitude": f"{lat:.5f}",
                "longitude": f"{lng:.5f}",
                "category": str(self.samples["category"]),
            },
        )
        if "form_token" not in tokens:
            self.recorder.errors.append(f"intake form without token (HTTP {status})")
            return
        body = {
            "csrfmiddlewaretoken": tokens.get("csrfmiddlewaretoken", ""),
            "form_token": tokens["form_token"],
            "caller_phone": phone,
            "caller_name": "負荷 試験",
            "caller_kana": "フカ シケン",
            "kind": "report",
            "channel": "phone",
            "received_at": time.strftime("%Y-%m-%dT%H:%M"),
            "category": str(self.samples["category"]),
            "department": "",
            "title": "負荷試験: 歩道の陥没",
            "details": "負荷試験で作成した案件です。",
            "health_symptoms": "",
            "latitude": f"{lat:.5f}",
            "longitude": f"{lng:.5f}",
            "address": "中央区三宮町1丁目",
            "ward": "28110",
            "reply_needed": "on",
        }
        status, _html, headers = self.request(
            "save case", "POST", "/callcenter/cases/new/", body, expected=(302,)
        )
        location = headers.get("Location", "")
        if location.startswith("/callcenter/cases/"):
            self.request("case detail", "GET", location)
        if self.samples["phone"]:
            self.pbx_event("hangup", call_id)

    def browse(self) -> None:
        self.connection.close()
        _status, html, _h = self.request("department list", "GET", "/callcenter/cases/?status=open")
        found = CASE_LINK.findall(html)
        if found:
            self.request("case detail", "GET", f"/callcenter/cases/{self.rng.choice(found)}/")
        self.request("department home", "GET", "/departments/")


class PopPoller(Person):
    """An operator's open page asking for the screen pop once a second, one at a time."""

    def run(self) -> None:
        state = ""
        time.sleep(self.rng.uniform(0, POP_INTERVAL_SECONDS))
        while time.monotonic() < self.deadline:
            started = time.monotonic()
            _status, text, _h = self.request(
                "screen pop poll",
                "GET",
                "/cti/pop/?" + urllib.parse.urlencode({"since": state}),
                extra={"X-Kobepost-Background": "1", "Accept-Encoding": "identity"},
            )
            with contextlib.suppress(ValueError):  # a refused poll keeps the last state
                state = json.loads(text).get("state", state)
            gap = POP_INTERVAL_SECONDS - (time.monotonic() - started)
            if gap > 0:
                time.sleep(min(gap, max(0.0, self.deadline - time.monotonic())))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=90)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--scale", type=float, default=10, help="times the busiest hour")
    parser.add_argument(
        "--without-phone", action="store_true", help="no screen pop polls, no PBX events"
    )
    args = parser.parse_args()
    duration = min(args.duration, 120)

    cookies, roles, samples = prepare(args.port)
    samples["phone"] = not args.without_phone
    server = subprocess.Popen(  # noqa: S603 # nosec B603 -- fixed arguments
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "kobepost.wsgi",
            "--bind",
            f"{HOST}:{args.port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--worker-class",
            "gthread",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=environment(args.port),
    )
    try:
        for _ in range(100):
            try:
                probe = http.client.HTTPConnection(HOST, args.port, timeout=2)
                probe.request("GET", "/health/", headers={"Host": HOST})
                probe.getresponse().read()
                break
            except OSError:
                time.sleep(0.2)
        recorder = Recorder()
        deadline = time.monotonic() + duration
        people = [
            Person(
                name, roles[name], cookie, samples, args.port, recorder, deadline, seed, args.scale
            )
            for seed, (name, cookie) in enumerate(sorted(cookies.items()))
        ]
        people += [
            PopPoller(
                name, roles[name], cookie, samples, args.port, recorder, deadline, seed, args.scale
            )
            for seed, (name, cookie) in enumerate(sorted(cookies.items()))
            if roles[name] == "operator" and not args.without_phone
        ]
        began = time.monotonic()
        for person in people:
            person.start()
        for person in people:
            person.join(timeout=duration + 60)
        elapsed = time.monotonic() - began
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    everything = [ms for values in recorder.timings.values() for ms in values]
    print(
        f"duration {elapsed:.0f} s, {len(people)} people at {args.scale:g}x the busiest hour, "
        f"gunicorn {args.workers}x{args.threads}"
    )
    print(f"{'request':<18}{'count':>7}{'median ms':>11}{'p95 ms':>9}{'max ms':>9}")
    for name, values in sorted(recorder.timings.items()):
        print(
            f"{name:<18}{len(values):>7}{statistics.median(values):>11.1f}"
            f"{percentile(values, 0.95):>9.1f}{max(values):>9.1f}"
        )
    print(
        f"{'all':<18}{len(everything):>7}{statistics.median(everything):>11.1f}"
        f"{percentile(everything, 0.95):>9.1f}{max(everything):>9.1f}"
    )
    print(f"throughput {len(everything) / elapsed:.1f} requests/s; errors {len(recorder.errors)}")
    for error in recorder.errors[:20]:
        print("  ", error)
    return 1 if recorder.errors else 0


if __name__ == "__main__":
    sys.exit(main())
