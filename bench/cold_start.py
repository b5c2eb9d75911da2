"""The first request of a new process, per page (issue 19), with and without the warm-up.

Every page is asked for once in a process of its own, as the first request that process
answers: the case after each deploy or worker restart (gunicorn's max_requests recycles a
worker every ~2,000 requests). A child process sets Django up, signs its user in, closes its
database connection (a worker starts without one), runs the warm-up that
deploy/gunicorn.conf.py runs in each worker (``kobepost.warmup.warm_up``) unless ``--cold``,
then times one request. The shared cache (Redis when REDIS_URL is set) is kept as a worker
restart finds it; ``--clear-cache`` empties it before every page as well (Redis restarted).
Prints figures only; no test asserts a time.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/kobepost_bench
    .venv/bin/python bench/cold_start.py               # warmed and cold, every page
    .venv/bin/python bench/cold_start.py --only 案件一覧 --profile   # where a cold first goes
"""

import argparse
import json
import statistics
import subprocess  # nosec B404 -- runs this same script as a child
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 200.0

# (user key, label, path): the pages of bench/run_benchmarks.py that a person opens first.
PAGES = [
    ("operator", "オペレーターのホーム", "/callcenter/"),
    ("operator", "受付フォーム", "/callcenter/cases/new/"),
    ("operator", "案件一覧", "/callcenter/cases/"),
    ("operator", "検索（陥没）", "SEARCH /callcenter/cases/?q=陥没"),
    ("operator", "案件詳細", "CASE"),
    ("operator", "折り返し待ち一覧", "/callcenter/callbacks/"),
    ("operator", "FAQ 検索（粗大ごみ）", "/faq/?q=粗大ごみ"),
    ("operator", "お知らせ", "/notifications/"),
    ("department", "所管課ホーム", "/departments/"),
    ("supervisor", "投稿の振り分け", "/triage/"),
    ("supervisor", "ダッシュボード", "/stats/"),
    ("supervisor", "月報", "/stats/monthly/"),
]


def child(user_key: str, path: str, *, warm: bool, clear_cache: bool, profile: bool) -> dict:
    sys.path.insert(0, str(ROOT))
    from bench.run_benchmarks import configure_environment

    configure_environment()
    import django

    started = time.perf_counter()
    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from kobepost.accounts.models import User
    from tickets.models import Case

    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", "--noinput", verbosity=0)
    roles = {
        "operator": User.Role.OPERATOR,
        "supervisor": User.Role.SUPERVISOR,
        "department": User.Role.DEPARTMENT_STAFF,
    }
    users = User.objects.filter(role=roles[user_key], is_active=True).order_by("pk")
    if user_key == "department":
        users = users.exclude(department=None)
    client = Client()
    # A worker's WSGI handler loads its middleware when the application is imported, before
    # the warm-up and the first request (kobepost/wsgi.py); the test client's does it lazily.
    client.handler.load_middleware()
    user = users.first()
    if user is None:
        raise SystemExit(f"no active {user_key} account: run seed_demo first")
    client.force_login(user)
    if path == "CASE":
        pk = Case.objects.order_by("-pk").values_list("pk", flat=True)[500]
        path = f"/callcenter/cases/{pk}/"
    address = path
    if path.startswith("SEARCH "):
        url, _sep, query = path.removeprefix("SEARCH ").partition("?q=")
        address = client.post(url, {"q": query}, secure=True)["Location"]
    if clear_cache:
        cache.clear()
    connection.close()  # a new worker has no connection yet
    warm_ms = 0.0
    if warm:
        from kobepost.warmup import warm_up

        began = time.perf_counter()
        warm_up()
        warm_ms = (time.perf_counter() - began) * 1000
    setup_ms = (time.perf_counter() - started) * 1000
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    began = time.perf_counter()
    response = client.get(address, secure=True)
    first_ms = (time.perf_counter() - began) * 1000
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).strip_dirs().sort_stats("cumulative").print_stats(
            90
        )
    began = time.perf_counter()
    client.get(address, secure=True)
    second_ms = (time.perf_counter() - began) * 1000
    return {
        "status": response.status_code,
        "first_ms": first_ms,
        "second_ms": second_ms,
        "warm_ms": warm_ms,
        "setup_ms": setup_ms,
    }


def run_child(user_key: str, path: str, *, warm: bool, clear_cache: bool, profile: bool) -> dict:
    command = [sys.executable, __file__, "--child", user_key, path]
    command += [] if warm else ["--cold"]
    command += ["--clear-cache"] if clear_cache else []
    command += ["--profile"] if profile else []
    done = subprocess.run(  # noqa: S603 # nosec B603 -- this script, fixed arguments
        command, capture_output=True, text=True, check=False, timeout=120
    )
    if profile:
        print(done.stderr[-12000:])
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        raise SystemExit(f"child failed for {path}:\n{done.stderr[-3000:]}")
    return json.loads(lines[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", nargs=2, metavar=("USER", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--cold", action="store_true", help="without the warm-up")
    parser.add_argument("--clear-cache", action="store_true", help="empty the cache first")
    parser.add_argument("--profile", action="store_true", help="cProfile the first request")
    parser.add_argument("--only", default="", help="pages whose label contains this")
    parser.add_argument("-n", "--count", type=int, default=1, help="processes per page and mode")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    if args.child:
        result = child(
            *args.child, warm=not args.cold, clear_cache=args.clear_cache, profile=args.profile
        )
        print(json.dumps(result))
        return 0

    modes = [("cold", False), ("warm", True)]
    if args.profile:  # one mode: warmed unless --cold
        modes = [("cold", False)] if args.cold else [("warm", True)]
    rows = []
    for user_key, label, path in PAGES:
        if args.only and args.only not in label:
            continue
        found: dict[str, list[dict]] = {}
        for mode, warm in modes:
            found[mode] = [
                run_child(
                    user_key, path, warm=warm, clear_cache=args.clear_cache, profile=args.profile
                )
                for _ in range(args.count)
            ]
        rows.append((label, found))
        summary = ", ".join(
            f"{mode} first {statistics.median(r['first_ms'] for r in results):.0f} ms"
            f" (then {statistics.median(r['second_ms'] for r in results):.0f} ms,"
            f" status {results[0]['status']})"
            for mode, results in found.items()
        )
        print(f"  {label}: {summary}", flush=True)
    if args.profile:
        return 0
    header = ["ページ", "初回 ms（ウォームアップなし）", "初回 ms（ウォームアップ後）"]
    header += ["2回目 ms", "目標"]
    print()
    print("| " + " | ".join(header) + " |" if args.markdown else "  ".join(header))
    if args.markdown:
        print("|" + "---|" * len(header))
    warm_ms = []
    for label, found in rows:
        cold = statistics.median(r["first_ms"] for r in found["cold"])
        warm = statistics.median(r["first_ms"] for r in found["warm"])
        second = statistics.median(r["second_ms"] for r in found["warm"])
        warm_ms += [r["warm_ms"] for r in found["warm"]]
        cells = [label, f"{cold:.0f}", f"{warm:.0f}", f"{second:.0f}"]
        cells.append("OK" if warm <= TARGET_MS else "NG")
        print("| " + " | ".join(cells) + " |" if args.markdown else "  ".join(cells))
    if warm_ms:
        print(f"\nwarm-up itself (per process, median): {statistics.median(warm_ms):.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
