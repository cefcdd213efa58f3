"""Recording audit events for tests: the verification service's events, by the system, in the tenant's scope."""

from __future__ import annotations

from typing import Any

from audit.identity import system_identity
from audit.recording import RecordedEvent, record_event
from tenants.models import Tenant
from tenants.scope import tenant_scope


def record_verification_event(tenant: Tenant, name: str = "CreateSubject", **options: Any) -> RecordedEvent:
    """Record a ``verification.verity.local`` API call by the system identity; ``options`` go to ``record_event``."""
    with tenant_scope(tenant):
        return record_event(
            tenant=tenant,
            event_source="verification.verity.local",
            event_name=name,
            identity=system_identity(tenant),
            **options,
        )
