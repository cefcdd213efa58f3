"""A moderation result's end: decided (with a review task when due) or failed, recorded with its event."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from audit.recording import record_system_event
from moderation.models import (
    ModerationResult,
    ResultStatus,
    ReviewTask,
)
from moderation.services import MODERATION_SOURCE, moderation_resource
from tenants.scope import scope_database
from webhooks.models import EventType
from webhooks.outbox import event_emit


def record_success(result: ModerationResult) -> ModerationResult:
    """Store a decided result (new, or a pending/in-progress one), opening a review task when due.

    Inside a caller's transaction (a reused answer) it adds no savepoint: nothing here is retried.
    """
    with transaction.atomic(using=scope_database(), savepoint=False):
        if result.pk is not None:
            # Finished by someone else meanwhile (a redelivered task, a notification and a poll)?
            current = ModerationResult.objects.select_for_update().get(pk=result.pk)
            if current.status not in (ResultStatus.PENDING, ResultStatus.IN_PROGRESS):
                return current
        result.status = ResultStatus.SUCCEEDED
        result.completed_at = timezone.now()
        result.save()
        task = ReviewTask.objects.create(tenant=result.tenant, result=result) if result.decision == "review" else None
        record_completion(result, review_task=task)
    return result


def record_failure(result: ModerationResult, code: str, message: str) -> ModerationResult:
    with transaction.atomic(using=scope_database()):
        current = ModerationResult.objects.select_for_update().get(pk=result.pk)
        if current.status not in (ResultStatus.PENDING, ResultStatus.IN_PROGRESS):
            return current
        current.status = ResultStatus.FAILED
        current.error_code, current.error_message = code, message[:1024]
        current.completed_at = timezone.now()
        current.save()
        record_completion(current, review_task=None)
    return current


def record_completion(result: ModerationResult, *, review_task: ReviewTask | None) -> None:
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
        resources=[moderation_resource(result.tenant, result.public_id)],
    )
    event_emit(
        tenant=result.tenant_id,
        type=EventType.MODERATION_COMPLETED,
        data={
            "object": "moderation",
            "id": result.public_id,
            "media_type": result.media_type,
            "status": result.status,
            "decision": result.decision or None,
            "driving_category": result.driving_category or None,
            "policy_version": result.policy.version,
            "review_id": review_task.public_id if review_task else None,
            "external_ref": result.external_ref or None,
            "error_code": result.error_code or None,
        },
    )
