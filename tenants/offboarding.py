"""Offboarding a tenant: nothing of it is left but its audit trail, a handover export of it, and a signed receipt.

``tenant_offboard`` runs these steps, each recorded in ``Tenant.offboarding`` when done, so a run
that fails midway is resumed by running it again:

keys         the tenant is suspended (every API key stops working) and every key is revoked
subjects     every subject is erased through the erasure workflow (faces, images, cached answers,
             personal fields), each with its own receipt
moderation   moderation results, review tasks and policies are deleted, with their cached answers
collections  every face collection is deleted in the engine
storage      every object under the tenant's storage prefix is deleted, but the audit trail
             (``audit/``), which the law requires to be kept
audit        the audit log, from the tenant's creation to the newest complete hour, is exported in
             CloudTrail layout to ``audit/exports/`` in its bucket for handover
kms          the alias is removed and the tenant's KMS key is scheduled for deletion after
             ``KMS_DELETION_DAYS`` days — crypto-shredding: once deleted, whatever it encrypted
             (the handover export included, which must be fetched before) is unreadable

Then the tenant is ``offboarded`` and a receipt (signed with the audit digest key, checked with
``manage.py receipt_verify``) says what was done. This module orchestrates several domains, so it
sits in a layer of its own above them (the import contracts in pyproject.toml).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore import xform_name
from botocore.exceptions import ClientError
from django.db import transaction
from django.utils import timezone

from audit.cloudtrail.records import format_event_time
from audit.digests import complete_hours_end, signing_keyring
from audit.exports import export_request, export_run
from audit.identity import IAM_SOURCE, system_identity
from audit.models import ExportDestination, ExportFormat
from audit.receipts import receipt_sign
from audit.recording import record_aws_call, record_change
from audit.redaction import KEEP, register_event
from audit.storage import export_prefix
from config.aws import aws_client
from config.errors import Conflict, UpstreamUnavailable
from moderation.services.erasure import moderation_data_erase
from tenants.models import ApiKey, Tenant, TenantStatus
from tenants.scope import require_scope
from verification.erasure import erase_all_subjects
from verification.models import ErasureStatus
from vision.services import collections_delete

logger = logging.getLogger(__name__)

KMS_DELETION_DAYS = 30  # the longest pending window AWS allows: time to fetch the handover export
EXPORT_SPAN = timedelta(days=366)  # an audit export's longest range
AUDIT_FOLDER = "audit/"
OFFBOARDING_STEPS = ("keys", "subjects", "moderation", "collections", "storage", "audit", "kms")

register_event(
    IAM_SOURCE,
    "OffboardTenant",
    request={"tenantId": KEEP, "step": KEEP},
    response={"status": KEEP},
)


def tenant_offboard(*, tenant: Tenant, requested_by: str, actor: Any = None) -> bytes:
    """Run every step not done yet and return the signed receipt (the same one when asked again)."""
    require_scope(tenant)
    tenant.refresh_from_db()
    if tenant.status == TenantStatus.OFFBOARDED and tenant.offboarding_receipt is not None:
        return bytes(tenant.offboarding_receipt)
    progress = dict(tenant.offboarding) or {"requestedBy": requested_by, "startedAt": format_event_time(timezone.now())}
    for step in OFFBOARDING_STEPS:
        if step not in progress:
            progress[step] = _STEPS[step](tenant)
            _save(tenant, progress, actor, step)
    return _finish(tenant, progress, actor)


def _save(tenant: Tenant, progress: dict[str, Any], actor: Any, step: str) -> None:
    with transaction.atomic():
        Tenant.objects.filter(pk=tenant.pk).update(offboarding=progress)
        record_change(
            tenant=tenant,
            event_source=IAM_SOURCE,
            event_name="OffboardTenant",
            actor=actor,
            request_parameters={"tenantId": tenant.public_id, "step": step},
            response_elements={"status": "done"},
        )
    tenant.offboarding = progress


def _keys(tenant: Tenant) -> dict[str, Any]:
    with transaction.atomic():
        Tenant.objects.filter(pk=tenant.pk).update(status=TenantStatus.SUSPENDED)
        revoked = ApiKey.objects.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    tenant.status = TenantStatus.SUSPENDED
    return {"revoked": revoked}


def _subjects(tenant: Tenant) -> dict[str, Any]:
    erasures = erase_all_subjects(tenant=tenant, requested_by=f"offboarding/{tenant.slug}")
    unfinished = [erasure.public_id for erasure in erasures if erasure.status != ErasureStatus.COMPLETED]
    if unfinished:
        raise UpstreamUnavailable(f"{len(unfinished)} erasure(s) did not complete; run the offboarding again.")
    return {"erased": len(erasures), "erasureIds": [erasure.public_id for erasure in erasures]}


def _moderation(tenant: Tenant) -> dict[str, Any]:
    return moderation_data_erase(tenant=tenant)


def _collections(tenant: Tenant) -> dict[str, Any]:
    return {"deleted": collections_delete(tenant=tenant)}


def _storage(tenant: Tenant) -> dict[str, Any]:
    """Delete every object under the prefix but the audit trail, a page (up to 1000 keys) at a time."""
    s3 = aws_client("s3", tenant.region)
    kept = f"{tenant.storage_prefix}{AUDIT_FOLDER}"
    deleted = 0
    for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=tenant.storage_bucket, Prefix=tenant.storage_prefix
    ):
        keys = [item["Key"] for item in page.get("Contents", []) if not item["Key"].startswith(kept)]
        if not keys:
            continue
        objects = {"Objects": [{"Key": key} for key in keys], "Quiet": True}
        audited = {"Bucket": tenant.storage_bucket, "Prefix": tenant.storage_prefix}
        answer = _aws_call(tenant, s3, "DeleteObjects", audited, Bucket=tenant.storage_bucket, Delete=objects)
        if answer.get("Errors"):
            raise UpstreamUnavailable(
                f"{len(answer['Errors'])} object(s) could not be deleted; run the offboarding again."
            )
        deleted += len(keys)
    return {"deleted": deleted, "kept": kept}


def _audit(tenant: Tenant) -> dict[str, Any]:
    exports = []
    start = tenant.created_at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    end = complete_hours_end()
    while start < end:
        export = export_request(
            tenant=tenant,
            start_time=start,
            end_time=min(start + EXPORT_SPAN, end),
            export_format=ExportFormat.CLOUDTRAIL,
            destination=ExportDestination.S3,
            requested_by=system_identity(tenant),
        )
        export = export_run(export=export)
        exports.append(
            {
                "id": export.public_id,
                "bucket": export.bucket,
                "prefix": export_prefix(tenant, export.public_id),
                "start": format_event_time(export.start_time),
                "end": format_event_time(export.end_time),
                "records": export.record_count,
            }
        )
        start = export.end_time
    return {"exports": exports}


def _kms(tenant: Tenant) -> dict[str, Any]:
    if not tenant.livemode:  # a test twin uses its live tenant's key, whose own offboarding deletes it
        return {"keyArn": tenant.kms_key_arn, "deletionDate": None, "sharedWith": "the live tenant"}
    kms = aws_client("kms", tenant.region)
    key_id = tenant.kms_key_arn.rsplit("/", 1)[-1]  # the bare id works everywhere (moto included)
    alias = f"alias/verity/{tenant.slug}"
    try:
        _aws_call(tenant, kms, "DeleteAlias", {"AliasName": alias}, AliasName=alias)
    except UpstreamUnavailable:
        logger.info("The alias %s was gone already", alias)
    parameters = {"KeyId": key_id, "PendingWindowInDays": KMS_DELETION_DAYS}
    answer = _aws_call(tenant, kms, "ScheduleKeyDeletion", parameters, **parameters)
    deletion = answer["DeletionDate"]
    return {
        "keyArn": tenant.kms_key_arn,
        "deletionDate": format_event_time(deletion if isinstance(deletion, datetime) else timezone.now()),
    }


def _aws_call(tenant: Tenant, client: Any, operation: str, audited: dict[str, Any], **params: Any) -> Any:
    """One AWS call (``params``), audited with ``audited`` whatever its outcome, no transaction open."""
    service = client.meta.service_model.service_name
    try:
        answer = getattr(client, xform_name(operation))(**params)
    except ClientError as exc:
        code = exc.response["Error"].get("Code", "")
        record_aws_call(
            tenant=tenant,
            service=service,
            operation=operation,
            request_parameters=audited,
            response_elements=None,
            error_code=code,
        )
        raise UpstreamUnavailable(f"{service} {operation} failed ({code}); run the offboarding again.") from exc
    record_aws_call(
        tenant=tenant, service=service, operation=operation, request_parameters=audited, response_elements=None
    )
    return answer


_STEPS: dict[str, Callable[[Tenant], dict[str, Any]]] = {
    "keys": _keys,
    "subjects": _subjects,
    "moderation": _moderation,
    "collections": _collections,
    "storage": _storage,
    "audit": _audit,
    "kms": _kms,
}


def _finish(tenant: Tenant, progress: dict[str, Any], actor: Any) -> bytes:
    now = timezone.now().replace(microsecond=0)
    body = {
        "receipt": "offboarding",
        "tenantId": tenant.public_id,
        "accountId": tenant.account_id,
        "slug": tenant.slug,
        "requestedBy": progress["requestedBy"],
        "startedAt": progress["startedAt"],
        "completedAt": format_event_time(now),
        "issuedAt": format_event_time(now),
        **{step: progress[step] for step in OFFBOARDING_STEPS},
        "kept": [
            "audit trail and its handover export (until the key's deletion)",
            "subject ids, consent records, erasure receipts",
        ],
    }
    receipt = receipt_sign(body, ring=signing_keyring())
    with transaction.atomic():
        updated = (
            Tenant.objects.filter(pk=tenant.pk)
            .exclude(status=TenantStatus.OFFBOARDED)
            .update(status=TenantStatus.OFFBOARDED, offboarding_receipt=receipt)
        )
        if not updated:
            raise Conflict("The tenant was offboarded by another run meanwhile.", code="tenant_offboarded")
        record_change(
            tenant=tenant,
            event_source=IAM_SOURCE,
            event_name="OffboardTenant",
            actor=actor,
            request_parameters={"tenantId": tenant.public_id, "step": "receipt"},
            response_elements={"status": TenantStatus.OFFBOARDED},
        )
    tenant.status, tenant.offboarding_receipt = TenantStatus.OFFBOARDED, receipt
    return receipt
