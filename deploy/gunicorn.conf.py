"""gunicorn settings for the KOBE Post shared tool (``gunicorn -c deploy/gunicorn.conf.py``).

Values come from the environment (the systemd unit reads /etc/kobepost/kobepost.env), so one
file serves every server; the GUNICORN_* variables are listed in deploy/kobepost.env.example.
"""

import multiprocessing
import os

wsgi_app = "kobepost.wsgi:application"

# nginx on the same host proxies here; TRUSTED_PROXIES=127.0.0.1/32 makes the app believe
# its X-Forwarded-For. Another host's load balancer: bind to the LAN address instead and add
# that balancer to TRUSTED_PROXIES.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Sync workers: pages are short database-bound requests. 2 per core + 1 is gunicorn's rule;
# capped so that a big machine does not open more PostgreSQL connections than planned
# (each worker keeps one connection for DATABASE_CONN_MAX_AGE seconds).
workers = int(os.environ.get("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 9)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"

# A request that takes longer than this is a bug or a stuck dependency; nginx gives up at 60 s.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "55"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow for months; jitter spreads restarts.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200

# Logs go to stdout/stderr → journald (journalctl -u kobepost-web), kept for the days stated
# in deploy/README.md (deploy/journald/kobepost.conf). One JSON object per line like the
# application's (kobepost/lib/logs.py): the request id nginx sets (X-Request-ID), the path only,
# never the query string nor the Referer (a URL may hold what someone typed,
# kobepost/lib/private_search.py), and Japan time with its offset.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
logger_class = "kobepost.lib.logs.GunicornLogger"
# The real client address is in X-Forwarded-For; believe only our nginx here.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proxy_allow_ips = forwarded_allow_ips

# Not preloaded, so that "systemctl reload kobepost-web" (HUP) starts workers with the NEW
# code before the old ones stop: upgrades without dropped requests. A broken settings file
# still stops the service (workers fail to boot → gunicorn exits → systemd shows it).
preload_app = False
# The workers' heartbeat files: on RAM-backed /dev/shm a slow disk cannot make gunicorn
# believe a worker hung.
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR", "/dev/shm")  # noqa: S108  # nosec B108 - heartbeat files only


def post_worker_init(worker) -> None:
    """Warm each worker before it accepts a request (kobepost/warmup.py): URL configuration,
    templates, translations, database and cache connections. With preload_app off this runs
    in every new worker, while the old ones still serve during a reload."""
    from kobepost.warmup import warm_up

    warm_up()
