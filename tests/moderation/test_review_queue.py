"""The review queue: claim, claim expiry, decide once, reviewer role only, audited; the admin pages."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from audit.models import AuditEvent
from config.errors import Conflict, InvalidInput, PermissionDenied
from moderation.models import ModerationPolicy, ReviewTask
from moderation.policies import default_rules
from moderation.services.reviews import review_task_claim, review_task_decide
from tenants.models import Role, Tenant
from tenants.scope import tenant_scope
from tests.factories import MembershipFactory, ReviewTaskFactory, TenantFactory

pytestmark = pytest.mark.django_db


def open_task(tenant: Tenant, *, age: timedelta = timedelta(0)) -> ReviewTask:
    return ReviewTaskFactory(tenant=tenant, created_at=timezone.now() - age)


@pytest.fixture
def tenant() -> Tenant:
    return TenantFactory()


def reviewer(tenant: Tenant, role: str = Role.REVIEWER) -> Any:
    return MembershipFactory(tenant=tenant, role=role).user


def _claim(tenant: Tenant, task: ReviewTask, user: Any) -> ReviewTask:
    with tenant_scope(tenant):
        return review_task_claim(tenant=tenant, task=task, reviewer=user)


def _decide(tenant: Tenant, task: ReviewTask, user: Any, decision: str = "reject", note: str = "") -> ReviewTask:
    with tenant_scope(tenant):
        return review_task_decide(tenant=tenant, task=task, reviewer=user, decision=decision, note=note)


def _refresh(tenant: Tenant, task: ReviewTask) -> ReviewTask:
    with tenant_scope(tenant):
        return ReviewTask.objects.select_related("result").get(pk=task.pk)


def test_a_claimed_task_is_decided_and_the_result_keeps_both_decisions(tenant: Tenant) -> None:
    task, user = open_task(tenant), reviewer(tenant)
    claimed = _claim(tenant, task, user)
    assert claimed.assignee_id == user.pk
    assert timedelta(minutes=14) < claimed.claim_expires_at - timezone.now() <= timedelta(minutes=15)
    _decide(tenant, task, user, "approve", "a holiday photo")
    done = _refresh(tenant, task)
    assert (done.status, done.decision, done.note, done.decided_by_id) == (
        "decided",
        "approve",
        "a holiday photo",
        user.pk,
    )
    assert (done.result.decision, done.result.final_decision) == ("review", "approve")


def test_each_claim_and_decision_is_audited_with_the_reviewer(tenant: Tenant) -> None:
    task, user = open_task(tenant), reviewer(tenant)
    _claim(tenant, task, user)
    _decide(tenant, task, user, "reject", "weapon")
    with tenant_scope(tenant):
        events = {e.event_name: e.record for e in AuditEvent.objects.filter(event_source="moderation.verity.local")}
    decided = events["DecideReviewTask"]
    assert decided["userIdentity"]["userName"] == user.get_username()
    assert decided["requestParameters"] | {} == {
        "reviewTaskId": task.public_id,
        "moderationId": task.result.public_id,
        "decision": "reject",
        "automatedDecision": "review",
        "note": "weapon",
    }
    assert events["ClaimReviewTask"]["requestParameters"]["reviewTaskId"] == task.public_id


def test_a_task_cannot_be_decided_twice(tenant: Tenant) -> None:
    task, user = open_task(tenant), reviewer(tenant)
    _claim(tenant, task, user)
    _decide(tenant, task, user, "reject")
    with pytest.raises(Conflict) as refused:
        _decide(tenant, task, user, "approve")
    assert refused.value.code == "review_already_decided"
    with pytest.raises(Conflict) as refused:
        _claim(tenant, task, user)
    assert refused.value.code == "review_already_decided"
    assert _refresh(tenant, task).result.final_decision == "reject"


def test_only_the_claimant_decides(tenant: Tenant) -> None:
    task, first, second = open_task(tenant), reviewer(tenant), reviewer(tenant)
    with pytest.raises(Conflict) as refused:
        _decide(tenant, task, first)
    assert refused.value.code == "review_not_claimed"
    _claim(tenant, task, first)
    with pytest.raises(Conflict) as refused:
        _claim(tenant, task, second)
    assert refused.value.code == "review_claimed"
    with pytest.raises(Conflict) as refused:
        _decide(tenant, task, second)
    assert refused.value.code == "review_not_claimed"
    assert _refresh(tenant, task).status == "open"


def test_an_abandoned_claim_expires_and_another_reviewer_takes_over(tenant: Tenant, settings: Any) -> None:
    task, first, second = open_task(tenant), reviewer(tenant), reviewer(tenant)
    _claim(tenant, task, first)
    with tenant_scope(tenant):
        ReviewTask.objects.filter(pk=task.pk).update(claim_expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(Conflict) as refused:
        _decide(tenant, task, first)  # the lapsed claim no longer lets the first reviewer decide
    assert refused.value.code == "review_not_claimed"
    assert _claim(tenant, task, second).assignee_id == second.pk
    _decide(tenant, task, second, "approve")


@pytest.mark.parametrize("role", [Role.TENANT_ADMIN, Role.COMPLIANCE_OFFICER])
def test_only_the_reviewer_role_may_claim_or_decide(tenant: Tenant, role: str) -> None:
    task, user = open_task(tenant), reviewer(tenant, role)
    for act in (_claim, _decide):
        with pytest.raises(PermissionDenied) as refused:
            act(tenant, task, user)
        assert refused.value.code == "reviewer_required"
    assert _refresh(tenant, task).assignee_id is None


def test_a_reviewer_may_only_approve_or_reject(tenant: Tenant) -> None:
    task, user = open_task(tenant), reviewer(tenant)
    _claim(tenant, task, user)
    with pytest.raises(InvalidInput) as refused:
        _decide(tenant, task, user, "review")
    assert refused.value.code == "invalid_review_decision"
    assert _refresh(tenant, task).status == "open"


def test_a_reviewer_of_another_tenant_is_refused(tenant: Tenant) -> None:
    task, outsider = open_task(tenant), reviewer(TenantFactory())
    with pytest.raises(PermissionDenied):
        _claim(tenant, task, outsider)


# --- the admin ---------------------------------------------------------------------------------

QUEUE = "/admin/moderation/reviewtask/"


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_queue_lists_open_tasks_oldest_first_with_their_age(tenant: Tenant) -> None:
    newer, older = open_task(tenant, age=timedelta(hours=1)), open_task(tenant, age=timedelta(days=2))
    decided = open_task(tenant, age=timedelta(days=3))
    user = reviewer(tenant)
    _claim(tenant, decided, user)
    _decide(tenant, decided, user)
    page = _signed_in(user).get(QUEUE).content.decode()
    assert page.index(older.public_id) < page.index(newer.public_id)
    assert decided.public_id not in page
    assert "2\xa0days ⚠" in page  # past the 24-hour SLA
    assert decided.public_id in _signed_in(user).get(QUEUE + "?queue=decided").content.decode()


def test_a_reviewer_claims_then_decides_in_the_admin(tenant: Tenant) -> None:
    task, user = open_task(tenant), reviewer(tenant)
    client = _signed_in(user)
    claimed = client.post(QUEUE, {"action": "claim", "_selected_action": [task.pk]}, follow=True)
    assert "Claimed 1 task(s)." in claimed.content.decode()
    change = f"{QUEUE}{task.pk}/change/"
    assert "Violence" in client.get(change).content.decode()
    response = client.post(change, {"decision": "reject", "note": "knife"})
    assert response.status_code == 302
    done = _refresh(tenant, task)
    assert (done.status, done.decision, done.note, done.result.final_decision) == (
        "decided",
        "reject",
        "knife",
        "reject",
    )
    assert client.get(change).status_code == 200  # a decided task is shown, read-only


def test_deciding_without_a_claim_is_a_form_error_and_changes_nothing(tenant: Tenant) -> None:
    task, user = open_task(tenant), reviewer(tenant)
    response = _signed_in(user).post(f"{QUEUE}{task.pk}/change/", {"decision": "approve", "note": ""})
    assert response.status_code == 200
    assert "before deciding it" in response.content.decode()
    assert _refresh(tenant, task).status == "open"


def test_a_tenant_admin_sees_the_queue_but_may_not_claim_or_decide(tenant: Tenant) -> None:
    task = open_task(tenant)
    admin_client = _signed_in(reviewer(tenant, Role.TENANT_ADMIN))
    page = admin_client.get(QUEUE).content.decode()
    assert task.public_id in page
    assert 'value="claim"' not in page
    assert admin_client.post(f"{QUEUE}{task.pk}/change/", {"decision": "approve"}).status_code == 403
    assert _signed_in(reviewer(tenant, Role.COMPLIANCE_OFFICER)).get(QUEUE).status_code == 403


def test_a_tenant_admin_adds_a_policy_version_in_the_admin(tenant: Tenant) -> None:
    client = _signed_in(reviewer(tenant, Role.TENANT_ADMIN))
    form = client.get("/admin/moderation/moderationpolicy/add/").content.decode()
    assert "Hate Symbols" in form  # prefilled with the rules in force
    rules = default_rules() | {"Violence": {"review_at": 20, "reject_at": 40}}
    response = client.post("/admin/moderation/moderationpolicy/add/", {"rules": json.dumps(rules)})
    assert response.status_code == 302
    bad = client.post(
        "/admin/moderation/moderationpolicy/add/",
        {"rules": json.dumps({"Violence": {"review_at": 50, "reject_at": 40}})},
    )
    assert "must not exceed reject_at" in bad.content.decode()
    with tenant_scope(tenant):
        newest, first = ModerationPolicy.objects.all()
        assert AuditEvent.objects.filter(event_name="CreatePolicyVersion").count() == 1
    assert (newest.version, newest.rules["Violence"]) == (2, {"review_at": 20.0, "reject_at": 40.0})
    assert (first.version, first.rules) == (1, default_rules())
