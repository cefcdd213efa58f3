"""Video moderation: StartContentModeration, completion by SNS→SQS or polling, every result page read."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.recording import record_system_event
from config.errors import DomainError, UpstreamUnavailable
from config.ids import public_id
from config.metadata import validate_metadata
from moderation.models import (
    MediaType,
    ModerationResult,
    ResultStatus,
)
from moderation.policies import decide, min_confidence, stored_label
from moderation.services import MODERATION_SOURCE, VIDEO_PAGE_SIZE, moderation_resource, s3_location, settings_seconds
from moderation.services.policies import policy_in_force
from moderation.services.results import record_failure, record_success
from tenants.models import Tenant
from tenants.scope import require_scope, scope_database
from vision.gateway import Gateway


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
    policy = policy_in_force(tenant)
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
    wait = settings_seconds("VERITY_MODERATION_VIDEO_NOTIFY_WAIT", 300)
    with transaction.atomic(using=scope_database()):
        result = ModerationResult.objects.create(
            tenant=tenant,
            public_id=result_id,
            media_type=MediaType.VIDEO,
            status=ResultStatus.IN_PROGRESS,
            policy=policy,
            job_id=job_id,
            poll_after=now + wait,
            give_up_at=now + settings_seconds("VERITY_MODERATION_VIDEO_TIMEOUT", 2 * 3600),
            external_ref=external_ref,
            metadata=metadata,
            **s3_location(s3_object),
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
            resources=[moderation_resource(tenant, result_id)],
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
        return record_failure(result, "video_job_failed", f"{exc.code}: {exc.detail}")
    if status == "FAILED":
        message = str(pages[0].get("StatusMessage", "")) if pages else ""
        return record_failure(result, "video_job_failed", message or "The video could not be moderated.")
    if status != "SUCCEEDED":
        now = timezone.now()
        if result.give_up_at is not None and now >= result.give_up_at:
            return record_failure(result, "video_timeout", "The video job did not finish in time.")
        interval = settings_seconds("VERITY_MODERATION_VIDEO_POLL_INTERVAL", 60)
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
    return record_success(result)


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
