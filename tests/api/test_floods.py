"""Callers without credentials cannot flood the API or the admin sign-in, nor the audit log with them."""

from __future__ import annotations

import ipaddress
import secrets
import time
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from audit.models import AuditEvent
from audit.tasks import record_flood_summaries
from tenants.scope import platform_scope
from tests.conftest import make_caller
from tests.factories import MembershipFactory

# Flood windows are swept from one Redis set: these tests run in one worker, one after another.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("floods")]
PASSWORD = "correct horse battery staple"


def _fresh_ip() -> str:
    return str(ipaddress.IPv6Address(0x20010DB8 << 96 | secrets.randbits(64)))


def _platform_events(source_ip: str, **filters: Any) -> list[dict]:
    with platform_scope():
        events = AuditEvent.objects.filter(tenant=None, source_ip=source_ip, **filters).order_by("event_time", "id")
        return [dict(e.record) for e in events]


def _sweep(settings: Any) -> None:
    record_flood_summaries(now=time.time() + settings.VERITY_FLOOD_WINDOW_SECONDS + 1)


def test_unauthenticated_requests_are_throttled_per_source_ip(settings: Any) -> None:
    settings.VERITY_ANONYMOUS_API_RATE = "3/minute"
    ip, other_ip = _fresh_ip(), _fresh_ip()
    anonymous = APIClient()
    for _ in range(3):
        assert anonymous.get("/v1/tenant", REMOTE_ADDR=ip).status_code == 401
    refused = anonymous.get("/v1/tenant", REMOTE_ADDR=ip, HTTP_AUTHORIZATION="Bearer vk_live_" + "x" * 52)
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["code"] == "rate_limited"
    assert int(refused["Retry-After"]) >= 1
    assert refused["RateLimit-Limit"] == "3"
    assert anonymous.get("/v1/tenant", REMOTE_ADDR=other_ip).status_code == 401
    assert make_caller().client.get("/v1/tenant", REMOTE_ADDR=ip).status_code == 200  # keys have their own limits


def test_refused_unauthenticated_requests_become_one_counted_audit_event(settings: Any) -> None:
    settings.VERITY_ANONYMOUS_API_RATE = "2/minute"
    ip = _fresh_ip()
    anonymous = APIClient()
    statuses = [anonymous.get("/v1/subjects", REMOTE_ADDR=ip).status_code for _ in range(7)]
    assert statuses == [401, 401, 429, 429, 429, 429, 429]
    assert len(_platform_events(ip)) == 2  # one row per answered request, none per refused one

    _sweep(settings)

    # One summary per window; the refusals straddle a window boundary now and then (two summaries).
    summaries = _platform_events(ip, event_name="RequestsThrottled")
    assert len(summaries) in (1, 2)
    assert {(e["eventSource"], e["errorCode"]) for e in summaries} == {("api.verity.local", "RateLimited")}
    assert {e["userIdentity"]["accountId"] for e in summaries} == {"ANONYMOUS_PRINCIPAL"}
    assert sum(e["additionalEventData"]["refusedRequests"] for e in summaries) == 5
    assert len(_platform_events(ip)) == 2 + len(summaries)


def _sign_in(ip: str, username: str, password: str) -> Any:
    return Client(REMOTE_ADDR=ip).post("/admin/login/", {"username": username, "password": password})


def test_failed_sign_ins_are_limited_per_username_and_ip(settings: Any) -> None:
    settings.VERITY_SIGNIN_FAILURE_RATE = "3/15minutes"
    user = MembershipFactory().user
    ip = _fresh_ip()
    for _ in range(3):
        assert _sign_in(ip, user.username, "wrong password!").status_code == 200  # the form, with an error
    refused = _sign_in(ip, user.username, PASSWORD)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert "_auth_user_id" not in refused.client.session
    assert _sign_in(_fresh_ip(), user.username, PASSWORD).status_code == 302  # others are not locked out
    assert _sign_in(ip, "someone-else", "wrong password!").status_code == 200


def test_failed_sign_ins_are_limited_per_ip_across_usernames(settings: Any) -> None:
    settings.VERITY_SIGNIN_FAILURE_IP_RATE = "3/15minutes"
    ip = _fresh_ip()
    for name in ("alice", "bob", "carol"):
        assert _sign_in(ip, name, "wrong password!").status_code == 200
    assert _sign_in(ip, "dave", "wrong password!").status_code == 429


def test_refused_sign_ins_become_one_counted_audit_event(settings: Any) -> None:
    settings.VERITY_SIGNIN_FAILURE_RATE = "2/15minutes"
    user = MembershipFactory().user
    ip = _fresh_ip()
    statuses = [_sign_in(ip, user.username, "wrong password!").status_code for _ in range(6)]
    assert statuses == [200, 200, 429, 429, 429, 429]

    _sweep(settings)

    # One summary per window; the refusals straddle a window boundary now and then (two summaries).
    summaries = [e for e in _platform_events(ip) if e["eventName"] == "RequestsThrottled"]
    assert len(summaries) in (1, 2)
    assert {(e["eventSource"], e["eventType"]) for e in summaries} == {("signin.verity.local", "AwsConsoleSignIn")}
    assert sum(e["additionalEventData"]["refusedRequests"] for e in summaries) == 4
