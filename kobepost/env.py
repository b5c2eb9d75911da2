"""Typed readers for settings that come from environment variables.

Each reader fails loudly (ImproperlyConfigured) on a value it cannot parse, so a typo
in a server's environment file stops the process at start instead of running with a
silently wrong setting.
"""

import ipaddress
import os
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str, environ: Mapping[str, str] | None) -> str | None:
    return (os.environ if environ is None else environ).get(name)


def env_str(name: str, default: str, *, environ: Mapping[str, str] | None = None) -> str:
    value = _raw(name, environ)
    return default if value is None else value.strip()


def env_bool(name: str, default: bool, *, environ: Mapping[str, str] | None = None) -> bool:
    value = _raw(name, environ)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {value!r}")


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    value = _raw(name, environ)
    if value is None or not value.strip():
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {number}")
    return number


def env_list(
    name: str, default: list[str], *, environ: Mapping[str, str] | None = None
) -> list[str]:
    """A comma- or whitespace-separated list; an empty value gives an empty list."""
    value = _raw(name, environ)
    if value is None:
        return list(default)
    return [item for item in value.replace(",", " ").split() if item]


def env_networks(
    name: str, default: list[str], *, environ: Mapping[str, str] | None = None
) -> tuple[IPNetwork, ...]:
    """A list of CIDR networks such as ``10.20.0.0/16, 192.0.2.7``."""
    networks = []
    for item in env_list(name, default, environ=environ):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ImproperlyConfigured(f"{name}: {item!r} is not an IP network") from None
    return tuple(networks)
