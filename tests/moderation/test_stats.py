"""Moderation statistics: decisions by category and outcome, the queue, reviewer agreement; API and admin page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from moderation.models import ReviewTask
from tenants.models import Role
from tenants.scope import tenant_scope
from tests.conftest import Caller
from tests.factories import MembershipFactory, ModerationResultFactory, ReviewTaskFactory, UserFactory

pytestmark = pytest.mark.django_db


def _result(caller: Caller, *, age: timedelta = timedelta(0), **fields: Any) -> Any:
    with tenant_scope(caller.tenant):
        result = ModerationResultFactory(tenant=caller.tenant, **fields)
        type(result).objects.filter(pk=result.pk).update(created_at=timezone.now() - age)
    return result


def _reviewed(caller: Caller, category: str, decision: str) -> None:
    with tenant_scope(caller.tenant):
        task = ReviewTaskFactory(
            tenant=caller.tenant, result=ModerationResultFactory(tenant=caller.tenant, driving_category=category)
        )
        ReviewTask.objects.filter(pk=task.pk).update(status="decided", decision=decision, decided_at=timezone.now())


def test_decisions_are_counted_by_category_and_outcome_within_the_period(caller: Caller) -> None:
    _result(caller, decision="approve", driving_category="", labels=[])
    _result(caller, decision="reject", driving_category="Violence")
    _result(caller, decision="reject", driving_category="Violence")
    _result(caller, decision="reject", driving_category="Gambling")
    _result(caller, status="failed", decision="", driving_category="")
    _result(caller, decision="reject", driving_category="Violence", age=timedelta(days=40))  # before the period

    stats = caller.client.get("/v1/moderation/stats").json()

    assert stats["outcomes"] == {"approve": 1, "review": 0, "reject": 3, "failed": 1}
    assert stats["decisions"] == [
        {"category": None, "decision": "approve", "count": 1},
        {"category": "Gambling", "decision": "reject", "count": 1},
        {"category": "Violence", "decision": "reject", "count": 2},
    ]


def test_an_explicit_period_counts_only_what_it_covers(caller: Caller) -> None:
    _result(caller, decision="reject", driving_category="Violence", age=timedelta(days=40))
    _result(caller, decision="reject", driving_category="Violence")
    start = (timezone.now() - timedelta(days=45)).isoformat().replace("+00:00", "Z")
    end = (timezone.now() - timedelta(days=35)).isoformat().replace("+00:00", "Z")

    stats = caller.client.get("/v1/moderation/stats", {"from": start, "to": end}).json()

    assert stats["outcomes"]["reject"] == 1


def test_reviewer_agreement_is_the_share_of_flags_they_confirmed_per_category(caller: Caller) -> None:
    for decision in ("reject", "reject", "reject", "approve"):
        _reviewed(caller, "Violence", decision)
    _reviewed(caller, "Alcohol", "approve")

    reviews = caller.client.get("/v1/moderation/stats").json()["reviews"]

    assert reviews == [
        {"category": "Alcohol", "approved": 1, "rejected": 0, "agreement": 0.0},
        {"category": "Violence", "approved": 1, "rejected": 3, "agreement": 0.75},
    ]


def test_the_queue_counts_open_tasks_their_oldest_age_and_those_past_the_sla(caller: Caller) -> None:
    with tenant_scope(caller.tenant):
        for hours in (1, 30, 50):
            ReviewTaskFactory(tenant=caller.tenant, created_at=timezone.now() - timedelta(hours=hours))

    queue = caller.client.get("/v1/moderation/stats").json()["queue"]

    assert (queue["open"], queue["overdue"]) == (3, 2)
    assert 50 * 3600 <= queue["oldest_age_seconds"] < 50 * 3600 + 60


def test_an_empty_queue_has_no_oldest_age(caller: Caller) -> None:
    assert caller.client.get("/v1/moderation/stats").json()["queue"] == {
        "open": 0,
        "oldest_age_seconds": None,
        "overdue": 0,
    }


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"from": "2025-03-02T00:00:00Z", "to": "2025-03-01T00:00:00Z"}, "invalid_period"),
        ({"from": "2025-03-01T00:00:00Z", "to": "2025-03-01T00:00:00Z"}, "invalid_period"),
        ({"from": "yesterday"}, "validation_error"),
        ({"to": ""}, "validation_error"),
    ],
)
def test_a_bad_period_is_refused(caller: Caller, query: dict[str, str], code: str) -> None:
    response = caller.client.get("/v1/moderation/stats", query)
    assert (response.status_code, response.json()["code"]) == (400, code)


def test_the_admin_page_is_a_tenants_and_refused_to_an_operator_without_one(caller: Caller) -> None:
    admin = MembershipFactory(tenant=caller.tenant, role=Role.TENANT_ADMIN).user
    operator = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    assert client.get("/admin/moderation/moderationresult/stats/").status_code == 200
    client.force_login(operator)
    assert client.get("/admin/moderation/moderationresult/stats/").status_code == 403
