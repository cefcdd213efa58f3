"""Webhook endpoints and events over the API: the secret shown once and sealed, changes, deletion, and the
URLs refused (SSRF), with nothing written when a request is refused."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from tenants.scope import tenant_scope
from tests.conftest import Caller
from tests.webhooks.conftest import Receiver, create_endpoint, deliveries, emit
from webhooks.models import DeliveryStatus, Event, EventType, WebhookEndpoint

ENDPOINTS = "/v1/webhook-endpoints"


def _count(api: Caller) -> int:
    with tenant_scope(api.tenant):
        return WebhookEndpoint.objects.count()


def test_an_endpoint_is_created_with_its_secret_shown_once_and_stored_sealed(api: Caller, receiver: Receiver) -> None:
    created = api.client.post(
        ENDPOINTS,
        {"url": receiver.url, "enabled_events": ["verification.completed"], "description": "sign-up flow"},
        format="json",
    )

    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["id"].startswith("whe_")
    assert body["secret"].startswith("whsec_")
    assert body["enabled"] is True
    assert body["enabled_events"] == ["verification.completed"]
    shown = api.client.get(f"{ENDPOINTS}/{body['id']}").json()
    listed = api.client.get(ENDPOINTS).json()["results"]
    assert "secret" not in shown
    assert all("secret" not in item for item in listed)
    assert shown["url"] == receiver.url
    assert shown["description"] == "sign-up flow"
    with tenant_scope(api.tenant):
        stored = WebhookEndpoint.objects.get(public_id=body["id"])
    assert body["secret"] not in stored.secret
    assert stored.secret.startswith("v1:")


def test_an_endpoint_is_changed_disabled_and_deleted(api: Caller, receiver: Receiver) -> None:
    issued = create_endpoint(api.tenant, receiver.url)
    url = f"{ENDPOINTS}/{issued.endpoint.public_id}"
    emit(api.tenant)  # pending for it

    changed = api.client.patch(
        url, {"enabled_events": ["moderation.completed", "review.decided"], "description": "moderation"}, format="json"
    )
    disabled = api.client.patch(url, {"enabled": False}, format="json")

    assert changed.status_code == 200, changed.json()
    assert changed.json()["enabled_events"] == ["moderation.completed", "review.decided"]
    assert disabled.json()["enabled"] is False
    assert disabled.json()["disabled_reason"] == "by_tenant"
    assert deliveries(api.tenant)[0].status == DeliveryStatus.CANCELLED
    emit(api.tenant, EventType.MODERATION_COMPLETED)
    assert len(deliveries(api.tenant)) == 1  # a disabled endpoint gets nothing new
    enabled = api.client.patch(url, {"enabled": True}, format="json").json()
    assert enabled["enabled"] is True
    assert enabled["disabled_reason"] == ""
    assert enabled["disabled_at"] is None

    deleted = api.client.delete(url)

    assert deleted.status_code == 204
    assert api.client.get(url).status_code == 404
    with tenant_scope(api.tenant):
        assert Event.objects.count() == 2  # events stay


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"url": "ftp://hooks.example.com/x", "enabled_events": ["*"]}, "webhook_url_scheme"),
        ({"url": "https://user:pw@hooks.example.com/", "enabled_events": ["*"]}, "webhook_url_invalid"),
        ({"url": "https://hooks.example.com/#frag", "enabled_events": ["*"]}, "webhook_url_invalid"),
        ({"url": "https://hooks.example.com:99999/", "enabled_events": ["*"]}, "webhook_url_invalid"),
        ({"url": "https:///nohost", "enabled_events": ["*"]}, "webhook_url_invalid"),
        ({"url": "https://127.0.0.1/", "enabled_events": ["verification.finished"]}, "validation_error"),
        ({"url": "https://127.0.0.1/", "enabled_events": []}, "validation_error"),
        ({"url": "https://127.0.0.1/", "enabled_events": ["*"], "secret": "mine"}, "unknown_field"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(api: Caller, body: dict[str, Any], code: str) -> None:
    response = api.client.post(ENDPOINTS, body, format="json")

    assert (response.status_code, response.json()["code"]) == (400, code), response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert _count(api) == 0


@pytest.fixture
def no_allowance(settings: Any) -> None:
    """Production's default: no network is allowed beyond public addresses."""
    settings.VERITY_WEBHOOK_ALLOWED_NETWORKS = []


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://127.0.0.1/hooks", "loopback"),
        ("https://127.9.9.9/hooks", "loopback"),
        ("https://[::1]/hooks", "loopback"),
        ("https://10.1.2.3/hooks", "private"),
        ("https://172.16.0.1/hooks", "private"),
        ("https://192.168.1.1/hooks", "private"),
        ("https://169.254.169.254/latest/meta-data/", "link-local"),
        ("https://[fe80::1]/hooks", "link-local"),
        ("https://[fd00:ec2::254]/hooks", "private"),
        ("https://100.64.0.1/hooks", "non-public"),
        ("https://224.0.0.1/hooks", "multicast"),
        ("https://0.0.0.0/hooks", "unspecified"),
        ("https://[::ffff:127.0.0.1]/hooks", "loopback"),
        ("https://[::ffff:10.0.0.1]/hooks", "private"),
        ("https://localhost/hooks", "loopback"),
    ],
)
def test_non_public_destinations_are_refused(api: Caller, no_allowance: None, url: str, kind: str) -> None:
    response = api.client.post(ENDPOINTS, {"url": url, "enabled_events": ["*"]}, format="json")

    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "webhook_url_forbidden_address"
    assert f"a {kind} address" in response.json()["detail"]
    assert _count(api) == 0


def test_a_name_that_resolves_to_a_private_address_is_refused(
    api: Caller, no_allowance: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Any of the name's addresses counts: one public and one private answer is still refused."""
    real = socket.getaddrinfo

    def resolve(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "hooks.tenant.example":
            return [
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 443)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", 443)),
            ]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)

    response = api.client.post(
        ENDPOINTS, {"url": "https://hooks.tenant.example/in", "enabled_events": ["*"]}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "webhook_url_forbidden_address"
    assert "10.0.0.5, a private address" in response.json()["detail"]
    assert _count(api) == 0


def test_a_public_name_is_accepted(api: Caller, no_allowance: None, monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo

    def resolve(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "hooks.tenant.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 443))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)

    response = api.client.post(
        ENDPOINTS, {"url": "https://hooks.tenant.example/in", "enabled_events": ["*"]}, format="json"
    )

    assert response.status_code == 201, response.json()


def test_a_name_that_does_not_resolve_is_refused(api: Caller, monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo

    def resolve(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "nowhere.invalid":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)

    response = api.client.post(ENDPOINTS, {"url": "https://nowhere.invalid/", "enabled_events": ["*"]}, format="json")

    assert (response.status_code, response.json()["code"]) == (400, "webhook_url_unresolvable")
    assert _count(api) == 0


def test_http_is_refused_in_production(api: Caller, receiver: Receiver, settings: Any) -> None:
    settings.VERITY_WEBHOOK_REQUIRE_HTTPS = True

    response = api.client.post(ENDPOINTS, {"url": receiver.url, "enabled_events": ["*"]}, format="json")

    assert (response.status_code, response.json()["code"]) == (400, "webhook_url_scheme")
    assert _count(api) == 0


def test_a_changed_url_is_checked_too(api: Caller, receiver: Receiver, no_allowance: None) -> None:
    issued = create_endpoint_allowed(api, receiver)

    response = api.client.patch(
        f"{ENDPOINTS}/{issued}", {"url": "https://169.254.169.254/latest/meta-data/"}, format="json"
    )

    assert (response.status_code, response.json()["code"]) == (400, "webhook_url_forbidden_address")
    with tenant_scope(api.tenant):
        assert WebhookEndpoint.objects.get(public_id=issued).url == receiver.url


def create_endpoint_allowed(api: Caller, receiver: Receiver) -> str:
    from django.test import override_settings

    with override_settings(VERITY_WEBHOOK_ALLOWED_NETWORKS=["127.0.0.0/8"]):
        return create_endpoint(api.tenant, receiver.url).endpoint.public_id


def test_rotation_refuses_a_bad_overlap(api: Caller, receiver: Receiver) -> None:
    issued = create_endpoint(api.tenant, receiver.url)
    with tenant_scope(api.tenant):
        before = WebhookEndpoint.objects.get(pk=issued.endpoint.pk).secret

    response = api.client.post(
        f"{ENDPOINTS}/{issued.endpoint.public_id}/rotate-secret", {"overlap_seconds": 8 * 24 * 3600}, format="json"
    )

    assert (response.status_code, response.json()["code"]) == (400, "validation_error")
    with tenant_scope(api.tenant):
        assert WebhookEndpoint.objects.get(pk=issued.endpoint.pk).secret == before


def test_events_are_listed_newest_first_and_filtered_by_type(api: Caller) -> None:
    first = emit(api.tenant, EventType.VERIFICATION_COMPLETED)
    second = emit(api.tenant, EventType.MODERATION_COMPLETED, object="moderation")

    listed = api.client.get("/v1/events").json()["results"]
    filtered = api.client.get("/v1/events?type=moderation.completed").json()["results"]
    shown = api.client.get(f"/v1/events/{first.public_id}").json()
    bad = api.client.get("/v1/events?type=verification.finished")

    assert [event["id"] for event in listed] == [second.public_id, first.public_id]
    assert [event["id"] for event in filtered] == [second.public_id]
    assert shown == {
        "id": first.public_id,
        "type": "verification.completed",
        "data": {"object": "verification", "id": "ver_x"},
        "created_at": shown["created_at"],
        "livemode": True,
    }
    assert (bad.status_code, bad.json()["code"]) == (400, "validation_error")
    assert api.client.get("/v1/events/evt_missing").status_code == 404
