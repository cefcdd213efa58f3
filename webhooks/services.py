"""Webhook endpoints (create, change, delete, rotate the secret) and redelivery.

A signing secret (``whsec_`` + base64 of 32 random bytes, the Standard Webhooks form) is
returned once, when it is made, and stored sealed under the tenant's KMS key. Sealing may call
KMS, so it happens before any transaction opens.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.identity import resource, verity_event_source
from audit.recording import record_system_event
from audit.redaction import KEEP, register_event
from config.errors import InvalidInput, NotFound
from config.ids import public_id
from tenants.envelope import seal
from tenants.models import Tenant
from tenants.scope import require_scope, scope_database
from webhooks.destinations import destination
from webhooks.models import (
    ALL_EVENTS,
    Delivery,
    DeliveryStatus,
    DisabledReason,
    Event,
    EventType,
    WebhookEndpoint,
)
from webhooks.outbox import delivery_dispatch

SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks prefix, not a secret
MAX_OVERLAP_SECONDS = 7 * 24 * 3600
WEBHOOKS_SOURCE = verity_event_source("webhooks")
register_event(
    WEBHOOKS_SOURCE, "DisableWebhookEndpoint", details={"endpointId": KEEP, "reason": KEEP, "failingSince": KEEP}
)


@dataclass(frozen=True)
class IssuedEndpoint:
    endpoint: WebhookEndpoint
    secret: str  # shown once


def secret_record(endpoint_public_id: str) -> str:
    """What a sealed secret is bound to (tenants.envelope): this endpoint's row."""
    return f"webhooks.endpoint/{endpoint_public_id}"


def _new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def _checked_events(enabled_events: list[str]) -> list[str]:
    known = set(EventType.values) | {ALL_EVENTS}
    unknown = sorted({event for event in enabled_events if event not in known})
    if unknown:
        raise InvalidInput(
            f"Unknown event type(s): {', '.join(unknown)}. Known: {', '.join(sorted(known))}.",
            code="webhook_unknown_event_type",
        )
    if not enabled_events:
        raise InvalidInput('Name at least one event type (or "*").', code="webhook_unknown_event_type")
    return sorted(set(enabled_events))


def webhook_endpoint_create(
    *, tenant: Tenant, url: str, enabled_events: list[str], description: str = "", enabled: bool = True
) -> IssuedEndpoint:
    require_scope(tenant)
    destination(url)  # refused before anything is written
    events = _checked_events(enabled_events)
    endpoint_id = public_id("whe")
    secret = _new_secret()
    sealed = seal(tenant, secret.encode(), record=secret_record(endpoint_id))  # no transaction open
    with transaction.atomic(using=scope_database()):
        endpoint = WebhookEndpoint.objects.create(
            tenant=tenant,
            public_id=endpoint_id,
            url=url,
            description=description,
            enabled_events=events,
            enabled=enabled,
            disabled_reason="" if enabled else DisabledReason.BY_TENANT,
            disabled_at=None if enabled else timezone.now(),
            secret=sealed,
        )
    return IssuedEndpoint(endpoint=endpoint, secret=secret)


def webhook_endpoint_update(*, tenant: Tenant, endpoint: WebhookEndpoint, **changes: Any) -> WebhookEndpoint:
    """Change ``url``, ``enabled_events``, ``description`` or ``enabled`` (re-enabling clears a failure)."""
    require_scope(tenant)
    if "url" in changes:
        destination(changes["url"])
    if "enabled_events" in changes:
        changes["enabled_events"] = _checked_events(changes["enabled_events"])
    with transaction.atomic(using=scope_database()):
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        for field in ("url", "enabled_events", "description"):
            if field in changes:
                setattr(locked, field, changes[field])
        if "enabled" in changes and changes["enabled"] != locked.enabled:
            locked.enabled = bool(changes["enabled"])
            locked.disabled_reason = "" if locked.enabled else DisabledReason.BY_TENANT
            locked.disabled_at = None if locked.enabled else timezone.now()
            if not locked.enabled:
                _cancel_pending(locked)
        locked.save()
    return locked


def webhook_endpoint_delete(*, tenant: Tenant, endpoint: WebhookEndpoint) -> None:
    """The endpoint goes with its deliveries and attempts; events stay (they belong to the tenant)."""
    require_scope(tenant)
    with transaction.atomic(using=scope_database()):
        WebhookEndpoint.objects.filter(pk=endpoint.pk).delete()


def webhook_endpoint_rotate_secret(
    *, tenant: Tenant, endpoint: WebhookEndpoint, overlap_seconds: int | None = None
) -> IssuedEndpoint:
    """A new secret; the current one keeps signing beside it for ``overlap_seconds`` (0: stops at once)."""
    require_scope(tenant)
    overlap = settings.VERITY_WEBHOOK_SECRET_OVERLAP_SECONDS if overlap_seconds is None else overlap_seconds
    if not 0 <= overlap <= MAX_OVERLAP_SECONDS:
        raise InvalidInput(f"overlap_seconds is between 0 and {MAX_OVERLAP_SECONDS}.", code="webhook_invalid_overlap")
    secret = _new_secret()
    sealed = seal(tenant, secret.encode(), record=secret_record(endpoint.public_id))  # no transaction open
    with transaction.atomic(using=scope_database()):
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        locked.previous_secret = locked.secret if overlap else ""
        locked.previous_secret_expires_at = timezone.now() + timedelta(seconds=overlap) if overlap else None
        locked.secret = sealed
        locked.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"])
    return IssuedEndpoint(endpoint=locked, secret=secret)


def event_redeliver(*, tenant: Tenant, event: Event, endpoint: WebhookEndpoint | None = None) -> list[Delivery]:
    """Send ``event`` again, with a fresh schedule, to ``endpoint`` or to every enabled endpoint subscribed now."""
    require_scope(tenant)
    with transaction.atomic(using=scope_database()):
        if endpoint is not None:
            if not endpoint.enabled:
                raise InvalidInput(
                    f"Endpoint {endpoint.public_id} is disabled; enable it first.", code="webhook_endpoint_disabled"
                )
            targets = [endpoint]
        else:
            targets = [found for found in WebhookEndpoint.objects.filter(enabled=True) if found.receives(event.type)]
            if not targets:
                raise NotFound("No enabled endpoint receives this event type.", code="webhook_no_endpoint")
        now = timezone.now()
        deliveries = []
        for target in targets:
            delivery, _ = Delivery.objects.select_for_update().get_or_create(
                tenant=tenant, event=event, endpoint=target, defaults={"next_attempt_at": now}
            )
            delivery.status, delivery.attempts, delivery.next_attempt_at = DeliveryStatus.PENDING, 0, now
            delivery.failing_since, delivery.leased_until = None, None
            delivery.save()
            delivery_dispatch(tenant_id=tenant.pk, delivery_id=delivery.pk)
            deliveries.append(delivery)
    return deliveries


def _cancel_pending(endpoint: WebhookEndpoint) -> None:
    Delivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.CANCELLED, next_attempt_at=None, leased_until=None
    )


def endpoint_resource(tenant: Tenant, endpoint_public_id: str) -> Any:
    return resource(tenant, service="webhooks", resource_type="webhook-endpoint", resource_id=endpoint_public_id)


def record_endpoint_disabled(tenant: Tenant, endpoint: WebhookEndpoint, *, failing_since: Any) -> None:
    record_system_event(
        tenant=tenant,
        event_source=WEBHOOKS_SOURCE,
        event_name="DisableWebhookEndpoint",
        details={
            "endpointId": endpoint.public_id,
            "reason": DisabledReason.FAILING.value,
            "failingSince": failing_since.isoformat() if failing_since else None,
        },
        resources=[endpoint_resource(tenant, endpoint.public_id)],
    )
