"""Reads of the audit log: filtered lookups and export records (verifying it: audit/integrity.py).

Everything reads through the scoped manager, so another tenant's events and exports are as
absent as missing ones (and row-level security backs that up).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from audit.models import (
    DEFAULT_RETENTION_DAYS,
    AuditEvent,
    AuditExport,
    AuditSettings,
    records_in_order,
)
from config.errors import InvalidInput, NotFound
from tenants.models import Tenant


class Outcome:
    SUCCESS = "success"
    ERROR = "error"
    CHOICES = (SUCCESS, ERROR)


def event_list(
    *,
    start_time: datetime | None = None,
    end_time: datetime | None = None,
    event_name: str | None = None,
    event_source: str | None = None,
    principal: str | None = None,
    outcome: str | None = None,
    request_id: str | None = None,
    read_only: bool | None = None,
    event_ids: list[str] | None = None,
) -> QuerySet[AuditEvent]:
    """The current tenant's events matching every given filter, newest first.

    ``principal`` is a userIdentity principalId (an API key's prefix, ``usr-<id>``, ...);
    ``outcome`` is ``success`` or ``error``; the time range is [start_time, end_time).
    """
    events = AuditEvent.objects.all()
    if start_time is not None:
        events = events.filter(event_time__gte=start_time)
    if end_time is not None:
        events = events.filter(event_time__lt=end_time)
    exact = {
        "event_name": event_name,
        "event_source": event_source,
        "principal_id": principal,
        "request_id": request_id,
        "read_only": read_only,
    }
    events = events.filter(**{name: value for name, value in exact.items() if value is not None})
    if outcome == Outcome.SUCCESS:
        events = events.filter(error_code="")
    elif outcome == Outcome.ERROR:
        events = events.filter(~Q(error_code=""))
    elif outcome is not None:
        raise InvalidInput(f"outcome must be one of {Outcome.CHOICES}.", code="invalid_outcome")
    if event_ids is not None:
        events = events.filter(event_id__in=[_uuid_or_none(value) for value in event_ids])
    return events.order_by("-event_time", "-id")


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def event_get(*, event_id: str) -> AuditEvent:
    """One event by its eventID; the same 404 for a missing one and another tenant's."""
    parsed = _uuid_or_none(event_id)
    event = AuditEvent.objects.filter(event_id=parsed).first() if parsed is not None else None
    if event is None:
        raise NotFound(f"No audit event {event_id!r}.")
    return event


def event_records(
    *, start_time: datetime, end_time: datetime, filters: Mapping[str, Any] | None = None
) -> Iterator[dict[str, Any]]:
    """The records of [start_time, end_time) in eventTime order (see ``records_in_order``)."""
    return records_in_order(event_list(start_time=start_time, end_time=end_time, **dict(filters or {})))


def export_get(*, public_id: str) -> AuditExport:
    export = AuditExport.objects.filter(public_id=public_id).first()
    if export is None:
        raise NotFound(f"No audit export {public_id!r}.")
    return export


def export_download_link(export: AuditExport) -> str | None:
    """A presigned link to a finished downloadable export, None otherwise."""
    from audit.models import ExportDestination, ExportStatus
    from audit.storage import download_link

    if export.status != ExportStatus.COMPLETED or export.destination != ExportDestination.BUNDLE:
        return None
    tenant = Tenant.objects.get(pk=export.tenant_id)
    return download_link(tenant=tenant, bucket=export.bucket, key=export.location)


def retention_days_of(tenant: Tenant) -> int:
    days = AuditSettings.objects.filter(tenant=tenant).values_list("retention_days", flat=True).first()
    return int(days) if days is not None else DEFAULT_RETENTION_DAYS
