"""Batch indexing: a manifest of a tenant's existing customers, indexed face by face, then checked for duplicates.

``batch_index_job_create`` accepts a manifest stored in the tenant's storage and has a worker
run the job after commit (``verification.batch.tasks.run_batch_index_job``). The worker, holding the
job's lease (``batch_job_lease``), reads the manifest into one item per line
(``batch_job_load``), indexes the items (``verification.batch.items``), then runs the duplicate
pass (``verification.batch.duplicates``), and finishes the job (``batch_job_advance``). Every
phase is resumable: what is done is recorded per item, so a worker killed mid-job is replaced by
the next one to take the lease, which goes on from there.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from celery import current_app
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from audit.identity import resource, verity_event_source
from audit.recording import record_aws_call, record_system_event
from audit.redaction import KEEP, register_event
from config.aws import aws_client
from config.errors import InvalidInput, UpstreamUnavailable
from tenants.models import Tenant
from tenants.scope import require_scope, scope_database
from verification.batch.manifest import (
    FORMATS,
    MAX_MANIFEST_BYTES,
    MAX_MANIFEST_ITEMS,
    detect_format,
    parse_manifest,
)
from verification.models import (
    BatchIndexItem,
    BatchIndexJob,
    BatchItemStatus,
    BatchJobStatus,
    ConsentMethod,
)
from vision.errors import InvalidS3Object
from vision.validation import check_s3_object
from webhooks.models import EventType
from webhooks.outbox import event_emit

BATCH_SOURCE = verity_event_source("verification")
_MISSING_CODES = {"NoSuchKey", "404", "NotFound", "NoSuchBucket", "AccessDenied", "403", "NoSuchVersion"}

register_event(
    BATCH_SOURCE,
    "StartBatchIndexJob",
    details={"jobId": KEEP, "items": KEEP, "invalidLines": KEEP, "format": KEEP},
)
register_event(
    BATCH_SOURCE,
    "CompleteBatchIndexJob",
    details={
        "jobId": KEEP,
        "status": KEEP,
        "errorCode": KEEP,
        "items": KEEP,
        "indexed": KEEP,
        "failed": KEEP,
        "adopted": KEEP,
        "flagged": KEEP,
    },
)


def batch_index_job_create(
    *,
    tenant: Tenant,
    manifest: dict[str, str],
    manifest_format: str = "",
    consent: dict[str, str] | None = None,
    source_ip: str | None = None,
) -> BatchIndexJob:
    """A pending job for the manifest (``{"Bucket", "Name", "Version"?}`` in the tenant's storage),
    run by a worker once the transaction commits.

    Only the manifest's place is checked here (no AWS call inside the request's transaction): a
    manifest that cannot be read fails the job with ``manifest_unreadable``.
    """
    require_scope(tenant)
    check_s3_object(manifest, tenant=tenant, max_bytes=None)
    if not manifest["Name"].startswith(tenant.storage_prefix):
        raise InvalidS3Object(f"The manifest must be stored under the tenant's prefix {tenant.storage_prefix!r}.")
    if manifest_format and manifest_format not in FORMATS:
        raise InvalidInput(f"format must be one of {FORMATS}.", code="invalid_manifest_format")
    terms = dict(consent or {})
    if terms and terms.get("method") not in ConsentMethod.values:
        raise InvalidInput(f"consent.method must be one of {ConsentMethod.values}.", code="invalid_method")
    with transaction.atomic(using=scope_database()):
        job = BatchIndexJob.objects.create(
            tenant=tenant,
            manifest_bucket=manifest["Bucket"],
            manifest_name=manifest["Name"],
            manifest_version=manifest.get("Version", ""),
            manifest_format=manifest_format,
            consent_terms=terms,
            consent_source_ip=source_ip,
        )
        # By name: a service never imports its task (verification.batch.tasks imports this module).
        run = current_app.signature("verification.batch.tasks.run_batch_index_job", args=[tenant.pk, job.pk])
        transaction.on_commit(run.delay, robust=True)
    return job


def batch_job_lease(
    *, tenant: Tenant, job_id: int, token: str, seconds: float, take_from: str = ""
) -> BatchIndexJob | None:
    """Take or renew the job's lease for ``token``; None when another runner holds it or the job is over.

    ``take_from``: the token of a holder the caller knows to be dead (its process is gone); its
    lease is taken at once instead of when it lapses, and only if that holder still has it.
    """
    require_scope(tenant)
    now = timezone.now()
    with transaction.atomic(using=scope_database()):
        job = BatchIndexJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_final:
            return None
        held = job.lease_token and job.lease_token != token and job.lease_until and job.lease_until > now
        if held and not (take_from and job.lease_token == take_from):
            return None
        taking_over = job.lease_token != token
        job.lease_token, job.lease_until = token, now + timedelta(seconds=seconds)
        job.save(update_fields=["lease_token", "lease_until", "updated_at"])
        if taking_over:
            # Whatever the previous runner had claimed is claimed again; its next attempt first
            # adopts a face an interrupted IndexFaces may have left (verification.batch.items).
            BatchIndexItem.objects.filter(job=job, status=BatchItemStatus.INDEXING).update(
                status=BatchItemStatus.PENDING, updated_at=now
            )
        return job


def batch_job_release(*, tenant: Tenant, job_id: int, token: str) -> None:
    require_scope(tenant)
    with transaction.atomic(using=scope_database()):
        BatchIndexJob.objects.filter(pk=job_id, lease_token=token).update(lease_until=timezone.now())


def batch_job_lease_holder(*, tenant: Tenant, job_id: int) -> tuple[str, float]:
    """The token of the job's lease holder and the seconds until its lease runs out (0: none held)."""
    require_scope(tenant)
    token, until = BatchIndexJob.objects.filter(pk=job_id).values_list("lease_token", "lease_until").first() or (
        "",
        None,
    )
    return token, max(0.0, (until - timezone.now()).total_seconds()) if until else 0.0


def _fail_job(tenant: Tenant, job_id: int, code: str, detail: str) -> None:
    with transaction.atomic(using=scope_database()):
        job = BatchIndexJob.objects.select_for_update().get(pk=job_id)
        if job.is_final:
            return
        job.status, job.error_code, job.error_detail = BatchJobStatus.FAILED, code, detail
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error_code", "error_detail", "finished_at", "updated_at"])
        _record_completion(tenant, job, batch_job_counts(job=job))


def batch_job_load(*, tenant: Tenant, job_id: int) -> None:
    """Read a pending job's manifest into one item per line (bad lines as failed items); once.

    The manifest is read with no transaction open. A manifest that is missing, unreadable, larger
    than MAX_MANIFEST_BYTES or longer than MAX_MANIFEST_ITEMS fails the job (no item runs).
    """
    require_scope(tenant)
    job = BatchIndexJob.objects.get(pk=job_id)
    if job.status != BatchJobStatus.PENDING:
        return
    data = _read_manifest(tenant, job)
    if data is None:
        return
    manifest_format = job.manifest_format or detect_format(data)
    lines = parse_manifest(data, manifest_format=manifest_format, storage_prefix=tenant.storage_prefix)
    if len(lines) > MAX_MANIFEST_ITEMS:
        _fail_job(tenant, job_id, "manifest_too_large", f"The manifest has more than {MAX_MANIFEST_ITEMS} lines.")
        return
    if not lines:
        _fail_job(tenant, job_id, "manifest_empty", "The manifest has no line to index.")
        return
    now = timezone.now()
    with transaction.atomic(using=scope_database()):
        job = BatchIndexJob.objects.select_for_update().get(pk=job_id)
        if job.status != BatchJobStatus.PENDING:
            return
        BatchIndexItem.objects.bulk_create(
            [
                BatchIndexItem(
                    tenant=tenant,
                    job=job,
                    line=line.line,
                    external_id=line.external_id,
                    s3_name=line.s3_name,
                    consent_reference=line.consent_reference,
                    status=BatchItemStatus.FAILED if line.error_code else BatchItemStatus.PENDING,
                    error_code=line.error_code,
                    error_detail=line.error_detail[:512],
                    duplicates_checked=bool(line.error_code),
                )
                for line in lines
            ],
            batch_size=1000,
        )
        job.status, job.manifest_format, job.total_items, job.started_at = (
            BatchJobStatus.INDEXING,
            manifest_format,
            len(lines),
            now,
        )
        job.save(update_fields=["status", "manifest_format", "total_items", "started_at", "updated_at"])
        record_system_event(
            tenant=tenant,
            event_source=BATCH_SOURCE,
            event_name="StartBatchIndexJob",
            details={
                "jobId": job.public_id,
                "items": len(lines),
                "invalidLines": sum(1 for line in lines if line.error_code),
                "format": manifest_format,
            },
            resources=[_job_resource(tenant, job)],
        )


def _read_manifest(tenant: Tenant, job: BatchIndexJob) -> bytes | None:
    """The manifest's bytes; None when the job was failed because they cannot be had."""
    parameters = {"Bucket": job.manifest_bucket, "Key": job.manifest_name}
    if job.manifest_version:
        parameters["VersionId"] = job.manifest_version
    s3 = aws_client("s3", tenant.region)
    code: str | None = None
    data: bytes | None = None
    try:
        head = s3.head_object(**parameters)
        if int(head["ContentLength"]) > MAX_MANIFEST_BYTES:
            code = "manifest_too_large"
        else:
            body = s3.get_object(**parameters)["Body"]
            data = body.read(MAX_MANIFEST_BYTES + 1)
            if len(data) > MAX_MANIFEST_BYTES:
                code, data = "manifest_too_large", None
    except ClientError as exc:
        error = exc.response.get("Error", {}).get("Code", "")
        record_aws_call(
            tenant=tenant,
            service="s3",
            operation="GetObject",
            request_parameters=parameters,
            response_elements=None,
            error_code=error,
        )
        if error in _MISSING_CODES:
            _fail_job(tenant, job.pk, "manifest_unreadable", "The manifest does not exist or cannot be read.")
            return None
        raise UpstreamUnavailable("The tenant's storage could not be reached.") from exc
    except BotoCoreError as exc:
        raise UpstreamUnavailable("The tenant's storage could not be reached.") from exc
    record_aws_call(
        tenant=tenant, service="s3", operation="GetObject", request_parameters=parameters, response_elements=None
    )
    if code is not None:
        _fail_job(tenant, job.pk, code, f"The manifest is larger than {MAX_MANIFEST_BYTES} bytes.")
        return None
    return data


def batch_job_counts(*, job: BatchIndexJob) -> dict[str, int]:
    """Items per status, and those adopted and flagged as duplicates."""
    counts = BatchIndexItem.objects.filter(job=job).aggregate(
        pending=Count("pk", filter=Q(status=BatchItemStatus.PENDING)),
        indexing=Count("pk", filter=Q(status=BatchItemStatus.INDEXING)),
        indexed=Count("pk", filter=Q(status=BatchItemStatus.INDEXED)),
        failed=Count("pk", filter=Q(status=BatchItemStatus.FAILED)),
        adopted=Count("pk", filter=Q(adopted=True)),
        flagged=Count("pk", filter=~Q(duplicates=[])),
    )
    return {"total": job.total_items, **{name: int(value) for name, value in counts.items()}}


def batch_job_advance(*, tenant: Tenant, job_id: int) -> BatchIndexJob:
    """Move the job to its next phase once the current one has nothing left; complete it at the end."""
    require_scope(tenant)
    with transaction.atomic(using=scope_database()):
        job = BatchIndexJob.objects.select_for_update().get(pk=job_id)
        items = BatchIndexItem.objects.filter(job=job)
        if job.status == BatchJobStatus.INDEXING:
            if items.filter(status__in=[BatchItemStatus.PENDING, BatchItemStatus.INDEXING]).exists():
                return job
            job.status = BatchJobStatus.DEDUPLICATING
        if job.status == BatchJobStatus.DEDUPLICATING:
            if items.filter(status=BatchItemStatus.INDEXED, duplicates_checked=False).exists():
                job.save(update_fields=["status", "updated_at"])
                return job
            job.status, job.finished_at = BatchJobStatus.COMPLETED, timezone.now()
            job.save(update_fields=["status", "finished_at", "updated_at"])
            _record_completion(tenant, job, batch_job_counts(job=job))
        return job


def _record_completion(tenant: Tenant, job: BatchIndexJob, counts: dict[str, int]) -> None:
    event_emit(
        tenant=tenant,
        type=EventType.BATCH_INDEX_JOB_COMPLETED,
        data={
            "object": "batch_index_job",
            "id": job.public_id,
            "status": job.status,
            "error_code": job.error_code or None,
            "counts": counts,
        },
    )
    record_system_event(
        tenant=tenant,
        event_source=BATCH_SOURCE,
        event_name="CompleteBatchIndexJob",
        details={
            "jobId": job.public_id,
            "status": job.status,
            "errorCode": job.error_code,
            "items": counts["total"],
            "indexed": counts["indexed"],
            "failed": counts["failed"],
            "adopted": counts["adopted"],
            "flagged": counts["flagged"],
        },
        resources=[_job_resource(tenant, job)],
    )


def _job_resource(tenant: Tenant, job: BatchIndexJob) -> Any:
    return resource(tenant, service="verification", resource_type="batch-index-job", resource_id=job.public_id)
