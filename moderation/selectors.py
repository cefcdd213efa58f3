"""Reads for moderation; scoped managers make another tenant's rows indistinguishable from missing ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Min, QuerySet

from config.errors import NotFound
from moderation.models import Decision, ModerationPolicy, ModerationResult, ResultStatus, ReviewStatus, ReviewTask
from moderation.policies import default_rules
from tenants.models import Tenant


def policy_get(*, tenant: Tenant, version: int | None = None) -> ModerationPolicy:
    """The policy in force, or the given version. Before a tenant has written any, version 1 is the
    defaults (exactly what is stored as version 1 the first time one is needed)."""
    policies = ModerationPolicy.objects.order_by("-version")
    policy = policies.first() if version is None else policies.filter(version=version).first()
    if policy is not None:
        return policy
    if version in (None, 1) and not policies.exists():
        return ModerationPolicy(tenant=tenant, version=1, rules=default_rules())
    raise NotFound(f"No moderation policy version {version}.")


def result_get(*, public_id: str, media_type: str | None = None) -> ModerationResult:
    results = ModerationResult.objects.select_related("policy", "review_task").filter(public_id=public_id)
    result = (results if media_type is None else results.filter(media_type=media_type)).first()
    if result is None:
        raise NotFound(f"No moderation result {public_id!r}.")
    return result


def result_list(
    *,
    media_type: str | None = None,
    status: str | None = None,
    decision: str | None = None,
    final_decision: str | None = None,
    category: str | None = None,
    external_ref: str | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
) -> QuerySet[ModerationResult]:
    results = ModerationResult.objects.select_related("policy", "review_task")
    filters = {
        "media_type": media_type,
        "status": status,
        "decision": decision,
        "final_decision": final_decision,
        "driving_category": category,
        "external_ref": external_ref,
        "created_at__gte": created_after,
        "created_at__lt": created_before,
    }
    return results.filter(**{name: value for name, value in filters.items() if value is not None})


def results_to_collect(*, now: datetime) -> QuerySet[ModerationResult]:
    """In-progress video results whose notification is overdue (any tenant in the platform scope)."""
    return ModerationResult.objects.filter(status="in_progress", poll_after__lte=now)


def result_for_job(*, job_id: str) -> ModerationResult | None:
    return ModerationResult.objects.filter(job_id=job_id).first()


def review_get(*, public_id: str) -> ReviewTask:
    task = ReviewTask.objects.select_related("result__policy", "assignee", "decided_by").filter(public_id=public_id)
    found = task.first()
    if found is None:
        raise NotFound(f"No review task {public_id!r}.")
    return found


def review_list(*, status: str = ReviewStatus.OPEN) -> QuerySet[ReviewTask]:
    """The tenant's review tasks in one status (open: the queue), with what a reviewer sees."""
    return ReviewTask.objects.filter(status=status).select_related("result__policy", "assignee", "decided_by")


def reviewer_find(*, tenant: Tenant, username: str) -> Any | None:
    """The tenant's staff user ``username`` (None when there is none); the review services check the role."""
    return get_user_model().objects.filter(username=username, membership__tenant=tenant).first()


def review_queue() -> QuerySet[ReviewTask]:
    """Open tasks, oldest first."""
    return ReviewTask.objects.filter(status=ReviewStatus.OPEN).select_related("result").order_by("created_at")


@dataclass(frozen=True)
class ModerationStats:
    """What a tenant admin tunes thresholds with, for results created in [start, end)."""

    start: datetime
    end: datetime
    # (driving category, decision) → results: approvals have no driving category.
    decisions: dict[tuple[str, str], int]
    failed: int
    open_reviews: int
    oldest_open_seconds: int | None
    overdue_reviews: int
    # driving category → (approved, rejected) by reviewers, for tasks decided in [start, end).
    reviews: dict[str, tuple[int, int]]

    def outcomes(self) -> dict[str, int]:
        totals = {decision: 0 for decision in Decision.values}
        for (_, decision), count in self.decisions.items():
            totals[decision] += count
        return totals


def moderation_stats(*, start: datetime, end: datetime, now: datetime, sla: timedelta) -> ModerationStats:
    results = ModerationResult.objects.filter(created_at__gte=start, created_at__lt=end)
    # order_by(): no default ordering may join the GROUP BY.
    decided = results.filter(status=ResultStatus.SUCCEEDED).order_by().values_list("driving_category", "decision")
    queue = ReviewTask.objects.filter(status=ReviewStatus.OPEN)
    oldest = queue.aggregate(oldest=Min("created_at"))["oldest"]
    reviewed = ReviewTask.objects.filter(status=ReviewStatus.DECIDED, decided_at__gte=start, decided_at__lt=end)
    reviews: dict[str, tuple[int, int]] = {}
    for category, decision, count in (
        reviewed.order_by().values_list("result__driving_category", "decision").annotate(count=Count("id"))
    ):
        approved, rejected = reviews.get(category, (0, 0))
        reviews[category] = (
            (approved + count, rejected) if decision == Decision.APPROVE else (approved, rejected + count)
        )
    return ModerationStats(
        start=start,
        end=end,
        decisions={(category, decision): count for category, decision, count in decided.annotate(count=Count("id"))},
        failed=results.filter(status=ResultStatus.FAILED).count(),
        open_reviews=queue.count(),
        oldest_open_seconds=None if oldest is None else int((now - oldest).total_seconds()),
        overdue_reviews=queue.filter(created_at__lt=now - sla).count(),
        reviews=reviews,
    )
