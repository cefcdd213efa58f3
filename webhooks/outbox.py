"""The outbox: an event is written in the transaction of the state change it reports.

``event_emit`` is called by the services that finish long work (a verification, a moderation,
a review decision, a batch index job, an erasure, an audit export), inside their own
transaction: the event and one delivery per subscribed endpoint commit with the change or not
at all. After commit, each delivery is handed to a worker (by task name: this module sits below
the domain apps and never imports a task); the sweeper picks up any the broker lost.
"""

from __future__ import annotations

from typing import Any

from celery import current_app
from django.db import transaction
from django.utils import timezone

from tenants.models import Tenant
from tenants.scope import require_scope, scope_database
from webhooks.models import Delivery, Event, WebhookEndpoint

DELIVER_TASK = "webhooks.tasks.deliver_webhook"


def event_emit(*, tenant: Tenant | int, type: str, data: dict[str, Any]) -> Event:
    """Record ``type`` about ``data`` (``{"object": ..., "id": ..., <new state>}``) with its deliveries.

    Must run inside the transaction that makes the change (it refuses to run outside one).
    """
    tenant_id = tenant if isinstance(tenant, int) else tenant.pk
    require_scope(tenant_id)
    database = scope_database()
    if not transaction.get_connection(database).in_atomic_block:
        raise RuntimeError("event_emit runs inside the transaction of the change it reports.")
    event = Event.objects.create(tenant_id=tenant_id, type=type, data=data)
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(enabled=True).only("pk", "enabled_events")
        if endpoint.receives(type)
    ]
    now = timezone.now()
    deliveries = Delivery.objects.bulk_create(
        Delivery(tenant_id=tenant_id, event=event, endpoint=endpoint, next_attempt_at=now) for endpoint in endpoints
    )
    for delivery in deliveries:
        delivery_dispatch(tenant_id=tenant_id, delivery_id=delivery.pk)
    return event


def delivery_dispatch(*, tenant_id: int, delivery_id: int, countdown: float = 0) -> None:
    """Send the delivery to a worker once the current transaction commits (at once outside one)."""
    signature = current_app.signature(DELIVER_TASK, args=[tenant_id, delivery_id], countdown=countdown or None)
    transaction.on_commit(signature.delay, using=scope_database(), robust=True)
