"""Celery entry points of webhooks: one delivery attempt, and the sweeper that finds due ones.

Tasks take ids (tenant first), enter the tenant's scope and call a service.
"""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from tenants.models import Tenant
from tenants.scope import platform_scope, tenant_scope
from webhooks.delivery import deliveries_due, delivery_attempt

SWEEP_BATCH = 1000


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def deliver_webhook(tenant_id: int, delivery_id: int) -> str | None:
    """Make a delivery's due attempt (nothing if it is done, not yet due, or held by another worker)."""
    tenant = Tenant.objects.get(pk=tenant_id)
    with tenant_scope(tenant):
        attempt = delivery_attempt(tenant=tenant, delivery_id=delivery_id)
    return attempt.public_id if attempt is not None else None


@shared_task(acks_late=True)
def dispatch_due_deliveries() -> int:
    """Beat: a deliver_webhook task for each due delivery no worker holds (later retries, lost tasks)."""
    with platform_scope():
        due = list(deliveries_due(now=timezone.now()).values_list("tenant_id", "pk")[:SWEEP_BATCH])
    for tenant_id, delivery_id in due:
        deliver_webhook.delay(tenant_id, delivery_id)
    return len(due)
