"""Where a webhook may go: URL rules, and the checked addresses a delivery connects to.

A URL is refused (``WebhookUrlRefused``, 400, with a code naming why) when:

* it is not an absolute ``https://`` URL (``http://`` only where ``VERITY_WEBHOOK_REQUIRE_HTTPS``
  is off, as in development), carries credentials or a fragment, or is too long;
* its host does not resolve, or resolves to **any** address that is not public: loopback,
  private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16 with the cloud
  metadata address 169.254.169.254, fe80::/10), shared (100.64/10), multicast, reserved or
  unspecified; IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry. An
  operator may allow networks (``VERITY_WEBHOOK_ALLOWED_NETWORKS``; tests and development
  allow loopback).

The check runs when the URL is saved and again before every attempt, and the connection goes to
the address that was checked (``Destination.address``), so a DNS answer that changes between the
check and the connection (rebinding) cannot send a delivery somewhere else.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from config.errors import InvalidInput

MAX_URL_LENGTH = 2048
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class WebhookUrlRefused(InvalidInput):
    code = "webhook_url_invalid"
    title = "Webhook URL refused"


@dataclass(frozen=True)
class Destination:
    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent in the request line
    address: str  # the checked address to connect to


def _refuse(code: str, detail: str) -> WebhookUrlRefused:
    return WebhookUrlRefused(detail, code=code)


def check_url(url: str) -> tuple[str, str, int, str]:
    """``(scheme, host, port, path)`` of an acceptable URL; raises ``WebhookUrlRefused`` otherwise."""
    if len(url) > MAX_URL_LENGTH:
        raise _refuse("webhook_url_invalid", f"A webhook URL has at most {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise _refuse("webhook_url_invalid", f"Not a valid URL: {exc}.") from exc
    scheme = parts.scheme.lower()
    allowed = ("https",) if settings.VERITY_WEBHOOK_REQUIRE_HTTPS else ("https", "http")
    if scheme not in allowed:
        raise _refuse("webhook_url_scheme", "A webhook URL must start with https://.")
    if not parts.hostname:
        raise _refuse("webhook_url_invalid", "A webhook URL needs a host.")
    if parts.username is not None or parts.password is not None:
        raise _refuse("webhook_url_invalid", "A webhook URL may not carry credentials.")
    if parts.fragment:
        raise _refuse("webhook_url_invalid", "A webhook URL may not have a fragment.")
    if any(ord(char) < 0x21 or ord(char) == 0x7F for char in url):
        raise _refuse("webhook_url_invalid", "A webhook URL may not contain spaces or control characters.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, parts.hostname, port or (443 if scheme == "https" else 80), path


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(network, strict=False) for network in settings.VERITY_WEBHOOK_ALLOWED_NETWORKS]


def address_class(address: IPAddress) -> str | None:
    """Why ``address`` is no place for a webhook (``"private"``, ``"loopback"``...), or None if it is public."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    checks = (
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),  # 169.254.169.254, the metadata service, is here
        ("multicast", address.is_multicast),
        ("unspecified", address.is_unspecified),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
        ("non-public", not address.is_global),  # 100.64/10 and other special-purpose ranges
    )
    return next((name for name, hit in checks if hit), None)


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    else:
        return [literal]
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise _refuse("webhook_url_unresolvable", f"The host {host} does not resolve.") from exc
    addresses: list[IPAddress] = []
    for *_, sockaddr in answers:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise _refuse("webhook_url_unresolvable", f"The host {host} does not resolve.")
    return addresses


def destination(url: str) -> Destination:
    """The URL's checked destination: every address its host resolves to must be allowed."""
    scheme, host, port, path = check_url(url)
    addresses = _resolve(host, port)
    networks = _allowed_networks()
    for address in addresses:
        kind = address_class(address)
        if kind is not None and not any(address in network for network in networks):
            raise _refuse(
                "webhook_url_forbidden_address",
                f"The host {host} resolves to {address}, a {kind} address; webhooks go to public addresses only.",
            )
    return Destination(scheme=scheme, host=host, port=port, path=path, address=str(addresses[0]))
