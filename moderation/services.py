"""Writes for moderation: policy versions, image and video moderation, the review queue.

Every engine or S3 call happens outside any transaction this module opens: state is read, the
engine is called, and the outcome is recorded in a new short transaction with its audit event.
(Until the tenant scope stops holding a transaction of its own, an edge's scope still wraps the
whole call; nothing here adds to it.) Services assert the scope their edge entered.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.identity import resource, verity_event_source
from audit.recording import audited_by_services, record_aws_call, record_change, record_system_event
from audit.redaction import KEEP, register_event
from config.aws import aws_client
from config.errors import Conflict, DomainError, InvalidInput, PermissionDenied, UpstreamUnavailable
from config.ids import public_id
from config.metadata import validate_metadata
from moderation.models import (
    Decision,
    MediaType,
    ModerationPolicy,
    ModerationResult,
    ResultStatus,
    ReviewStatus,
    ReviewTask,
)
from moderation.policies import decide, default_rules, min_confidence, stored_label, validate_rules
from tenants.models import Role, Tenant
from tenants.scope import require_scope, scope_connection, scope_database
from vision.gateway import Gateway
from vision.validation import MAX_S3_IMAGE_BYTES, check_image_bytes, check_s3_object

logger = logging.getLogger(__name__)

MODERATION_SOURCE = verity_event_source("moderation")
IMAGE_FOLDER = "moderation/images/"
# GetContentModeration's largest page.
VIDEO_PAGE_SIZE = 1000
register_event(MODERATION_SOURCE, "CreatePolicyVersion", request={"version": KEEP, "rules": KEEP})
register_event(
    MODERATION_SOURCE,
    "ModerationCompleted",
    details={
        "moderationId": KEEP,
        "mediaType": KEEP,
        "status": KEEP,
        "decision": KEEP,
        "drivingCategory": KEEP,
        "policyVersion": KEEP,
        "moderationModelVersion": KEEP,
        "reusedFrom": KEEP,
        "reviewTaskId": KEEP,
        "errorCode": KEEP,
    },
)
register_event(
    MODERATION_SOURCE,
    "VideoModerationStarted",
    details={"moderationId": KEEP, "jobId": KEEP, "policyVersion": KEEP, "notification": KEEP},
)
register_event(MODERATION_SOURCE, "ClaimReviewTask", request={"reviewTaskId": KEEP, "claimExpiresAt": KEEP})
register_event(
    MODERATION_SOURCE,
    "DecideReviewTask",
    request={"reviewTaskId": KEEP, "moderationId": KEEP, "decision": KEEP, "automatedDecision": KEEP, "note": KEEP},
)
audited_by_services(ModerationPolicy, ReviewTask)


def _settings_seconds(name: str, default: float) -> timedelta:
    return timedelta(seconds=float(getattr(settings, name, default)))


def _moderation_resource(tenant: Tenant, result_id: str) -> Any:
    return resource(tenant, service="moderation", resource_type="moderation", resource_id=result_id)


# --- Policies -----------------------------------------------------------------------------------


def policy_put(*, tenant: Tenant, categories: dict[str, Any], created_by: str, actor: Any = None) -> ModerationPolicy:
    """Make ``categories`` (completed with the defaults) the tenant's policy, as a new version.

    The same rules as the current version's change nothing and return that version.
    """
    require_scope(tenant)
    rules = validate_rules(categories)
    with transaction.atomic(using=scope_database()):
        current = _policy_in_force(tenant, lock=True)
        if current.rules == rules:
            return current
        policy = ModerationPolicy.objects.create(
            tenant=tenant, version=current.version + 1, rules=rules, created_by=created_by[:256]
        )
        record_change(
            tenant=tenant,
            event_source=MODERATION_SOURCE,
            event_name="CreatePolicyVersion",
            actor=actor,
            request_parameters={"version": policy.version, "rules": json.dumps(rules, sort_keys=True)},
        )
    return policy


def _policy_in_force(tenant: Tenant, *, lock: bool = False) -> ModerationPolicy:
    """The tenant's newest version; version 1 (the defaults) is written the first time one is needed."""
    with transaction.atomic(using=scope_database()):
        if lock:  # one writer of a new version at a time, until this transaction ends
            with scope_connection().cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"moderation-policy:{tenant.pk}"]
                )
        current = ModerationPolicy.objects.order_by("-version").first()
        if current is not None:
            return current
        try:
            with transaction.atomic(using=scope_database()):
                return ModerationPolicy.objects.create(tenant=tenant, version=1, rules=default_rules())
        except IntegrityError:  # a concurrent request wrote it first
            return ModerationPolicy.objects.get(version=1)


# --- Images -------------------------------------------------------------------------------------


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
    policy = _policy_in_force(tenant)
    common = {
        "tenant": tenant,
        "media_type": MediaType.IMAGE,
        "policy": policy,
        "image_sha256": digest,
        "external_ref": external_ref,
        "metadata": metadata,
    }
    if digest and (earlier := _earlier_result(digest, policy)) is not None:
        return _record_reuse(earlier, common)
    result_id = public_id("mod")
    location = _s3_location(source.s3_object)
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
    answer = _detect(tenant, source.engine_image(), policy)
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
        answer = _detect(tenant, image, result.policy)
    except UpstreamUnavailable:
        raise
    except DomainError as exc:
        return _record_failure(result, exc.code, exc.detail)
    return _record_image_answer(result, answer)


def image_moderation_give_up(*, tenant: Tenant, result: ModerationResult, code: str, message: str) -> ModerationResult:
    """End a pending image result as failed (its retries are spent)."""
    require_scope(tenant)
    if result.status != ResultStatus.PENDING:
        return result
    return _record_failure(result, code, message)


def _detect(tenant: Tenant, image: dict[str, Any], policy: ModerationPolicy) -> dict[str, Any]:
    return Gateway(tenant).call("DetectModerationLabels", Image=image, MinConfidence=min_confidence(policy.rules))


def _earlier_result(digest: str, policy: ModerationPolicy) -> ModerationResult | None:
    return (
        ModerationResult.objects.filter(
            image_sha256=digest, policy=policy, status=ResultStatus.SUCCEEDED, reused_from__isnull=True
        )
        .order_by("created_at")
        .first()
    )


def _s3_location(s3_object: dict[str, Any] | None) -> dict[str, str]:
    if s3_object is None:
        return {}
    return {
        "s3_bucket": str(s3_object.get("Bucket", "")),
        "s3_key": str(s3_object.get("Name", "")),
        "s3_version": str(s3_object.get("Version", "") or ""),
    }


def _store_image(tenant: Tenant, result_id: str, data: bytes) -> dict[str, str]:
    """Keep an image in the tenant's bucket (SSE-KMS by the bucket's default) for a worker or a reviewer."""
    key = f"{tenant.storage_prefix}{IMAGE_FOLDER}{result_id}"
    parameters = {"bucket": tenant.storage_bucket, "key": key}
    try:
        aws_client("s3", tenant.region).put_object(Bucket=tenant.storage_bucket, Key=key, Body=data)
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
    return _record_success(result)


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
    return _record_success(result)


def _record_success(result: ModerationResult) -> ModerationResult:
    """Store a decided result (new, or a pending/in-progress one), opening a review task when due."""
    with transaction.atomic(using=scope_database()):
        if result.pk is not None:
            # Finished by someone else meanwhile (a redelivered task, a notification and a poll)?
            current = ModerationResult.objects.select_for_update().get(pk=result.pk)
            if current.status not in (ResultStatus.PENDING, ResultStatus.IN_PROGRESS):
                return current
        result.status = ResultStatus.SUCCEEDED
        result.completed_at = timezone.now()
        result.save()
        task = ReviewTask.objects.create(tenant=result.tenant, result=result) if result.decision == "review" else None
        _record_completion(result, review_task=task)
    return result


def _record_failure(result: ModerationResult, code: str, message: str) -> ModerationResult:
    with transaction.atomic(using=scope_database()):
        current = ModerationResult.objects.select_for_update().get(pk=result.pk)
        if current.status not in (ResultStatus.PENDING, ResultStatus.IN_PROGRESS):
            return current
        current.status = ResultStatus.FAILED
        current.error_code, current.error_message = code, message[:1024]
        current.completed_at = timezone.now()
        current.save()
        _record_completion(current, review_task=None)
    return current


def _record_completion(result: ModerationResult, *, review_task: ReviewTask | None) -> None:
    record_system_event(
        tenant=result.tenant,
        event_source=MODERATION_SOURCE,
        event_name="ModerationCompleted",
        details={
            "moderationId": result.public_id,
            "mediaType": result.media_type,
            "status": result.status,
            "decision": result.decision or None,
            "drivingCategory": result.driving_category or None,
            "policyVersion": result.policy.version,
            "moderationModelVersion": result.moderation_model_version or None,
            "reusedFrom": result.reused_from.public_id if result.reused_from else None,
            "reviewTaskId": review_task.public_id if review_task else None,
            "errorCode": result.error_code or None,
        },
        resources=[_moderation_resource(result.tenant, result.public_id)],
    )


# --- Videos -------------------------------------------------------------------------------------


def _notification_channel() -> dict[str, str] | None:
    topic = getattr(settings, "VERITY_MODERATION_SNS_TOPIC_ARN", "")
    role = getattr(settings, "VERITY_MODERATION_SNS_ROLE_ARN", "")
    return {"SNSTopicArn": topic, "RoleArn": role} if topic and role else None


def video_moderate(
    *, tenant: Tenant, s3_object: dict[str, Any], external_ref: str = "", metadata: Any = None
) -> ModerationResult:
    """Start a StartContentModeration job for a video in the tenant's bucket.

    The job is started before anything is written, so a refusal (the object is outside the
    tenant's bucket, missing, too large) leaves no result behind. The result's id is the job's
    ClientRequestToken and JobTag. Completion arrives through SNS → SQS (when a channel is
    configured) or, failing that, by polling after ``VERITY_MODERATION_VIDEO_NOTIFY_WAIT``.
    """
    require_scope(tenant)
    metadata = validate_metadata({} if metadata is None else metadata)
    policy = _policy_in_force(tenant)
    result_id = public_id("mod")
    channel = _notification_channel()
    request: dict[str, Any] = {
        "Video": {"S3Object": dict(s3_object)},
        "MinConfidence": min_confidence(policy.rules),
        "ClientRequestToken": result_id,
        "JobTag": result_id,
    }
    if channel is not None:
        request["NotificationChannel"] = channel
    job_id = str(Gateway(tenant).call("StartContentModeration", **request)["JobId"])
    now = timezone.now()
    wait = _settings_seconds("VERITY_MODERATION_VIDEO_NOTIFY_WAIT", 300)
    with transaction.atomic(using=scope_database()):
        result = ModerationResult.objects.create(
            tenant=tenant,
            public_id=result_id,
            media_type=MediaType.VIDEO,
            status=ResultStatus.IN_PROGRESS,
            policy=policy,
            job_id=job_id,
            poll_after=now + wait,
            give_up_at=now + _settings_seconds("VERITY_MODERATION_VIDEO_TIMEOUT", 2 * 3600),
            external_ref=external_ref,
            metadata=metadata,
            **_s3_location(s3_object),
        )
        record_system_event(
            tenant=tenant,
            event_source=MODERATION_SOURCE,
            event_name="VideoModerationStarted",
            details={
                "moderationId": result_id,
                "jobId": job_id,
                "policyVersion": policy.version,
                "notification": channel is not None,
            },
            resources=[_moderation_resource(tenant, result_id)],
        )
    return result


def video_moderation_collect(*, tenant: Tenant, result: ModerationResult) -> ModerationResult:
    """Read a video job's outcome (every result page) and finish the result, or note when to look again.

    A failed job, a job the engine does not know, and a job still running at ``give_up_at``
    end the result ``failed`` (``video_job_failed``, ``video_timeout``): never an endless wait.
    """
    require_scope(tenant)
    if result.status != ResultStatus.IN_PROGRESS:
        return result
    try:
        status, pages = _content_moderation_pages(tenant, result.job_id)
    except UpstreamUnavailable:
        status, pages = "IN_PROGRESS", []  # look again later, like a job still running
    except DomainError as exc:
        return _record_failure(result, "video_job_failed", f"{exc.code}: {exc.detail}")
    if status == "FAILED":
        message = str(pages[0].get("StatusMessage", "")) if pages else ""
        return _record_failure(result, "video_job_failed", message or "The video could not be moderated.")
    if status != "SUCCEEDED":
        now = timezone.now()
        if result.give_up_at is not None and now >= result.give_up_at:
            return _record_failure(result, "video_timeout", "The video job did not finish in time.")
        interval = _settings_seconds("VERITY_MODERATION_VIDEO_POLL_INTERVAL", 60)
        ModerationResult.objects.filter(pk=result.pk, status=ResultStatus.IN_PROGRESS).update(poll_after=now + interval)
        return result
    detections = [item for page in pages for item in page.get("ModerationLabels", [])]
    rules = result.policy.rules
    segments: dict[int, list[dict[str, Any]]] = {}
    for item in detections:
        segments.setdefault(int(item["Timestamp"]), []).append(item["ModerationLabel"])
    result.segments = [
        {
            "timestamp_ms": timestamp,
            "decision": decide(labels, rules)[0],
            "labels": [stored_label(label) for label in labels],
        }
        for timestamp, labels in sorted(segments.items())
    ]
    every_label = [label for labels in segments.values() for label in labels]
    result.decision, result.driving_category = decide(every_label, rules)
    result.labels = _strongest_labels(every_label)
    result.moderation_model_version = str(pages[0].get("ModerationModelVersion", ""))
    return _record_success(result)


def _strongest_labels(labels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each label once, at its highest confidence over the video (the segments keep every detection)."""
    strongest: dict[tuple[str, str], dict[str, Any]] = {}
    for label in labels:
        key = (label["Name"], label.get("ParentName", ""))
        if key not in strongest or label["Confidence"] > strongest[key]["Confidence"]:
            strongest[key] = label
    return [stored_label(label) for label in sorted(strongest.values(), key=lambda item: -item["Confidence"])]


def _content_moderation_pages(tenant: Tenant, job_id: str) -> tuple[str, list[dict[str, Any]]]:
    """The job's status and, when it succeeded, every page of its labels (GetContentModeration)."""
    gateway = Gateway(tenant)
    pages: list[dict[str, Any]] = []
    request: dict[str, Any] = {"JobId": job_id, "MaxResults": VIDEO_PAGE_SIZE, "SortBy": "TIMESTAMP"}
    while True:
        page = gateway.call("GetContentModeration", **request)
        pages.append(page)
        if page["JobStatus"] != "SUCCEEDED" or not page.get("NextToken"):
            return str(page["JobStatus"]), pages
        request["NextToken"] = page["NextToken"]


def completion_job_id(message_body: str) -> str | None:
    """The JobId of a StartContentModeration completion delivered by SNS to SQS, or None.

    SQS carries SNS's envelope (``{"Type": "Notification", "Message": "<json>"}``) unless the
    subscription delivers raw messages; both are read.
    """
    try:
        body = json.loads(message_body)
        message = json.loads(body["Message"]) if isinstance(body, dict) and "Message" in body else body
    except (ValueError, TypeError):
        return None
    if not isinstance(message, dict) or message.get("API") != "StartContentModeration":
        return None
    job_id = message.get("JobId")
    return job_id if isinstance(job_id, str) and job_id else None


# --- Review queue -------------------------------------------------------------------------------


def _check_reviewer(tenant: Tenant, reviewer: Any) -> None:
    membership = getattr(reviewer, "membership", None)
    if membership is None or membership.tenant_id != tenant.pk or membership.role != Role.REVIEWER:
        raise PermissionDenied(
            "Only a user with the reviewer role may work the review queue.", code="reviewer_required"
        )


def review_task_claim(*, tenant: Tenant, task: ReviewTask, reviewer: Any) -> ReviewTask:
    """Claim a task for ``reviewer`` until ``VERITY_REVIEW_CLAIM_MINUTES`` from now (again: renewed).

    Refused when the task is decided, or claimed by someone else whose claim has not expired.
    """
    require_scope(tenant)
    _check_reviewer(tenant, reviewer)
    with transaction.atomic(using=scope_database()):
        task = ReviewTask.objects.select_for_update().get(pk=task.pk)
        now = timezone.now()
        if task.status == ReviewStatus.DECIDED:
            raise Conflict(f"{task.public_id} is already decided.", code="review_already_decided")
        if task.claimed_by_other(reviewer, now):
            raise Conflict(f"{task.public_id} is claimed by another reviewer.", code="review_claimed")
        task.assignee = reviewer
        task.claim_expires_at = now + timedelta(minutes=int(getattr(settings, "VERITY_REVIEW_CLAIM_MINUTES", 15)))
        task.save(update_fields=["assignee", "claim_expires_at"])
        record_change(
            tenant=tenant,
            event_source=MODERATION_SOURCE,
            event_name="ClaimReviewTask",
            actor=reviewer,
            request_parameters={"reviewTaskId": task.public_id, "claimExpiresAt": task.claim_expires_at.isoformat()},
            resources=[_moderation_resource(tenant, task.result.public_id)],
        )
    return task


def review_task_decide(*, tenant: Tenant, task: ReviewTask, reviewer: Any, decision: str, note: str = "") -> ReviewTask:
    """Record a reviewer's final decision (approve or reject) on the task and its result.

    Only the reviewer holding an unexpired claim may decide, and only once.
    """
    require_scope(tenant)
    _check_reviewer(tenant, reviewer)
    if decision not in (Decision.APPROVE, Decision.REJECT):
        raise InvalidInput("A reviewer approves or rejects.", code="invalid_review_decision")
    with transaction.atomic(using=scope_database()):
        task = ReviewTask.objects.select_for_update().select_related("result").get(pk=task.pk)
        now = timezone.now()
        if task.status == ReviewStatus.DECIDED:
            raise Conflict(f"{task.public_id} is already decided.", code="review_already_decided")
        if task.assignee_id != reviewer.pk or task.claim_expires_at is None or task.claim_expires_at <= now:
            raise Conflict(f"Claim {task.public_id} before deciding it.", code="review_not_claimed")
        task.status, task.decision, task.note = ReviewStatus.DECIDED, decision, note
        task.decided_by, task.decided_at = reviewer, now
        task.save(update_fields=["status", "decision", "note", "decided_by", "decided_at"])
        result = task.result
        result.final_decision = decision
        result.save(update_fields=["final_decision"])
        record_change(
            tenant=tenant,
            event_source=MODERATION_SOURCE,
            event_name="DecideReviewTask",
            actor=reviewer,
            request_parameters={
                "reviewTaskId": task.public_id,
                "moderationId": result.public_id,
                "decision": decision,
                "automatedDecision": result.decision,
                "note": note,
            },
            resources=[_moderation_resource(tenant, result.public_id)],
        )
    return task
