"""Latency of notification mail: from the commit of the causing transaction to SMTP receipt.

Not a test: a measurement through the real parts. It starts its own SMTP server (aiosmtpd),
its own redis-server and a real ``celery -A kobepost worker``, queues N notifications one
transaction at a time and prints the median and 95th percentile. Needs a migrated database
(DATABASE_URL) and the dev dependencies::

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/kobepost
    .venv/bin/python -m kobepost.notifications.bench -n 100

The rows it creates (event keys ``bench:...``) are deleted afterwards.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--count", type=int, default=50, help="notifications to send")
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between two commits")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kobepost.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import transaction

    from kobepost.notifications.models import Notification
    from kobepost.notifications.services import notification_queue
    from tests.services import CeleryWorker, RedisServer, SmtpServer, point_celery_at

    binary = shutil.which("redis-server")
    if binary is None:
        print("redis-server is not installed", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="bench-notify-"))
    smtp = SmtpServer()
    smtp.start()
    redis = RedisServer(binary, workdir)
    redis.start()
    worker = CeleryWorker(
        {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "kobepost.settings",
            "REDIS_URL": redis.url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "EMAIL_HOST": smtp.host,
            "EMAIL_PORT": str(smtp.port),
            "LOG_LEVEL": "WARNING",
        },
        workdir,
    )
    run = uuid.uuid4().hex[:8]
    committed: dict[str, float] = {}
    try:
        worker.start()
        point_celery_at(redis.url, eager=False)
        for number in range(args.count):
            address = f"bench{number}@bench.example"
            with transaction.atomic():
                notification_queue(
                    event_key=f"bench:{run}:{number}",
                    kind=Notification.Kind.NEW_CASE,
                    recipients=[address],
                    subject=f"【KOBE ぽすと】計測 {number}",
                    body="計測用の通知です。\n",
                    link="/",
                )
                # The on-commit publish runs as this block exits; the clock starts here.
                committed[address] = time.time()
            time.sleep(args.interval)
        smtp.wait_for_messages(args.count, timeout=60 + args.count)
        latencies = sorted(
            (received - committed[str(message["To"])]) * 1000
            for message, received in zip(smtp.messages, smtp.received_at, strict=True)
        )
    finally:
        worker.stop()
        redis.stop()
        smtp.stop()
        Notification.objects.filter(event_key__startswith=f"bench:{run}:").delete()
        shutil.rmtree(workdir, ignore_errors=True)

    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
    print(f"notifications: {len(latencies)}  (one transaction each, {args.interval}s apart)")
    print(f"commit → SMTP receipt: median {statistics.median(latencies):.1f} ms, ", end="")
    print(f"p95 {p95:.1f} ms, max {latencies[-1]:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
