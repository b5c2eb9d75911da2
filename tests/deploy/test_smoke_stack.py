"""The whole stack as deployed: nginx → gunicorn → Django/PostgreSQL, Redis, Celery, SMTP.

Runs deploy/smoke/run-smoke.sh (which starts and stops everything itself). In CI a missing
nginx, redis-server or PostgreSQL fails the test instead of skipping it.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.fixtures import service_missing

SCRIPT = Path(settings.BASE_DIR) / "deploy" / "smoke" / "run-smoke.sh"


@pytest.mark.services
def test_smoke_stack_through_nginx():
    if not settings.USING_POSTGRESQL:
        service_missing("the smoke test needs PostgreSQL (DATABASE_URL)")
    for tool in ("nginx", "redis-server", "openssl", "psql"):
        if shutil.which(tool) is None and not Path("/usr/sbin", tool).exists():
            service_missing(f"{tool} is not installed")
    database = settings.DATABASES["default"]
    maintenance_url = "postgres://{user}{password}@{host}:{port}/postgres".format(
        user=database.get("USER") or "postgres",
        password=f":{database['PASSWORD']}" if database.get("PASSWORD") else "",
        host=database.get("HOST") or "127.0.0.1",
        port=database.get("PORT") or 5432,
    )
    env = {
        **os.environ,
        "SMOKE_PG_URL": maintenance_url,
        "SMOKE_PYTHON": sys.executable,
        "PATH": os.environ.get("PATH", "") + ":/usr/sbin:/sbin",
    }
    result = subprocess.run(
        ["bash", str(SCRIPT)],
        env=env,
        capture_output=True,
        text=True,
        timeout=400,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    summary = re.search(r"^(\d+)/(\d+) smoke checks passed$", output, re.MULTILINE)
    assert summary and summary.group(1) == summary.group(2), output[-6000:]
    assert int(summary.group(2)) >= 13, "a smoke check went missing"
