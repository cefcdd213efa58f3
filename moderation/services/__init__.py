"""Writes for moderation: policy versions (``policies``), images, videos, results, the review queue.

This package's own module holds what they share: the audit event source and its redaction rules.

Every engine or S3 call happens outside any transaction this module opens: state is read, the
engine is called, and the outcome is recorded in a new short transaction with its audit event.
(Until the tenant scope stops holding a transaction of its own, an edge's scope still wraps the
whole call; nothing here adds to it.) Services assert the scope their edge entered.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings

from audit.identity import resource, verity_event_source
from audit.recording import audited_by_services
from audit.redaction import KEEP, register_event
from moderation.models import ModerationPolicy, ReviewTask
from tenants.models import Tenant

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


def settings_seconds(name: str, default: float) -> timedelta:
    return timedelta(seconds=float(getattr(settings, name, default)))


def moderation_resource(tenant: Tenant, result_id: str) -> Any:
    return resource(tenant, service="moderation", resource_type="moderation", resource_id=result_id)


def s3_location(s3_object: dict[str, Any] | None) -> dict[str, str]:
    if s3_object is None:
        return {}
    return {
        "s3_bucket": str(s3_object.get("Bucket", "")),
        "s3_key": str(s3_object.get("Name", "")),
        "s3_version": str(s3_object.get("Version", "") or ""),
    }
