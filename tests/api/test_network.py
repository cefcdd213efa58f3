"""The caller's address: normalised once, believed from X-Forwarded-For only behind trusted proxies."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from config.api.network import client_ip


def _ip(settings: Any, trusted: list[str], **meta: str) -> str | None:
    settings.VERITY_TRUSTED_PROXIES = trusted
    return client_ip(RequestFactory().get("/v1/tenant", **meta))


@pytest.mark.parametrize(
    ("remote", "expected"),
    [
        ("::ffff:198.51.100.7", "198.51.100.7"),
        ("198.51.100.7", "198.51.100.7"),
        ("2001:DB8::0:1", "2001:db8::1"),
        ("", None),
        ("unix:/run/gunicorn.sock", None),
    ],
)
def test_client_ip_is_normalised(settings: Any, remote: str, expected: str | None) -> None:
    assert _ip(settings, [], REMOTE_ADDR=remote) == expected


def test_ipv4_mapped_proxy_and_forwarded_hops_are_normalised(settings: Any) -> None:
    forwarded = "::ffff:203.0.113.9, ::ffff:10.0.0.2"
    assert _ip(settings, ["10.0.0.0/8"], REMOTE_ADDR="::ffff:10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded) == (
        "203.0.113.9"
    )


def test_a_forwarded_hop_that_is_not_an_address_makes_the_caller_unknown(settings: Any) -> None:
    assert _ip(settings, ["10.0.0.0/8"], REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.1, bogus") is None
