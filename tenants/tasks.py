"""Scheduled housekeeping for tenants."""

from celery import shared_task

from config.api.idempotency import idempotency_records_purge
from config.errors import UpstreamUnavailable
from tenants.models import Tenant
from tenants.offboarding import tenant_offboard
from tenants.scope import platform_scope, tenant_scope


@shared_task(acks_late=True)
def purge_expired_idempotency_records() -> int:
    with platform_scope():
        return idempotency_records_purge()


@shared_task(
    acks_late=True,
    autoretry_for=(UpstreamUnavailable,),
    max_retries=8,
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    soft_time_limit=3300,
    time_limit=3600,
)
def offboard_tenant(tenant_id: int, requested_by: str) -> None:
    """Offboard a tenant (the operator's admin action); a failed step is retried, resuming where it stopped."""
    tenant = Tenant.objects.get(pk=tenant_id)
    with tenant_scope(tenant):
        tenant_offboard(tenant=tenant, requested_by=requested_by)
