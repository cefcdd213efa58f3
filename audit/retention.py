"""Audit retention: the tenant's retention setting and the purge of delivered events past it."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.identity import (
    verity_event_source,
)
from audit.models import (
    MIN_RETENTION_DAYS,
    AuditSettings,
)
from audit.recording import audited_by_services, record_change, record_system_event
from config.errors import InvalidInput
from tenants.models import Tenant
from tenants.scope import require_scope, scope_connection


def audit_settings_set(*, tenant: Tenant, retention_days: int, actor: Any | None = None) -> AuditSettings:
    """Set the tenant's retention; never below a year (the database refuses it too)."""
    if retention_days < MIN_RETENTION_DAYS:
        raise InvalidInput(f"Audit events are kept at least {MIN_RETENTION_DAYS} days.", code="retention_too_short")
    require_scope(tenant)
    with transaction.atomic():
        current = AuditSettings.objects.filter(tenant=tenant).first()
        if current is not None and current.retention_days == retention_days:
            return current
        settings_row, _ = AuditSettings.objects.update_or_create(
            tenant=tenant, defaults={"retention_days": retention_days, "updated_at": timezone.now()}
        )
        record_change(
            tenant=tenant,
            event_source=verity_event_source("audit"),
            event_name="PutAuditSettings",
            actor=actor,
            request_parameters={"retentionDays": retention_days},
        )
    return settings_row


audited_by_services(AuditSettings)


def retention_purge(*, tenant: Tenant) -> int:
    """Delete the tenant's events older than its retention that the trail has delivered.

    Only the database's purge function can delete audit rows, and only a prefix of the chain
    whose hours are covered by delivered digests, so what remains still verifies from the
    recorded checkpoint. The function computes the cutoff itself from the tenant's retention.
    Returns the number of rows deleted (also recorded as a PurgeEvents event).
    """
    from audit.selectors import retention_days_of

    # Platform work (beat's retention job): the application role may not run the purge function.
    require_scope(platform=True)
    with transaction.atomic(), scope_connection().cursor() as cursor:
        cursor.execute("SELECT deleted, cutoff, through_sequence FROM verity_audit_purge(%s)", [tenant.pk])
        deleted, cutoff, through_sequence = cursor.fetchone()
        if deleted:
            record_system_event(
                tenant=tenant,
                event_source=verity_event_source("audit"),
                event_name="PurgeEvents",
                details={
                    "cutoff": cutoff.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "deletedCount": int(deleted),
                    "throughSequence": through_sequence,
                    "retentionDays": retention_days_of(tenant),
                },
            )
    return int(deleted)
