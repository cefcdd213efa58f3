"""The caller's address, believing X-Forwarded-For only from configured proxies.

Addresses are normalised once, here: an IPv4-mapped IPv6 address (``::ffff:198.51.100.7``, what a
dual-stack ``[::]`` listener sees) becomes the IPv4 address it carries, so IPv4 ranges in key
policies, trusted proxies and allow-lists match it. Anything that is not an IP address is no
address at all (``None``), and callers treat an unknown address as untrusted.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def normalise_ip(value: str | None) -> str | None:
    """``value`` as a canonical IP address string, IPv4-mapped IPv6 unwrapped; None if it is not one."""
    if not value:
        return None
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


def _is_trusted_proxy(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return any(ip in ipaddress.ip_network(net, strict=False) for net in settings.VERITY_TRUSTED_PROXIES)


def client_ip(request: HttpRequest) -> str | None:
    """The caller's normalised address, or None when it cannot be established."""
    remote = normalise_ip(request.META.get("REMOTE_ADDR"))
    if remote is None or not _is_trusted_proxy(remote):
        return remote
    # Walk X-Forwarded-For from the right: the first hop that is not our own proxy is the caller.
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        address = normalise_ip(hop)
        if address is None:
            return None  # a hop our proxies passed on is not an address: the caller is unknown
        if not _is_trusted_proxy(address):
            return address
    return remote
