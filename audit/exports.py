"""Exports of a tenant's audit events (CloudTrail files with signed digests, or CSV) to a bundle, a directory or S3."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from celery import current_app
from django.db import transaction
from django.utils import timezone

from audit.cloudtrail.csv_records import write_csv
from audit.cloudtrail.export import LocalDirectorySink, Sink, write_export
from audit.identity import (
    UserIdentity,
    resource,
    verity_event_source,
)
from audit.models import (
    AuditExport,
    ExportDestination,
    ExportFormat,
    ExportStatus,
)
from audit.recording import record_system_event
from config.errors import InvalidInput
from tenants.models import Tenant
from tenants.scope import require_scope, scope_database
from webhooks.models import EventType
from webhooks.outbox import event_emit

logger = logging.getLogger(__name__)

MAX_EXPORT_SPAN = timedelta(days=366)


EXPORT_FILTER_NAMES = ("event_name", "event_source", "principal", "outcome", "request_id", "read_only", "event_ids")


def export_request(
    *,
    tenant: Tenant,
    start_time: datetime,
    end_time: datetime,
    export_format: str = ExportFormat.CLOUDTRAIL,
    destination: str = ExportDestination.BUNDLE,
    requested_by: UserIdentity,
    filters: Mapping[str, Any] | None = None,
    location: str = "",
    bucket: str = "",
) -> AuditExport:
    """Create a pending export of ``tenant``'s events in [start_time, end_time).

    The range must be whole UTC hours (digests are hourly) and at most a year; an end later
    than the newest complete hour is moved back to it (``complete_hours_end``), so an export
    never signs a digest for an hour that can still change. A bundle export
    runs in a Celery task after commit; directory and S3 exports are run by the caller with
    ``export_run`` (the management command does).
    """
    if export_format not in ExportFormat.values:
        raise InvalidInput(f"format must be one of {ExportFormat.values}.", code="invalid_export_format")
    if destination not in ExportDestination.values:
        raise InvalidInput(f"destination must be one of {ExportDestination.values}.", code="invalid_destination")
    start_time, end_time = start_time.astimezone(UTC), end_time.astimezone(UTC)
    for moment in (start_time, end_time):
        if moment != moment.replace(minute=0, second=0, microsecond=0):
            raise InvalidInput("start_time and end_time must be whole hours (UTC).", code="invalid_export_range")
    if not start_time < end_time or end_time - start_time > MAX_EXPORT_SPAN:
        raise InvalidInput("start_time must be before end_time, at most 366 days apart.", code="invalid_export_range")
    from audit.digests import complete_hours_end

    complete_until = complete_hours_end()
    if start_time >= complete_until:
        raise InvalidInput(
            f"Only complete hours are exported; the newest ends {complete_until:%Y-%m-%dT%H:%M:%SZ}.",
            code="invalid_export_range",
        )
    end_time = min(end_time, complete_until)  # the export's end_time says what it covers
    unknown = sorted(set(filters or {}) - set(EXPORT_FILTER_NAMES))
    if unknown:
        raise InvalidInput(f"Unknown filter(s): {', '.join(unknown)}.", code="invalid_export_filter")
    if destination == ExportDestination.DIRECTORY and not location:
        raise InvalidInput("A directory export needs a directory.", code="invalid_destination")
    require_scope(tenant)
    with transaction.atomic():
        export = AuditExport.objects.create(
            tenant=tenant,
            format=export_format,
            destination=destination,
            start_time=start_time,
            end_time=end_time,
            filters=dict(filters or {}),
            bucket=bucket or tenant.storage_bucket,
            location=location,
            requested_by=dict(requested_by),
        )
        if destination == ExportDestination.BUNDLE:
            # By name: a service never imports its task (audit.tasks imports the services).
            run_export = current_app.signature("audit.tasks.run_export", args=[tenant.pk, export.pk])
            transaction.on_commit(run_export.delay, robust=True)
    return export


# What a failed export shows its tenant (API, admin, audit event): stable, with no internal detail.
EXPORT_FAILED_CODE = "export_failed"
EXPORT_FAILED_MESSAGE = (
    "The export could not be written. Request it again; if it fails again, contact support with the export id."
)


def export_run(*, export: AuditExport) -> AuditExport:
    """Write the export (safe to call twice: a finished export is returned as it is)."""
    if export.status in (ExportStatus.COMPLETED, ExportStatus.FAILED):
        return export
    require_scope(export.tenant_id)
    tenant = Tenant.objects.get(pk=export.tenant_id)
    AuditExport.objects.filter(pk=export.pk).update(status=ExportStatus.RUNNING, started_at=timezone.now())
    try:
        counts = _write_export(export, tenant)
    except Exception:
        # The detail (bucket names, paths, library messages) is for operators, not tenants.
        logger.exception("Audit export %s of tenant %s failed", export.public_id, tenant.pk)
        with transaction.atomic(using=scope_database()):
            AuditExport.objects.filter(pk=export.pk).update(
                status=ExportStatus.FAILED, error=EXPORT_FAILED_CODE, finished_at=timezone.now()
            )
            _record_export_event(export, tenant, error_code=EXPORT_FAILED_CODE, error_message=EXPORT_FAILED_MESSAGE)
        raise
    with transaction.atomic(using=scope_database()):
        AuditExport.objects.filter(pk=export.pk).update(
            status=ExportStatus.COMPLETED,
            record_count=counts[0],
            file_count=counts[1],
            finished_at=timezone.now(),
            error="",
        )
        export.refresh_from_db()
        _record_export_event(export, tenant)
    return export


def _record_export_event(
    export: AuditExport, tenant: Tenant, *, error_code: str | None = None, error_message: str | None = None
) -> None:
    event_emit(
        tenant=tenant,
        type=EventType.AUDIT_EXPORT_COMPLETED,
        data={
            "object": "audit_export",
            "id": export.public_id,
            "status": ExportStatus.FAILED.value if error_code else ExportStatus.COMPLETED.value,
            "error_code": error_code,
        },
    )
    record_system_event(
        tenant=tenant,
        event_source=verity_event_source("audit"),
        event_name="ExportEvents",
        read_only=True,
        details={
            "exportId": export.public_id,
            "startTime": export.start_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "endTime": export.end_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "format": export.format,
            "destination": export.destination,
            "recordCount": export.record_count,
            "fileCount": export.file_count,
            "filtered": bool(export.filters),
        },
        error_code=error_code,
        error_message=error_message,
        resources=[resource(tenant, service="audit", resource_type="export", resource_id=export.public_id)],
    )


def _write_export(export: AuditExport, tenant: Tenant) -> tuple[int, int]:
    """Stream the export's records to its destination; return (record count, file count)."""
    from audit.digests import signing_keyring
    from audit.selectors import event_records
    from audit.storage import S3Sink, TarBundle, export_bundle_key, export_prefix

    keyring = signing_keyring() if export.format == ExportFormat.CLOUDTRAIL else None
    bundle: TarBundle | None = None
    # Every write below goes to its destination outside any transaction; the records come a page at a time.
    records = event_records(start_time=export.start_time, end_time=export.end_time, filters=export.filters or None)
    if export.format == ExportFormat.CSV:
        return _write_csv_export(export, tenant, records)
    sink: Sink
    if export.destination == ExportDestination.DIRECTORY:
        sink = LocalDirectorySink(export.location)
    elif export.destination == ExportDestination.S3:
        prefix = export.location or export_prefix(tenant, export.public_id)
        AuditExport.objects.filter(pk=export.pk).update(location=prefix)
        sink = S3Sink(tenant=tenant, bucket=export.bucket, prefix=prefix)
    else:
        bundle = TarBundle()
        sink = bundle
    assert keyring is not None
    result = write_export(
        records,
        sink,
        bucket=export.bucket or tenant.storage_bucket,
        account_id=tenant.account_id,
        region=tenant.region,
        keyring=keyring,
        start=export.start_time,
        end=export.end_time,
    )
    files = len(result.log_keys) + 2 * len(result.digest_keys) + 1
    if bundle is not None:
        key = export_bundle_key(tenant, export.public_id, "tar")
        bundle.upload(tenant=tenant, bucket=export.bucket, key=key)
        AuditExport.objects.filter(pk=export.pk).update(location=key)
    return result.record_count, files


def _write_csv_export(export: AuditExport, tenant: Tenant, records: Iterator[dict[str, Any]]) -> tuple[int, int]:
    from audit.storage import export_bundle_key, upload_text_file

    name = f"{tenant.account_id}_audit_{export.start_time:%Y%m%dT%H%MZ}_{export.end_time:%Y%m%dT%H%MZ}.csv"
    if export.destination == ExportDestination.DIRECTORY:
        path = Path(export.location) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as out:
            count = write_csv(records, out)
        return count, 1
    key = (
        export_bundle_key(tenant, export.public_id, "csv")
        if export.destination == ExportDestination.BUNDLE
        else (export.location or "") + name
    )
    count = upload_text_file(tenant=tenant, bucket=export.bucket, key=key, write=lambda out: write_csv(records, out))
    AuditExport.objects.filter(pk=export.pk).update(location=key)
    return count, 1
