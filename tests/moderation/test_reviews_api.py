"""The review queue over the API: a tenant's own reviewer UI lists, claims and decides, under the admin's rules."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from moderation.models import ModerationResult, ReviewTask
from tenants.models import Role
from tenants.scope import tenant_scope
from tests.conftest import Caller
from tests.factories import MembershipFactory, ModerationResultFactory, ReviewTaskFactory, webhook_events

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_credentials")]  # links are signed locally


def _task(caller: Caller, *, age: timedelta = timedelta(0), **result: Any) -> ReviewTask:
    with tenant_scope(caller.tenant):
        moderated = ModerationResultFactory(tenant=caller.tenant, **result)
        return ReviewTaskFactory(tenant=caller.tenant, result=moderated, created_at=timezone.now() - age)


def _reviewer(caller: Caller, role: str = Role.REVIEWER) -> str:
    username: str = MembershipFactory(tenant=caller.tenant, role=role).user.get_username()
    return username


def _claim(caller: Caller, task: ReviewTask, reviewer: str) -> Any:
    return caller.client.post(f"/v1/reviews/{task.public_id}/claim", {"reviewer": reviewer}, format="json")


def _decide(caller: Caller, task: ReviewTask, reviewer: str, decision: str = "reject", **extra: Any) -> Any:
    body = {"reviewer": reviewer, "decision": decision, **extra}
    return caller.client.post(f"/v1/reviews/{task.public_id}/decision", body, format="json")


def _result(caller: Caller, task: ReviewTask) -> ModerationResult:
    with tenant_scope(caller.tenant):
        return ModerationResult.objects.get(pk=task.result_id)


def test_the_queue_lists_open_tasks_oldest_first_with_their_age(caller: Caller) -> None:
    newer = _task(caller, age=timedelta(minutes=5))
    older = _task(caller, age=timedelta(hours=2))
    decided = _task(caller, age=timedelta(hours=3))
    with tenant_scope(caller.tenant):
        ReviewTask.objects.filter(pk=decided.pk).update(status="decided", decision="approve")

    page = caller.client.get("/v1/reviews").json()

    assert [item["id"] for item in page["results"]] == [older.public_id, newer.public_id]
    assert 2 * 3600 <= page["results"][0]["age_seconds"] < 2 * 3600 + 60
    assert page["results"][0]["automated_decision"] == "review"
    done = caller.client.get("/v1/reviews?status=decided").json()["results"]
    assert [item["id"] for item in done] == [decided.public_id]


def test_the_queue_pages_oldest_first_with_a_cursor(caller: Caller) -> None:
    tasks = [_task(caller, age=timedelta(minutes=10 - minute)) for minute in range(3)]

    first = caller.client.get("/v1/reviews?limit=2").json()
    cursor = parse_qs(urlparse(first["next"]).query)["cursor"][0]
    second = caller.client.get(f"/v1/reviews?limit=2&cursor={cursor}").json()

    seen = [item["id"] for item in first["results"] + second["results"]]
    assert seen == [task.public_id for task in tasks]


def test_a_reviewer_claims_then_decides_and_the_result_keeps_both_decisions(caller: Caller) -> None:
    task, reviewer = _task(caller), _reviewer(caller)

    claimed = _claim(caller, task, reviewer)
    assert claimed.status_code == 200, claimed.content
    assert claimed.json()["claimed_by"] == reviewer
    decided = _decide(caller, task, reviewer, "approve", note="a holiday photo")

    assert decided.status_code == 200, decided.content
    body = decided.json()
    assert (body["status"], body["final_decision"], body["decided_by"], body["note"]) == (
        "decided",
        "approve",
        reviewer,
        "a holiday photo",
    )
    result = _result(caller, task)
    assert (result.decision, result.final_decision) == ("review", "approve")
    moderation = caller.client.get(f"/v1/moderation/images/{result.public_id}").json()
    assert (moderation["decision"], moderation["final_decision"]) == ("review", "approve")
    with tenant_scope(caller.tenant):
        events = set(AuditEvent.objects.values_list("event_name", flat=True))
    assert {"ClaimReviewTask", "DecideReviewTask", "ClaimReview", "DecideReview"} <= events
    assert webhook_events(caller.tenant, "review.decided") == [
        {
            "object": "review",
            "id": task.public_id,
            "moderation_id": result.public_id,
            "automated_decision": "review",
            "final_decision": "approve",
            "external_ref": None,
        }
    ]


def test_an_image_under_review_is_shown_through_a_short_lived_presigned_link(caller: Caller) -> None:
    task = _task(caller, s3_bucket=caller.tenant.storage_bucket, s3_key=f"{caller.tenant.storage_prefix}m/1")

    url = caller.client.get(f"/v1/reviews/{task.public_id}").json()["image_url"]

    query = parse_qs(urlparse(url).query)
    assert urlparse(url).path.endswith(f"/{caller.tenant.storage_prefix}m/1")
    assert query["X-Amz-Expires"] == ["300"]  # Signature Version 4, as objects under a KMS key need


@pytest.mark.parametrize("role", [Role.TENANT_ADMIN, Role.COMPLIANCE_OFFICER])
def test_only_a_staff_user_with_the_reviewer_role_may_claim(caller: Caller, role: str) -> None:
    task = _task(caller)

    for reviewer in (_reviewer(caller, role), "nobody-by-that-name"):
        response = _claim(caller, task, reviewer)
        assert (response.status_code, response.json()["code"]) == (403, "reviewer_required")
    with tenant_scope(caller.tenant):
        assert ReviewTask.objects.get(pk=task.pk).assignee_id is None


def test_another_tenants_reviewer_may_not_work_this_queue(two_tenants: tuple[Caller, Caller]) -> None:
    caller, other = two_tenants
    task = _task(caller)

    response = _claim(caller, task, _reviewer(other))

    assert (response.status_code, response.json()["code"]) == (403, "reviewer_required")


def test_a_task_claimed_by_someone_else_is_refused_until_the_claim_expires(caller: Caller) -> None:
    task, first, second = _task(caller), _reviewer(caller), _reviewer(caller)
    assert _claim(caller, task, first).status_code == 200

    refused = _claim(caller, task, second)
    assert (refused.status_code, refused.json()["code"]) == (409, "review_claimed")
    not_theirs = _decide(caller, task, second)
    assert (not_theirs.status_code, not_theirs.json()["code"]) == (409, "review_not_claimed")

    with tenant_scope(caller.tenant):
        ReviewTask.objects.filter(pk=task.pk).update(claim_expires_at=timezone.now() - timedelta(seconds=1))
    assert caller.client.get(f"/v1/reviews/{task.public_id}").json()["claimed_by"] is None
    assert _claim(caller, task, second).json()["claimed_by"] == second
    expired_claim = _decide(caller, task, first)
    assert (expired_claim.status_code, expired_claim.json()["code"]) == (409, "review_not_claimed")


def test_a_task_is_decided_once(caller: Caller) -> None:
    task, reviewer = _task(caller), _reviewer(caller)
    _claim(caller, task, reviewer)
    assert _decide(caller, task, reviewer, "reject").status_code == 200

    again = _decide(caller, task, reviewer, "approve")
    reclaim = _claim(caller, task, reviewer)

    assert (again.status_code, again.json()["code"]) == (409, "review_already_decided")
    assert (reclaim.status_code, reclaim.json()["code"]) == (409, "review_already_decided")
    assert _result(caller, task).final_decision == "reject"


@pytest.mark.parametrize(
    "body",
    [
        {"decision": "approve"},
        {"reviewer": "r", "decision": "review"},
        {"reviewer": "r", "decision": "approve", "note": "x" * 2001},
        {"reviewer": "r", "decision": "approve", "colour": "blue"},
    ],
)
def test_a_bad_decision_body_is_refused_and_changes_nothing(caller: Caller, body: dict[str, Any]) -> None:
    task = _task(caller)

    response = caller.client.post(f"/v1/reviews/{task.public_id}/decision", body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] in {"validation_error", "unknown_field"}
    with tenant_scope(caller.tenant):
        assert ReviewTask.objects.get(pk=task.pk).status == "open"


def test_an_unknown_task_is_not_found(caller: Caller) -> None:
    reviewer = _reviewer(caller)
    for response in (
        caller.client.get("/v1/reviews/rev_doesnotexist000000000000"),
        caller.client.post("/v1/reviews/rev_doesnotexist000000000000/claim", {"reviewer": reviewer}, format="json"),
    ):
        assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_a_bad_status_filter_is_refused(caller: Caller) -> None:
    response = caller.client.get("/v1/reviews?status=pending")
    assert (response.status_code, response.json()["code"]) == (400, "validation_error")
