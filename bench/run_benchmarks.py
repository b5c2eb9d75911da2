"""Server-side time and query count of the main pages on a big archive (not a test).

Runs Django in-process with production settings (DEBUG=false, the manifest static storage)
and the test Client, so the numbers are the server's own work: middleware, views, queries,
templates; no network and no browser. Each page: warm-up requests, then N rounds with one
timed request of every page each (so a slow minute of the shared host falls on all pages
alike); median and 95th percentile, the number of SQL queries, and the ratio to a
bench-only "empty page" (same middleware, login, session, base template, no data).

    createdb -h 127.0.0.1 -U postgres kobepost_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/kobepost_bench
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py seed_demo
    .venv/bin/python manage.py generate_archive
    .venv/bin/python bench/run_benchmarks.py -n 30 [--markdown]
    .venv/bin/python bench/run_benchmarks.py --only 案件一覧 --profile   # where the time goes
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 50.0
TARGET_RATIO = 5.0
# Pages with a target of their own (issue #10): the map over all 25,000 open cases.
OWN_TARGETS_MS = {"/bench/map-all/": 100.0}


def configure_environment() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kobepost.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    os.environ.setdefault("STATIC_ROOT", str(Path(tempfile.gettempdir()) / "kobepost-bench-static"))
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))


@dataclass
class Result:
    label: str
    path: str
    status: int
    median_ms: float
    p95_ms: float
    queries: int
    sql_ms: float
    size: int
    first_ms: float  # the very first request: before any cache (routing, statistics) is warm
    note: str = ""


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def fetch(client, path: str):
    """GET ``path``; "POST /path?a=b" posts a=b to /path (the look-ups that carry personal
    data are posted: kobepost/lib/private_search.py)."""
    if path.startswith("POST "):
        from urllib.parse import parse_qsl

        url, _sep, data = path.removeprefix("POST ").partition("?")
        return client.post(url, dict(parse_qsl(data)), secure=True)
    return client.get(path, secure=True)


def search_address(client, path: str) -> str:
    """ "SEARCH /callcenter/cases/?q=…" → the address the posted search is shown at; the
    parameters other than q (page, after) follow that address."""
    if not path.startswith("SEARCH "):
        return path
    from urllib.parse import parse_qsl, urlencode

    url, _sep, data = path.removeprefix("SEARCH ").partition("?")
    params = dict(parse_qsl(data))
    rest: dict[str, str] = {name: params.pop(name) for name in ("page", "after") if name in params}
    address = fetch(client, f"POST {url}?{urlencode(params)}")["Location"]
    if not rest:
        return address
    return f"{address}{'&' if '?' in address else '?'}{urlencode(rest)}"


def measure(entries: list[tuple[Any, str, str]], count: int, warmup: int) -> list[Result]:
    """Time every page ``count`` times, in rounds: one request of each page per round.

    The shared host's CPU speed drifts within a minute; page after page, a slow minute
    would fall on the pages measured then. In rounds, every page and the baseline see the
    same moments, so their ratio holds even when the absolute times move.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first_ms: dict[str, float] = {}
    for client, label, path in entries:
        began = time.perf_counter()
        fetch(client, path)
        first_ms[label] = (time.perf_counter() - began) * 1000
        for _ in range(warmup):
            fetch(client, path)
    timings: dict[str, list[float]] = {label: [] for _client, label, _path in entries}
    for _ in range(count):
        for client, label, path in entries:
            began = time.perf_counter()
            fetch(client, path)
            timings[label].append((time.perf_counter() - began) * 1000)
    results = []
    for client, label, path in entries:
        with CaptureQueriesContext(connection) as captured:
            response = fetch(client, path)
        note = ""
        if response.get("Content-Type", "").startswith("application/json"):
            data = response.json()
            if isinstance(data, dict) and "total" in data:  # the map: how many it covered
                note = f"total {data['total']:,}, {len(data.get('points', []))} points, "
                note += f"{len(data.get('clusters', []))} clusters"
        results.append(
            Result(
                label=label,
                path=path,
                status=response.status_code,
                median_ms=statistics.median(timings[label]),
                p95_ms=percentile(timings[label], 0.95),
                queries=len(captured.captured_queries),
                sql_ms=sum(float(q["time"]) for q in captured.captured_queries) * 1000,
                size=len(response.content),
                note=note,
                first_ms=first_ms[label],
            )
        )
    return results


def profile(client, label: str, path: str, count: int) -> None:
    """cProfile over ``count`` requests after a warm-up: the functions with the most own time,
    then the most cumulative time, so a slow page shows whether SQL, templates or Python."""
    import cProfile
    import pstats

    for _ in range(3):
        fetch(client, path)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(count):
        fetch(client, path)
    profiler.disable()
    print(f"\n=== {label} ({path}), {count} requests ===")
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(40)


# Around Kobe: every open case of the archive lies inside.
CITY_BBOX = "134.9,34.55,135.35,34.9"
ZOOM_DEGREES = 0.01


def busiest_department_id() -> int:
    """The department with the most open cases: the largest map a user can ask for."""
    from django.db.models import Count

    from tickets.models import Case

    return (
        Case.objects.open()
        .order_by()
        .values("department")
        .annotate(n=Count("pk"))
        .order_by("-n", "department")[0]["department"]
    )


def sample_values() -> dict[str, str]:
    """Real values from the archive: a reference, a phone, a kana name, a closed case."""
    from tickets.models import Case

    case = (
        Case.objects.exclude(caller_phone="")
        .filter(status=Case.Status.CLOSED)
        .order_by("-id")
        .only("pk", "reference", "caller_phone", "caller_kana", "latitude", "longitude")[1000]
    )
    open_case = cast(Case, Case.objects.open().exclude(latitude=None).order_by("-id").first())
    # The seeded data has such a case (and the operators, cases and users below).
    busiest_case = cast(
        Case,
        Case.objects.open()
        .filter(department=busiest_department_id())
        .exclude(latitude=None)
        .order_by("-id")
        .first(),
    )
    half = ZOOM_DEGREES / 2
    # Chosen with a position (latitude and longitude are set together).
    longitude = cast(float, busiest_case.longitude)
    latitude = cast(float, busiest_case.latitude)
    zoomed = (longitude - half, latitude - half, longitude + half, latitude + half)
    return {
        "pk": str(case.pk),
        "reference": case.reference,
        "phone": case.caller_phone,
        "kana": case.caller_kana.split()[0],
        "lat": str(open_case.latitude),
        "lng": str(open_case.longitude),
        "category": str(open_case.category_id),
        "zoomed_bbox": ",".join(f"{value:.5f}" for value in zoomed),
    }


# Words a user types that the archive's text never has (0 hits) and that the bench's own
# marker case has once (1 hit), of 1, 2 and 3+ characters: the inputs where the planner's
# estimate is farthest from the truth (issue 19).
ABSENT_WORDS = ("鰻", "鰻丼", "鰻重屋")
ONE_HIT_WORDS = ("鱧", "鱧鍋", "鱧鍋料理")
ONE_HIT_TITLE = "鱧鍋料理の店の前の歩道に穴（ベンチ用の 1 件）"


def one_hit_case() -> None:
    """The bench's marker case (bench database only), received in the middle of the archive,
    so that each ONE_HIT_WORDS has exactly one match; prints the hits of every rare word."""
    from kobepost.accounts.models import User
    from tickets.models import Case, Category
    from tickets.search import search_cases
    from tickets.services import case_create

    if not Case.objects.filter(title=ONE_HIT_TITLE).exists():
        oldest, newest = (
            cast(
                datetime, Case.objects.order_by(field).values_list("received_at", flat=True).first()
            )
            for field in ("received_at", "-received_at")
        )
        case_create(
            created_by=cast(
                User, User.objects.filter(role=User.Role.OPERATOR).order_by("pk").first()
            ),
            category=Category.objects.get(code="road-damage"),
            title=ONE_HIT_TITLE,
            details="",
            received_at=oldest + (newest - oldest) / 2,
        )
    hits = {
        word: search_cases(Case.objects.all(), word).count()
        for word in (*ABSENT_WORDS, *ONE_HIT_WORDS)
    }
    print("rare words (hits): " + ", ".join(f"{w} {n}" for w, n in hits.items()))


def deep_positions(per_page: int = 50) -> dict[str, str]:
    """Page numbers and 次へ ids (the last row of the page before) of the middle and last
    pages: of the list in each sort, of the search 陥没 and of a department's すべて tab."""
    from django.db.models import F

    from tickets.models import Case, list_status_order
    from tickets.search import search_cases

    orders = {
        "-received_at": [F("received_at").desc(), F("id").desc()],
        "received_at": [F("received_at").asc(), F("id").asc()],
        "status": list_status_order(descending=False),
        "-status": list_status_order(descending=True),
    }
    found: dict[str, str] = {}
    total = Case.objects.count()
    for name, order in orders.items():
        ordered = Case.objects.order_by(*order).values_list("pk", flat=True)
        for where, page in (("middle", total // per_page // 2), ("last", -(-total // per_page))):
            found[f"{name}:{where}:page"] = str(page)
            found[f"{name}:{where}:after"] = str(ordered[(page - 1) * per_page - 1])
    hits = search_cases(Case.objects.all(), "陥没")
    hit_count = hits.count()
    ordered = hits.order_by("-received_at", "-id").values_list("pk", flat=True)
    for where, page in (
        ("middle", hit_count // per_page // 2),
        ("last", -(-hit_count // per_page)),
    ):
        found[f"陥没:{where}:page"] = str(page)
        found[f"陥没:{where}:after"] = str(ordered[(page - 1) * per_page - 1])
    department = busiest_department_id()
    inbox = Case.objects.filter(department=department).count()
    for where, page in (("middle", inbox // 30 // 2), ("last", -(-inbox // 30))):
        found[f"inbox:{where}:page"] = str(page)
    return found


# A page number alone opens at most tickets.pagination.NUMBERED_ROWS deep: a deeper number
# shows the deepest numbered page (and a note), which is what these rows then measure.
CAPPED = "、上限まで"


def worst_inputs(deep: dict[str, str]) -> list[tuple[str, str, str]]:
    """(user key, label, path) of the inputs that used to be slow (issue 19)."""
    cases = "/callcenter/cases/"
    found = []
    for words, hits in ((ABSENT_WORDS, 0), (ONE_HIT_WORDS, 1)):
        for word in words:
            found.append(
                (
                    "operator",
                    f"最悪: 検索 {len(word)}文字 {hits}件（{word}）",
                    f"SEARCH {cases}?q={word}",
                )
            )
    for sort in ("received_at", "status", "-status"):
        found.append(("operator", f"最悪: 並び順 {sort} 1ページ目", f"{cases}?sort={sort}"))
    for sort in ("-received_at", "received_at", "status", "-status"):
        for where in ("middle", "last"):
            page, after = deep[f"{sort}:{where}:page"], deep[f"{sort}:{where}:after"]
            label = f"{sort} {'中ほど' if where == 'middle' else '最後'}の {page} ページ目"
            found.append(
                (
                    "operator",
                    f"最悪: 一覧 {label}（番号{CAPPED}）",
                    f"{cases}?sort={sort}&page={page}",
                )
            )
            found.append(
                (
                    "operator",
                    f"最悪: 一覧 {label}（次へ）",
                    f"{cases}?sort={sort}&page={page}&after={after}",
                )
            )
    for where in ("middle", "last"):
        page, after = deep[f"陥没:{where}:page"], deep[f"陥没:{where}:after"]
        label = f"{'中ほど' if where == 'middle' else '最後'}の {page} ページ目"
        found.append(
            (
                "operator",
                f"最悪: 検索 陥没 {label}（番号{CAPPED}）",
                f"SEARCH {cases}?q=陥没&page={page}",
            )
        )
        found.append(
            (
                "operator",
                f"最悪: 検索 陥没 {label}（次へ）",
                f"SEARCH {cases}?q=陥没&page={page}&after={after}",
            )
        )
    for where in ("middle", "last"):
        page = deep[f"inbox:{where}:page"]
        label = f"{'中ほど' if where == 'middle' else '最後'}の {page} ページ目"
        found.append(
            (
                "busiest_department",
                f"最悪: 所管課 すべて {label}{CAPPED}",
                f"/departments/?filter=all&page={page}",
            )
        )
    return found


def cold_statistics(client, count: int) -> None:
    """The statistics with the cache emptied before every request (issue 19): the default
    dashboard (this month), the longest period the form takes (ten years, to today) and
    the monthly report of this fiscal year and the last, read through the counts of
    closed months and, for comparison, from the rows alone (counts off: what every view
    cost before them). Prints; asserts nothing."""
    from unittest import mock

    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from kobepost.lib.jp_calendar import fiscal_year_of_date
    from kobepost.stats import rollup
    from kobepost.stats.models import (
        CaseMonthCount,
        FaqEntryMonthCount,
        FaqEntryYearCount,
        ResponseMonthBucket,
        StatsMonth,
    )

    if not route_exists("/stats/"):
        return
    today = timezone.localdate()
    first = today.replace(year=today.year - 10, day=min(today.day, 28))
    ten_years = f"/stats/?preset=custom&date_from={first.isoformat()}&date_to={today.isoformat()}"
    print(
        f"statistics, cold cache: {StatsMonth.objects.count()} months counted, "
        f"{CaseMonthCount.objects.count():,} case rows, "
        f"{FaqEntryMonthCount.objects.count():,} FAQ entry rows "
        f"({FaqEntryYearCount.objects.count():,} of whole fiscal years), "
        f"{ResponseMonthBucket.objects.count():,} response-time bucket rows"
    )
    previous_year = f"/stats/monthly/?fy={fiscal_year_of_date(today) - 1}"
    for label, path in (
        ("ダッシュボード（今月）", "/stats/"),
        ("ダッシュボード 10 年", ten_years),
        ("月報（今年度）", "/stats/monthly/"),
        ("月報（前年度）", previous_year),
    ):
        for how, kept in (("counted months", True), ("rows only", False)):
            timings, queries = [], 0
            with mock.patch.object(rollup, "counts_kept", return_value=kept):
                for _ in range(count):
                    cache.clear()
                    with CaptureQueriesContext(connection) as captured:
                        began = time.perf_counter()
                        response = fetch(client, path)
                        timings.append((time.perf_counter() - began) * 1000)
                    queries = len(captured.captured_queries)
            print(
                f"  冷えたキャッシュ: {label}, {how}: median {statistics.median(timings):.1f} ms "
                f"(max {max(timings):.1f}), {queries} q, {response.status_code}",
                flush=True,
            )


def route_exists(path: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def pages(values: dict[str, str]) -> list[tuple[str, str, str]]:
    """(user key, label, path) of every page measured."""
    cases = "/callcenter/cases/"
    found = [
        ("operator", "空ページ（基準）", "/bench/empty/"),
        ("operator", "session status JSON", "/session/status/"),
        ("operator", "オペレーターのホーム", "/callcenter/"),
        ("operator", "受付フォーム", "/callcenter/cases/new/"),
        ("operator", "検索: 受付番号", f"SEARCH {cases}?q={values['reference']}"),
        ("operator", "検索: 電話番号", f"SEARCH {cases}?q={values['phone']}"),
        ("operator", "検索: カナ氏名", f"SEARCH {cases}?q={values['kana']}"),
        ("operator", "検索: 2文字（陥没）", f"SEARCH {cases}?q=陥没"),
        ("operator", "検索: 語句（街灯が消えている）", f"SEARCH {cases}?q=街灯が消えている"),
        ("operator", "案件一覧 1ページ目", cases),
        ("operator", "案件一覧 絞り込み（未完了・区）", f"{cases}?status=open&ward=28110"),
        ("operator", "案件一覧 200ページ目", f"{cases}?page=200"),
        ("operator", "案件詳細", f"{cases}{values['pk']}/"),
        ("operator", "電話番号の履歴 JSON", f"POST {cases}phone-history/?phone={values['phone']}"),
        (
            "operator",
            "近くの未完了案件 JSON",
            f"POST {cases}nearby/?latitude={values['lat']}&longitude={values['lng']}"
            f"&category={values['category']}",
        ),
        ("operator", "折り返し待ち一覧", "/callcenter/callbacks/"),
        ("operator", "FAQ 検索（粗大ごみ）", "/faq/?q=粗大ごみ"),
        ("operator", "お知らせ", "/notifications/"),
        # The department home is the inbox (list and map); the map asks for its data.
        ("department", "所管課ホーム", "/departments/"),
        ("department", "所管課の案件一覧（未完了）", f"{cases}?status=open"),
        ("department", "所管課の地図データ 市全域", f"/departments/cases/map/?bbox={CITY_BBOX}"),
        (
            "busiest_department",
            "所管課の地図データ 市全域（未完了最多の課）",
            f"/departments/cases/map/?bbox={CITY_BBOX}",
        ),
        (
            "busiest_department",
            "所管課の地図データ 拡大 0.01°（未完了最多の課）",
            f"/departments/cases/map/?bbox={values['zoomed_bbox']}",
        ),
        (
            "supervisor",
            "所管課の地図データ 全未完了案件（ベンチ専用）",
            f"/bench/map-all/?bbox={CITY_BBOX}",
        ),
        ("supervisor", "投稿の振り分け（KOBE ぽすと）", "/triage/"),
    ]
    for user, label, path in (
        ("supervisor", "ダッシュボード", "/stats/"),
        ("supervisor", "月報", "/stats/monthly/"),
    ):
        if route_exists(path.split("?")[0]):
            found.append((user, label, path))
        else:
            print(f"  (skip: {path} does not exist on this branch)")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--count", type=int, default=30, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--only", default="", help="measure only labels containing this")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument(
        "--without-worst",
        action="store_true",
        help="leave out the worst inputs (rare words, every sort, middle and last pages)",
    )
    parser.add_argument(
        "--cold-stats",
        type=int,
        default=3,
        help="cold-cache statistics requests per case (0: leave them out); empties the cache",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="instead of timing, profile the --only pages (cProfile) and print the top functions",
    )
    args = parser.parse_args()

    configure_environment()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings

    from kobepost.accounts.models import User
    from tickets.models import Case

    static_root = Path(settings.STATIC_ROOT)
    if not (static_root / "staticfiles.json").exists():
        call_command("collectstatic", "--noinput", verbosity=0)

    print(f"cases in the database: {Case.objects.count():,}")
    users: dict[str, Any] = {
        "operator": User.objects.filter(role=User.Role.OPERATOR).order_by("pk").first(),
        "supervisor": User.objects.filter(role=User.Role.SUPERVISOR).order_by("pk").first(),
        "department": User.objects.filter(role=User.Role.DEPARTMENT_STAFF)
        .exclude(department=None)
        .order_by("pk")
        .first(),
        "busiest_department": User.objects.filter(
            role=User.Role.DEPARTMENT_STAFF, department=busiest_department_id()
        )
        .order_by("pk")
        .first(),
    }
    with override_settings(ROOT_URLCONF="bench.urls", DEBUG=False):
        clients = {}
        for key, user in users.items():
            client = Client()
            client.force_login(user)
            client.get("/", secure=True)
            clients[key] = client
        values = sample_values()
        entries = []
        worst = []
        if not args.without_worst:
            one_hit_case()
            worst = worst_inputs(deep_positions())
        for user_key, label, path in [*pages(values), *worst]:
            if args.only and args.only not in label and label != "空ページ（基準）":
                continue
            if args.profile:
                if label != "空ページ（基準）" or not args.only:
                    profile(
                        clients[user_key],
                        label,
                        search_address(clients[user_key], path),
                        args.count,
                    )
                continue
            entries.append((clients[user_key], label, search_address(clients[user_key], path)))
        results = measure(entries, args.count, args.warmup)
        for result in results:
            print(
                f"  {result.label}: {result.median_ms:.1f} ms (p95 {result.p95_ms:.1f}), "
                f"{result.queries} q, {result.status}"
                + (f" [{result.note}]" if result.note else ""),
                flush=True,
            )
        if args.cold_stats and not args.profile:
            cold_statistics(clients["supervisor"], args.cold_stats)
    if args.profile:
        return 0
    print_table(results, markdown=args.markdown)
    failures = [r for r in results if not meets_target(r, results[0].median_ms)]
    return 1 if failures else 0


def meets_target(result: Result, baseline: float) -> bool:
    if result.status != 200:
        return False
    own = next((ms for path, ms in OWN_TARGETS_MS.items() if result.path.startswith(path)), None)
    if own is not None:
        return result.median_ms <= own
    return result.median_ms <= TARGET_MS and result.median_ms <= TARGET_RATIO * baseline


def print_table(results: list[Result], *, markdown: bool) -> None:
    baseline = results[0].median_ms
    header = [
        "ページ",
        "中央値 ms",
        "p95 ms",
        "基準比",
        "初回 ms",
        "クエリ数",
        "SQL ms",
        "KB",
        "状態",
        "目標",
    ]
    rows = []
    for r in results:
        ok = meets_target(r, baseline)
        rows.append(
            [
                r.label,
                f"{r.median_ms:.1f}",
                f"{r.p95_ms:.1f}",
                f"{r.median_ms / baseline:.1f}x",
                f"{r.first_ms:.1f}",
                str(r.queries),
                f"{r.sql_ms:.1f}",
                f"{r.size / 1024:.1f}",
                str(r.status),
                "OK" if ok else "NG",
            ]
        )
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for row in rows:
            print("| " + " | ".join(row) + " |")
        return
    for row in [header, *rows]:
        print("  ".join(f"{cell:>10}" if i else f"{cell:<32}" for i, cell in enumerate(row)))


if __name__ == "__main__":
    sys.exit(main())
