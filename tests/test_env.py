"""Settings read from the environment fail loudly on values they cannot parse."""

import ipaddress
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from kobepost.env import env_bool, env_int, env_list, env_networks


def test_booleans():
    assert env_bool("X", False, environ={"X": "true"}) is True
    assert env_bool("X", True, environ={"X": "0"}) is False
    assert env_bool("X", True, environ={}) is True
    with pytest.raises(ImproperlyConfigured, match="X must be a boolean"):
        env_bool("X", False, environ={"X": "maybe"})


def test_integers():
    assert env_int("N", 30, environ={"N": " 45 "}) == 45
    assert env_int("N", 30, environ={}) == 30
    with pytest.raises(ImproperlyConfigured, match="N must be an integer"):
        env_int("N", 30, environ={"N": "thirty"})
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("N", 30, minimum=1, environ={"N": "0"})


def test_lists_accept_commas_and_spaces():
    assert env_list("L", ["a"], environ={"L": "x, y  z"}) == ["x", "y", "z"]
    assert env_list("L", ["a"], environ={"L": ""}) == []
    assert env_list("L", ["a"], environ={}) == ["a"]


def test_networks():
    parsed = env_networks("NET", [], environ={"NET": "10.20.0.0/16, 192.0.2.7 ::1/128"})
    assert parsed == (
        ipaddress.ip_network("10.20.0.0/16"),
        ipaddress.ip_network("192.0.2.7/32"),
        ipaddress.ip_network("::1/128"),
    )
    with pytest.raises(ImproperlyConfigured, match=r"NET: '10\.300\.0\.0/16' is not an IP network"):
        env_networks("NET", [], environ={"NET": "10.300.0.0/16"})


def test_a_data_wait_as_long_as_the_lease_stops_the_start():
    # Two workers could then send the same mail: the claim would run out mid-conversation.
    result = subprocess.run(
        [sys.executable, "-c", "import kobepost.settings"],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "NOTIFICATION_LEASE_SECONDS": "120",
            "NOTIFICATION_DATA_TIMEOUT_SECONDS": "120",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "NOTIFICATION_DATA_TIMEOUT_SECONDS must be shorter than" in result.stderr
