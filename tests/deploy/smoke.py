"""Starting deploy/smoke/run-smoke.sh from a test: the stack as deployed, on this machine.

``smoke_environment()`` checks the tools and gives the script's environment;
``serving_stack()`` keeps the stack up (SMOKE_SERVE_FILE) for a test that drives it itself.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

from tests.fixtures import service_missing

SCRIPT = Path(settings.BASE_DIR) / "deploy" / "smoke" / "run-smoke.sh"
# migrate + seed_demo + collectstatic on a scratch database, then every service: minutes on
# a busy two-core machine, never more than this.
START_TIMEOUT = 360
STOP_TIMEOUT = 120


def smoke_environment(**extra: str) -> dict[str, str]:
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
    return {
        **os.environ,
        "SMOKE_PG_URL": maintenance_url,
        "SMOKE_PYTHON": sys.executable,
        "PATH": os.environ.get("PATH", "") + ":/usr/sbin:/sbin",
        **extra,
    }


@dataclass
class Stack:
    work: Path
    https_port: int
    staff_host: str
    public_host: str

    @property
    def staff_url(self) -> str:
        return f"https://{self.staff_host}:{self.https_port}"

    @property
    def logs(self) -> Path:
        return self.work / "logs"


@contextmanager
def serving_stack(tmp_path: Path, **extra: str) -> Iterator[Stack]:
    """The running stack until the block ends; then run-smoke.sh stops it and cleans up."""
    ready = tmp_path / "smoke-ready.json"
    output = tmp_path / "smoke-output.log"
    env = smoke_environment(SMOKE_SERVE_FILE=str(ready), **extra)
    with output.open("w") as out:
        process = subprocess.Popen(  # nosec B603 - our own script
            ["bash", str(SCRIPT)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not ready.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the smoke stack did not start:\n{output.read_text()[-6000:]}")
            time.sleep(0.5)
        served = json.loads(ready.read_text())
        yield Stack(
            work=Path(served["work"]),
            https_port=int(served["https_port"]),
            staff_host=served["staff_host"],
            public_host=served["public_host"],
        )
    finally:
        ready.unlink(missing_ok=True)  # the script's signal to stop everything it started
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGTERM)  # the group of the script started above
            process.wait(timeout=30)
