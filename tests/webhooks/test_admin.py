"""Webhooks in the admin: a tenant admin adds an endpoint (the secret shown once), sees its attempts,
rotates its secret and redelivers events; other roles only look."""

from __future__ import annotations

import re

from django.test import Client
from standardwebhooks import Webhook

from tenants.models import Role, Tenant
from tenants.scope import tenant_scope
from tests.factories import MembershipFactory
from tests.webhooks.conftest import Receiver, attempt, create_endpoint, deliveries, emit
from webhooks.models import DeliveryStatus, WebhookEndpoint

ADD = "/admin/webhooks/webhookendpoint/add/"


def _admin(tenant: Tenant, role: str = Role.TENANT_ADMIN) -> Client:
    client = Client()
    client.force_login(MembershipFactory(tenant=tenant, role=role).user)
    return client


def test_a_tenant_admin_adds_an_endpoint_and_sees_its_secret_once(tenant: Tenant, receiver: Receiver) -> None:
    client = _admin(tenant)

    page = client.post(
        ADD, {"url": receiver.url, "description": "crm", "enabled_events": ["review.decided"], "enabled": "on"}
    ).content.decode()

    secrets = re.findall(r"whsec_[A-Za-z0-9+/=]{44}", page)
    assert len(set(secrets)) == 1
    with tenant_scope(tenant):
        endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.url, endpoint.enabled_events, endpoint.description) == (receiver.url, ["review.decided"], "crm")
    for later in ("/admin/webhooks/webhookendpoint/", f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/"):
        shown = client.get(later)
        assert shown.status_code == 200
        assert secrets[0] not in shown.content.decode()
    emit(tenant, "review.decided", object="review")
    attempt(tenant, deliveries(tenant)[0])
    (got,) = receiver.received
    assert Webhook(secrets[0]).verify(got.body, got.headers)  # the secret shown is the one that signs


def test_a_refused_url_is_a_form_error_and_nothing_is_added(tenant: Tenant, settings: object) -> None:
    response = _admin(tenant).post(ADD, {"url": "https://169.254.169.254/latest/", "enabled_events": ["*"]})

    assert response.status_code == 200
    assert "a link-local address" in response.content.decode()
    with tenant_scope(tenant):
        assert WebhookEndpoint.objects.count() == 0


def test_the_change_page_shows_recent_attempts_and_saves_through_the_service(
    tenant: Tenant, receiver: Receiver
) -> None:
    issued = create_endpoint(tenant, receiver.url)
    emit(tenant)
    receiver.answer(418, b"short and stout")
    attempt(tenant, deliveries(tenant)[0])
    client = _admin(tenant)
    change = f"/admin/webhooks/webhookendpoint/{issued.endpoint.pk}/change/"

    page = client.get(change).content.decode()
    saved = client.post(
        change,
        {
            "url": receiver.url,
            "description": "paused",
            "enabled_events": ["*"],
            "delivery_attempts-TOTAL_FORMS": "0",
            "delivery_attempts-INITIAL_FORMS": "0",
        },
    )

    assert "short and stout" in page
    assert "418" in page
    assert saved.status_code == 302, saved.content.decode()[:2000]
    with tenant_scope(tenant):
        endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.enabled, endpoint.disabled_reason, endpoint.description) == (False, "by_tenant", "paused")
    assert deliveries(tenant)[0].status == DeliveryStatus.CANCELLED  # disabling cancels what was pending


def test_rotation_and_redelivery_are_admin_actions(tenant: Tenant, receiver: Receiver) -> None:
    issued = create_endpoint(tenant, receiver.url)
    event = emit(tenant)
    attempt(tenant, deliveries(tenant)[0])
    client = _admin(tenant)

    rotated = client.post(
        "/admin/webhooks/webhookendpoint/",
        {"action": "rotate_secret", "_selected_action": [issued.endpoint.pk]},
        follow=True,
    ).content.decode()
    redelivered = client.post(
        "/admin/webhooks/event/", {"action": "redeliver", "_selected_action": [event.pk]}, follow=True
    ).content.decode()

    (new_secret,) = set(re.findall(r"whsec_[A-Za-z0-9+/=]{44}", rotated))
    assert new_secret != issued.secret
    assert "1 delivery(ies) scheduled." in redelivered
    (again,) = deliveries(tenant)
    assert (again.status, again.attempts) == (DeliveryStatus.PENDING, 0)
    attempt(tenant, again)
    got = receiver.received[-1]
    assert Webhook(new_secret).verify(got.body, got.headers)
    assert Webhook(issued.secret).verify(got.body, got.headers)  # the overlap: both sign


def test_a_reviewer_may_look_but_not_add_rotate_or_redeliver(tenant: Tenant, receiver: Receiver) -> None:
    issued = create_endpoint(tenant, receiver.url)
    event = emit(tenant)
    client = _admin(tenant, Role.REVIEWER)

    assert client.get("/admin/webhooks/webhookendpoint/").status_code == 200
    assert client.get(ADD).status_code == 403
    listed = client.get("/admin/webhooks/event/").content.decode()
    assert event.public_id in listed
    assert 'value="redeliver"' not in listed
    refused = client.post(
        "/admin/webhooks/webhookendpoint/", {"action": "rotate_secret", "_selected_action": [issued.endpoint.pk]}
    )
    assert "whsec_" not in refused.content.decode()
    with tenant_scope(tenant):
        assert WebhookEndpoint.objects.get().previous_secret == ""
