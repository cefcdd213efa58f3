"""Image moderation: synchronous or by a worker, an identical image under one policy version analysed once."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from celery import current_app
from django.db import transaction

from audit.recording import record_aws_call
from config.errors import DomainError, InvalidInput, UpstreamUnavailable
from config.ids import public_id
from config.metadata import validate_metadata
from moderation.models import (
    Decision,
    MediaType,
    ModerationPolicy,
    ModerationResult,
    ResultStatus,
)
from moderation.policies import decide, min_confidence, stored_label
from moderation.services import IMAGE_FOLDER, s3_location
from moderation.services.policies import policy_in_force
from moderation.services.results import record_failure, record_success
from tenants.models import Tenant
from tenants.scope import require_scope, scope_database
from tenants.storage import TenantStorage
from vision.gateway import Gateway
from vision.testmode import MAGIC_MODERATION_CONFIDENCE, Script
from vision.validation import MAX_S3_IMAGE_BYTES, check_image_bytes, check_s3_object


@dataclass(frozen=True)
class ImageSource:
    """An image to moderate: its bytes, or an object in the tenant's bucket."""

    data: bytes | None = None
    s3_object: dict[str, Any] | None = None

    def engine_image(self) -> dict[str, Any]:
        return {"Bytes": self.data} if self.data is not None else {"S3Object": dict(self.s3_object or {})}


def image_moderate(
    *,
    tenant: Tenant,
    source: ImageSource,
    external_ref: str = "",
    metadata: Any = None,
    run_async: bool = False,
) -> ModerationResult:
    """Moderate one image under the tenant's policy in force.

    Bytes are checked before anything is written or sent (the gateway's codes). An image whose
    bytes were already moderated under the same policy version gets a result of its own with the
    earlier answer, without another engine call. ``run_async``: the result is returned
    ``pending`` and a worker finishes it (bytes are first stored in the tenant's bucket).
    """
    require_scope(tenant)
    metadata = validate_metadata({} if metadata is None else metadata)
    if (source.data is None) == (source.s3_object is None):
        raise InvalidInput("Give the image either as bytes or as an S3 object.", code="invalid_image_source")
    digest = ""
    if source.data is not None:
        check_image_bytes(source.data)
        digest = hashlib.sha256(source.data).hexdigest()
    elif run_async:  # a synchronous call gets the same refusal from the gateway
        check_s3_object(source.s3_object or {}, tenant=tenant, max_bytes=MAX_S3_IMAGE_BYTES)
    with transaction.atomic(using=scope_database()):  # no engine call inside: the reads and a reuse together
        policy = policy_in_force(tenant)
        common = {
            "tenant": tenant,
            "media_type": MediaType.IMAGE,
            "policy": policy,
            "image_sha256": digest,
            "external_ref": external_ref,
            "metadata": metadata,
        }
        magic = _magic(tenant, external_ref)
        if digest and magic is None and (earlier := _earlier_result(digest, policy)) is not None:
            return _record_reuse(earlier, common)
    result_id = public_id("mod")
    location = s3_location(source.s3_object)
    if run_async:
        if source.data is not None:
            location = _store_image(tenant, result_id, source.data)
        with transaction.atomic(using=scope_database()):
            result = ModerationResult.objects.create(
                public_id=result_id, status=ResultStatus.PENDING, **location, **common
            )
            task = current_app.signature("moderation.tasks.moderate_image", args=[tenant.pk, result.pk])
            transaction.on_commit(task.delay, using=scope_database(), robust=True)
        return result
    answer = _detect(tenant, source.engine_image(), policy, external_ref)
    decision, _ = decide(answer["ModerationLabels"], policy.rules)
    if decision == Decision.REVIEW and source.data is not None:
        location = _store_image(tenant, result_id, source.data)  # for the reviewer's eyes
    return _record_image_answer(
        ModerationResult(public_id=result_id, status=ResultStatus.PENDING, **location, **common), answer
    )


def image_moderation_run(*, tenant: Tenant, result: ModerationResult) -> ModerationResult:
    """Finish a pending (async) image result; a finished one is returned as it is.

    An engine failure the caller could retry (throttling, an outage) is raised for the task to
    retry; any other ends the result ``failed`` with the error's code.
    """
    require_scope(tenant)
    if result.status != ResultStatus.PENDING:
        return result
    image = {"S3Object": {"Bucket": result.s3_bucket, "Name": result.s3_key}}
    if result.s3_version:
        image["S3Object"]["Version"] = result.s3_version
    try:
        answer = _detect(tenant, image, result.policy, result.external_ref)
    except UpstreamUnavailable:
        raise
    except DomainError as exc:
        return record_failure(result, exc.code, exc.detail)
    return _record_image_answer(result, answer)


def image_moderation_give_up(*, tenant: Tenant, result: ModerationResult, code: str, message: str) -> ModerationResult:
    """End a pending image result as failed (its retries are spent)."""
    require_scope(tenant)
    if result.status != ResultStatus.PENDING:
        return result
    return record_failure(result, code, message)


def _detect(tenant: Tenant, image: dict[str, Any], policy: ModerationPolicy, external_ref: str) -> dict[str, Any]:
    gateway = Gateway(tenant, script=_magic(tenant, external_ref))
    return gateway.call("DetectModerationLabels", Image=image, MinConfidence=min_confidence(policy.rules))


def _magic(tenant: Tenant, external_ref: str) -> Script | None:
    """Test mode: the scripted labels a magic ``external_ref`` asks for (docs/test-mode.md)."""
    if tenant.livemode or external_ref not in MAGIC_MODERATION_CONFIDENCE:
        return None
    return Script(external_ref)


def _earlier_result(digest: str, policy: ModerationPolicy) -> ModerationResult | None:
    return (
        ModerationResult.objects.filter(
            image_sha256=digest, policy=policy, status=ResultStatus.SUCCEEDED, reused_from__isnull=True
        )
        .order_by("created_at")
        .first()
    )


def _store_image(tenant: Tenant, result_id: str, data: bytes) -> dict[str, str]:
    """Keep an image in the tenant's storage (SSE-KMS under its key, private) for a worker or a reviewer."""
    storage = TenantStorage(tenant)
    key = storage.key(f"{IMAGE_FOLDER}{result_id}")
    parameters = {"Bucket": tenant.storage_bucket, "Key": key}
    try:
        storage.put(f"{IMAGE_FOLDER}{result_id}", data, content_type="application/octet-stream")
    except Exception as exc:
        record_aws_call(
            tenant=tenant,
            service="s3",
            operation="PutObject",
            request_parameters=parameters,
            response_elements=None,
            error_code=type(exc).__name__,
        )
        raise UpstreamUnavailable("The image could not be stored.") from exc
    record_aws_call(
        tenant=tenant, service="s3", operation="PutObject", request_parameters=parameters, response_elements=None
    )
    return {"s3_bucket": tenant.storage_bucket, "s3_key": key, "s3_version": ""}


def _record_image_answer(result: ModerationResult, answer: dict[str, Any]) -> ModerationResult:
    decision, driving = decide(answer["ModerationLabels"], result.policy.rules)
    result.labels = [stored_label(label) for label in answer["ModerationLabels"]]
    result.decision, result.driving_category = decision, driving
    result.moderation_model_version = str(answer.get("ModerationModelVersion", ""))
    return record_success(result)


def _record_reuse(earlier: ModerationResult, common: dict[str, Any]) -> ModerationResult:
    result = ModerationResult(
        status=ResultStatus.PENDING,
        reused_from=earlier,
        labels=earlier.labels,
        decision=earlier.decision,
        driving_category=earlier.driving_category,
        moderation_model_version=earlier.moderation_model_version,
        s3_bucket=earlier.s3_bucket,
        s3_key=earlier.s3_key,
        **common,
    )
    return record_success(result)
