"""The whole stack as deployed: nginx → gunicorn → Django/PostgreSQL, Redis, Celery, SMTP.

Runs deploy/smoke/run-smoke.sh (which starts and stops everything itself). In CI a missing
nginx, redis-server or PostgreSQL fails the test instead of skipping it.
"""

import re
import subprocess

import pytest

from tests.deploy.smoke import SCRIPT, smoke_environment


@pytest.mark.services
def test_smoke_stack_through_nginx():
    result = subprocess.run(
        ["bash", str(SCRIPT)],
        env=smoke_environment(),
        capture_output=True,
        text=True,
        timeout=400,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, failure_report(output)
    summary = re.search(r"^(\d+)/(\d+) smoke checks passed$", output, re.MULTILINE)
    assert summary and summary.group(1) == summary.group(2), failure_report(output)
    assert int(summary.group(2)) >= 14, "a smoke check went missing"


def failure_report(output: str) -> str:
    """The script's own steps and checks first (which one failed and why), then the tail of
    the service logs it printed: the logs alone fill any limit and hide the failing step."""
    steps = [
        line
        for line in output.splitlines()
        if line.startswith(("[smoke", "ok ", "FAIL ", "smoke:", "Traceback"))
        or re.match(r"^\d+/\d+ smoke checks passed$", line)
    ]
    return "\n".join(steps) + "\n--- end of the output:\n" + output[-3000:]
