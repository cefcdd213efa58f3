"""Celery tasks of the audit log: sealing stragglers, hourly digests, retention purges and exports.

Tasks take ids (tenant first), enter the tenant's scope and call a service. Digests and purges
catch up by themselves (each run does every hour or row that is due), so a failed run loses
nothing; only S3 throttling, 5xx answers and timeouts are retried, with Celery's exponential
backoff and full jitter.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, ReadTimeoutError
from celery import shared_task

from audit.digests import digest_pending_hours
from audit.exports import export_run
from audit.identity import anonymous_identity, verity_event_source
from audit.models import AuditChainEntry, AuditExport, EventType
from audit.recording import chain_seal, record_event
from audit.retention import retention_purge
from config.api.throttling import UNKNOWN_SOURCE
from config.ratelimit import closed_floods
from tenants.models import Tenant, TenantStatus
from tenants.scope import platform_scope, tenant_scope

MAX_RETRIES = 5
_RETRYABLE_CODES = frozenset(
    {"SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "InternalError", "ServiceUnavailable"}
)


def _retryable(error: Exception) -> bool:
    if isinstance(error, ConnectionError | ReadTimeoutError):
        return True
    if isinstance(error, ClientError):
        response: Any = error.response
        status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
        return status >= 500 or response.get("Error", {}).get("Code") in _RETRYABLE_CODES
    return False


class TransientStorageError(Exception):
    """S3 throttled, failed or timed out; the original error is the ``__cause__``. Tasks retry only this."""


@shared_task(acks_late=True)
def seal_pending_chains() -> int:
    """Seal what the commit hooks left (a crash, a lock timeout); returns how many events."""
    with platform_scope():
        chains = list(
            AuditChainEntry.objects.filter(hash__isnull=True).order_by().values_list("tenant_id", flat=True).distinct()
        )
    return sum(chain_seal(tenant_id=chain) for chain in chains)


@shared_task(acks_late=True)
def digest_all_tenants() -> int:
    """Fan out one digest task per active tenant."""
    tenant_ids = list(Tenant.objects.filter(status=TenantStatus.ACTIVE).values_list("pk", flat=True))
    for tenant_id in tenant_ids:
        digest_tenant.delay(tenant_id)
    return len(tenant_ids)


@shared_task(
    acks_late=True,
    autoretry_for=(TransientStorageError,),
    max_retries=MAX_RETRIES,
    retry_backoff=2,  # full jitter over a ceiling of 2, 4, 8... seconds
    retry_backoff_max=300,
    retry_jitter=True,
    soft_time_limit=1800,
    time_limit=1900,
)
def digest_tenant(tenant_id: int) -> int:
    """Deliver and sign the tenant's complete hours that are not digested yet."""
    tenant = Tenant.objects.get(pk=tenant_id)
    try:
        with tenant_scope(tenant):
            return len(digest_pending_hours(tenant=tenant))
    except (BotoCoreError, ClientError) as error:
        if _retryable(error):
            raise TransientStorageError(str(error)) from error
        raise


@shared_task(acks_late=True)
def purge_all_tenants() -> int:
    """Fan out one retention purge per tenant that has events."""
    tenant_ids = list(Tenant.objects.values_list("pk", flat=True))
    for tenant_id in tenant_ids:
        purge_tenant.delay(tenant_id)
    return len(tenant_ids)


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900)
def purge_tenant(tenant_id: int) -> int:
    """Delete the tenant's events past retention that its trail has delivered."""
    with platform_scope():
        return retention_purge(tenant=Tenant.objects.get(pk=tenant_id))


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900)
def run_export(tenant_id: int, export_id: int) -> str:
    """Write a requested export; a failed one stays visible as ``failed`` with its error."""
    with tenant_scope(tenant_id):
        export = AuditExport.objects.get(pk=export_id)
        return str(export_run(export=export).status)


@shared_task(acks_late=True)
def record_flood_summaries(now: float | None = None) -> int:
    """One platform event per source address and ended window for requests a flood limit refused."""
    floods = closed_floods(now=now)
    for flood in floods:
        signin = flood.kind == "signin"
        record_event(
            tenant=None,
            event_source=verity_event_source(flood.kind),
            event_name="RequestsThrottled",
            identity=anonymous_identity(),
            event_type=EventType.CONSOLE_SIGN_IN if signin else EventType.API_CALL,
            read_only=True,
            source_ip=None if flood.source == UNKNOWN_SOURCE else flood.source,
            error_code="RateLimited",
            error_message=f"{flood.refused} {'sign-ins' if signin else 'requests'} refused by the flood limit.",
            additional_event_data={
                "refusedRequests": flood.refused,
                "windowStart": datetime.fromtimestamp(flood.window_start, UTC).isoformat(),
                "windowEnd": datetime.fromtimestamp(flood.window_end, UTC).isoformat(),
            },
            event_time=datetime.fromtimestamp(flood.window_end, UTC),
        )
    return len(floods)
