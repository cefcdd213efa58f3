"""The review queue: claims that expire, decisions by the claimant with the reviewer role, each audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.recording import record_change
from config.errors import Conflict, InvalidInput, PermissionDenied
from moderation.models import (
    Decision,
    ReviewStatus,
    ReviewTask,
)
from moderation.services import MODERATION_SOURCE, moderation_resource
from tenants.models import Role, Tenant
from tenants.scope import require_scope, scope_database
from webhooks.models import EventType
from webhooks.outbox import event_emit


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
            resources=[moderation_resource(tenant, task.result.public_id)],
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
            resources=[moderation_resource(tenant, result.public_id)],
        )
        event_emit(
            tenant=tenant,
            type=EventType.REVIEW_DECIDED,
            data={
                "object": "review",
                "id": task.public_id,
                "moderation_id": result.public_id,
                "automated_decision": result.decision,
                "final_decision": decision,
                "external_ref": result.external_ref or None,
            },
        )
    return task
