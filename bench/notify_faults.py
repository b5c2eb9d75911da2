"""Notification mail under injected faults: duplicates, losses and the cost of a save.

Not a test: a measurement through the real parts (its own aiosmtpd server, its own
redis-server, a real ``celery -A kobepost worker --beat``, the database of DATABASE_URL).
The worker runs with the short relay, lease and backoff times of the fault tests, so a
scenario takes seconds, not the minutes of production. Each scenario prints what it counted::

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/kobepost
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py seed_demo
    .venv/bin/python -m bench.notify_faults kills -n 5           # SIGKILL while DATA is held
    .venv/bin/python -m bench.notify_faults kills -n 5 --hold 7  # ... by a slow mail gateway
    .venv/bin/python -m bench.notify_faults slow-data -n 3 --hold 7   # slow "250", no crash
    .venv/bin/python -m bench.notify_faults db-down -n 3         # database gone after "250"
    .venv/bin/python -m bench.notify_faults redis-down -n 10     # saving cases, Redis stopped

``kills`` and ``slow-data``: each round queues one mail and holds the SMTP server's reply to
DATA (the message is kept first, as a real gateway may queue it before answering). A
duplicate is a second copy of one row at the server (same Message-ID). ``redis-down`` times
the operator's intake POST (case save, commit, publish) with Redis stopped, then starts Redis
and counts the mails. Rows and cases it creates are deleted afterwards.
"""

import argparse
import contextlib
import os
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import cast

# The fault tests' worker settings (tests/services.py), kept in one place.
WAIT = 90.0


def setup(redis_port: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kobepost.settings")
    # The bench process publishes to (and caches in) the bench's own Redis.
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    import django

    django.setup()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", choices=["kills", "slow-data", "db-down", "redis-down"])
    parser.add_argument("-n", "--rounds", type=int, default=3)
    parser.add_argument(
        "--hung",
        action="store_true",
        help="redis-down: freeze Redis (SIGSTOP: connects, never answers) instead of stopping it",
    )
    parser.add_argument(
        "--hold", type=float, default=0.0, help="seconds the SMTP server holds its DATA reply"
    )
    args = parser.parse_args()

    binary = shutil.which("redis-server")
    if binary is None:
        print("redis-server is not installed", file=sys.stderr)
        return 2
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        redis_port = probe.getsockname()[1]
    setup(redis_port)
    from tests.services import (
        WORKER_NOTIFICATION_ENV,
        CeleryWorker,
        RedisServer,
        SmtpServer,
        point_celery_at,
    )

    workdir = Path(tempfile.mkdtemp(prefix="bench-faults-"))
    redis = RedisServer(binary, workdir)
    redis.port, redis.url = redis_port, os.environ["REDIS_URL"]
    redis.start()
    smtp = SmtpServer()
    smtp.start()

    worker = CeleryWorker(
        {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "kobepost.settings",
            "DATABASE_CONN_MAX_AGE": "0",
            "REDIS_URL": redis.url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "EMAIL_HOST": smtp.host,
            "EMAIL_PORT": str(smtp.port),
            "PYTHONUNBUFFERED": "1",
            "LOG_LEVEL": "INFO",
            **WORKER_NOTIFICATION_ENV,
        },
        workdir,
    )
    run = uuid.uuid4().hex[:8]
    try:
        worker.start()
        point_celery_at(redis.url, eager=False)
        scenario = {
            "kills": held_data_rounds,
            "slow-data": held_data_rounds,
            "db-down": db_down_rounds,
            "redis-down": redis_down_rounds,
        }[args.scenario]
        scenario(args, run=run, smtp=smtp, worker=worker, redis=redis)
    finally:
        smtp.release_data()
        worker.stop()
        cleanup(run)
        redis.stop()
        smtp.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def queue_one(run: str, number: int) -> str:
    from django.db import transaction

    from kobepost.notifications.models import Notification
    from kobepost.notifications.services import notification_queue

    address = f"bench{number}@bench.example"
    with transaction.atomic():
        notification_queue(
            event_key=f"bench:{run}:{number}",
            kind=Notification.Kind.NEW_CASE,
            recipients=[address],
            subject=f"【KOBE ぽすと】障害計測 {number}",
            body="計測用の通知です。\n",
            link="/",
        )
    return address


def wait_sent(run: str, number: int) -> None:
    from kobepost.notifications.models import Notification
    from tests.services import wait_until

    wait_until(
        lambda: Notification.objects.filter(
            event_key=f"bench:{run}:{number}", status=Notification.Status.SENT
        ).exists(),
        timeout=WAIT,
        what=f"row {number} sent",
    )


def copies(smtp, address: str) -> Counter:
    return Counter(str(message["Message-ID"]) for message in smtp.messages_to(address))


def marker_drain(run: str, smtp, number: int) -> None:
    """Everything queued before the marker has been handled once the marker arrives."""
    from tests.services import wait_until

    address = queue_one(run, number)
    wait_until(lambda: smtp.messages_to(address), timeout=WAIT, what="the marker mail")


def finish_round(run: str, smtp, number: int, address: str) -> tuple[int, int]:
    """Wait for the row to be sent and everything before a marker handled; returns the
    duplicates (extra copies) and whether the mail was lost."""
    wait_sent(run, number)
    marker_drain(run, smtp, 1000 + number)
    seen = copies(smtp, address)
    print(f"  round {number + 1}: {sum(seen.values())} cop(ies), Message-IDs {len(seen)}")
    return sum(seen.values()) - len(seen), int(not seen)


def report(rounds: int, duplicates: int, lost: int, what: str) -> None:
    print(f"{what}: {rounds} rounds, {duplicates} duplicate(s), {lost} lost")


def queue_held(run: str, smtp, number: int) -> str:
    """Queue one mail and return once the server holds its answer to DATA."""
    smtp.hold_data_reply()
    address = queue_one(run, number)
    if not smtp.data_held.wait(WAIT):
        raise AssertionError("the worker never reached the end of DATA")
    return address


def held_data_rounds(args, *, run, smtp, worker, redis) -> None:
    kill = args.scenario == "kills"
    duplicates = lost = 0
    for number in range(args.rounds):
        address = queue_held(run, smtp, number)
        if args.hold:
            time.sleep(args.hold)  # the fault itself: a gateway slow to answer DATA
        if kill:
            worker.kill()
        smtp.release_data()
        if kill:
            worker.start()
        extra, missing = finish_round(run, smtp, number, address)
        duplicates, lost = duplicates + extra, lost + missing
    what = "SIGKILL while DATA held" if kill else "slow DATA reply, no crash"
    report(args.rounds, duplicates, lost, f"{what} ({args.hold:g} s hold)")


def db_down_rounds(args, *, run, smtp, worker, redis) -> None:
    from django.db import connection

    from tests.services import DatabaseOutage, wait_until

    outage = DatabaseOutage(connection.settings_dict)
    duplicates = lost = 0
    for number in range(args.rounds):
        address = queue_held(run, smtp, number)
        connection.ensure_connection()
        outage.begin(keep_pid=connection.connection.info.backend_pid)
        try:
            smtp.release_data()
            time.sleep(max(args.hold, 3.0))  # the fault itself: the database stays away
        finally:
            outage.end()
        wait_until(lambda: worker.running, what="the worker")
        extra, missing = finish_round(run, smtp, number, address)
        duplicates, lost = duplicates + extra, lost + missing
    report(args.rounds, duplicates, lost, "database unreachable between '250' and 'sent'")


def redis_down_rounds(args, *, run, smtp, worker, redis) -> None:
    from django.test import Client

    from callcenter.tests.test_intake import token_of, valid_post
    from kobepost.accounts.models import User
    from tickets.models import Case

    operator = User.objects.filter(role=User.Role.OPERATOR, is_active=True).first()
    if operator is None:
        raise SystemExit("no operator: run manage.py seed_demo first")
    client = Client()
    client.force_login(operator)
    client.get("/")  # settles the session as a real login would
    before = set(Case.objects.values_list("pk", flat=True))
    if args.hung:
        redis.process.send_signal(signal.SIGSTOP)
    else:
        redis.stop()
    timings = []
    for _number in range(args.rounds):
        token = token_of(client.get("/callcenter/cases/new/"))
        started = time.perf_counter()
        response = client.post("/callcenter/cases/new/", valid_post(token, title=f"計測 {run}"))
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 302:
            raise AssertionError(f"save answered {response.status_code}")
    if args.hung:
        redis.process.send_signal(signal.SIGCONT)
    else:
        redis.start()
    created = Case.objects.exclude(pk__in=before).filter(title=f"計測 {run}")
    department = cast(Case, created.first()).department  # the run created its case
    address = department.email_list[0]
    from tests.services import wait_until

    wait_until(
        lambda: len(smtp.messages_to(address)) >= args.rounds,
        timeout=WAIT,
        what="the mails after Redis returned",
    )
    marker_drain(run, smtp, 9999)
    received = len(smtp.messages_to(address))
    print(
        f"save with Redis down: median {statistics.median(timings):.0f} ms, "
        f"max {max(timings):.0f} ms over {args.rounds} saves"
        f" ({'frozen' if args.hung else 'stopped'})"
    )
    report(args.rounds, received - args.rounds, max(0, args.rounds - received), "mails")
    with contextlib.suppress(Exception):
        created.delete()


def cleanup(run: str) -> None:
    from kobepost.notifications.models import Notification

    with contextlib.suppress(Exception):
        Notification.objects.filter(event_key__startswith=f"bench:{run}:").delete()


if __name__ == "__main__":
    sys.exit(main())
