"""API key authentication: every kind of bad key is the same 401, and a good key works."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tenants.models import ApiKey, TenantStatus
from tenants.scope import tenant_scope
from tenants.services import apikey_revoke
from tests.conftest import Caller, make_caller

pytestmark = pytest.mark.django_db


def _get_tenant(token: str | None, header: str | None = None) -> tuple[int, dict]:
    client = APIClient()
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)
    elif token is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.get("/v1/tenant")
    return response.status_code, response.json()


def _comparable(body: dict) -> dict:
    return {k: v for k, v in body.items() if k != "request_id"}


def test_valid_key_reads_its_tenant(caller: Caller) -> None:
    status, body = _get_tenant(caller.token)
    assert status == 200
    assert body["account_id"] == caller.tenant.account_id
    assert body["slug"] == caller.tenant.slug


def test_key_use_is_recorded(caller: Caller) -> None:
    _get_tenant(caller.token)
    with tenant_scope(caller.tenant):
        assert ApiKey.objects.get(pk=caller.api_key.pk).last_used_at is not None


def test_every_kind_of_bad_key_gets_the_same_401(caller: Caller) -> None:
    right_prefix_wrong_secret = caller.token[:-1] + ("A" if caller.token[-1] != "A" else "B")
    expired = make_caller(expires_at=timezone.now() + timedelta(seconds=1))
    with tenant_scope(expired.tenant):
        ApiKey.objects.filter(pk=expired.api_key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    revoked = make_caller()
    with tenant_scope(revoked.tenant):
        apikey_revoke(api_key=revoked.api_key)
    suspended = make_caller()
    suspended.tenant.status = TenantStatus.SUSPENDED
    suspended.tenant.save()

    attempts = {
        "missing": _get_tenant(None),
        "not bearer": _get_tenant(None, header=f"Basic {caller.token}"),
        "malformed": _get_tenant("vk_live_short"),
        "foreign": _get_tenant("vk_live_" + "x" * 52),
        "wrong secret": _get_tenant(right_prefix_wrong_secret),
        "expired": _get_tenant(expired.token),
        "revoked": _get_tenant(revoked.token),
        "suspended tenant": _get_tenant(suspended.token),
    }
    bodies = {_comparable(body)["detail"] for _, body in attempts.values()}
    assert {status for status, _ in attempts.values()} == {401}
    assert {body["code"] for _, body in attempts.values()} == {"authentication_failed"}
    assert len(bodies) == 1


def test_401_carries_www_authenticate() -> None:
    response = APIClient().get("/v1/tenant")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.usefixtures("aws_and_rekognition")  # test mode's engine is the local endpoint
def test_test_mode_keys_have_their_own_prefix(caller: Caller) -> None:
    test_caller = make_caller(tenant=caller.tenant, mode="test")
    assert test_caller.token.startswith("vk_test_")
    assert caller.token.startswith("vk_live_")
    status, body = _get_tenant(test_caller.token)
    assert (status, body["livemode"]) == (200, False)
    assert _get_tenant(caller.token)[1]["livemode"] is True


def test_only_prefix_and_hash_are_stored(caller: Caller) -> None:
    with tenant_scope(caller.tenant):
        stored = ApiKey.objects.get(pk=caller.api_key.pk)
    secret = caller.token[len(stored.prefix) :]
    assert caller.token.startswith(stored.prefix)
    assert len(secret) >= 20
    assert stored.secret_hash == hashlib.sha256(caller.token.encode()).hexdigest()
    with tenant_scope(caller.tenant):
        row = ApiKey.objects.filter(pk=caller.api_key.pk).values().get()
    assert not [column for column, value in row.items() if secret in str(value)]
