"""Scheduled housekeeping for tenants."""

from celery import shared_task

from config.api.idempotency import idempotency_records_purge
from config.errors import UpstreamUnavailable
from tenants.models import Tenant
from tenants.offboarding import tenant_offboard
from tenants.scope import platform_scope, tenant_scope
from tenants.selectors import test_tenant_of


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
    offboard_with_test_twin(Tenant.objects.get(pk=tenant_id), requested_by=requested_by)


def offboard_with_test_twin(tenant: Tenant, *, requested_by: str) -> bytes:
    """Offboard the tenant's test twin first (if it has one), then the tenant; the tenant's receipt."""
    twin = test_tenant_of(tenant)
    if twin is not None:
        with tenant_scope(twin):
            tenant_offboard(tenant=twin, requested_by=requested_by)
    with tenant_scope(tenant):
        return tenant_offboard(tenant=tenant, requested_by=requested_by)
