"""Which address a request comes from, and which networks each role may use."""

import ipaddress
import logging

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from kobepost.env import IPNetwork

logger = logging.getLogger("kobepost.security")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parse(value: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _in_any(address: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    return any(address in network for network in networks)


def client_ip(request: HttpRequest) -> str:
    """The client's address as seen by our own edge.

    X-Forwarded-For is read only when the direct peer is a configured trusted proxy;
    from anyone else the header is ignored, so a forged header changes nothing. The
    header is walked from the right, skipping our own proxies, so a client cannot
    prepend a fake address either.
    """
    cached = getattr(request, "_kobepost_client_ip", None)
    if cached is not None:
        return cached
    remote = request.META.get("REMOTE_ADDR", "")
    address = remote
    peer = _parse(remote)
    if peer is not None and _in_any(peer, settings.TRUSTED_PROXIES):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        for hop in reversed(hops):
            hop_address = _parse(hop)
            if hop_address is None:
                break
            address = str(hop_address)
            if not _in_any(hop_address, settings.TRUSTED_PROXIES):
                break
    request._kobepost_client_ip = address  # type: ignore[attr-defined]  # per-request cache
    return address


def networks_for_role(role: str | None) -> tuple[IPNetwork, ...]:
    """The networks a signed-in user of this role may use; anonymous: the union."""
    from kobepost.accounts.models import User

    by_role: dict[str, tuple[IPNetwork, ...]] = {
        User.Role.OPERATOR: settings.CALLCENTER_NETWORKS,
        User.Role.SUPERVISOR: settings.CALLCENTER_NETWORKS,
        User.Role.DEPARTMENT_STAFF: settings.CITY_NETWORKS,
        User.Role.ADMIN: settings.ADMIN_NETWORKS,
    }
    if role is None:
        return settings.CALLCENTER_NETWORKS + settings.CITY_NETWORKS + settings.ADMIN_NETWORKS
    return by_role.get(role, ())


def network_name_for_role(role: str) -> str:
    """Where a role may connect from, as the login's refusal tells the person."""
    from kobepost.accounts.models import User

    callcenter = _("コールセンターの VPN")
    by_role: dict[str, str] = {
        User.Role.OPERATOR: callcenter,
        User.Role.SUPERVISOR: callcenter,
        User.Role.DEPARTMENT_STAFF: _("神戸市の LGWAN"),
        User.Role.ADMIN: _("管理用のネットワーク"),
    }
    return by_role.get(role, _("許可されたネットワーク"))


def address_allowed(address: str, role: str | None) -> bool:
    parsed = _parse(address)
    return parsed is not None and _in_any(parsed, networks_for_role(role))


def pbx_address_allowed(address: str) -> bool:
    """The phone system's event endpoint: only from CTI_PBX_NETWORKS, whatever the role."""
    parsed = _parse(address)
    return parsed is not None and _in_any(parsed, settings.CTI_PBX_NETWORKS)
