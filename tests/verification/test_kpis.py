"""The whitepaper's KPIs, computed from verifications and faces with known outcomes: API, selector, admin page."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEvent
from tenants.models import Role, Tenant
from tenants.scope import TenantScopeError, tenant_scope
from tests.conftest import Caller, make_caller
from tests.factories import (
    FaceCollectionFactory,
    FaceFactory,
    MembershipFactory,
    UserFactory,
    VerificationFactory,
    VerificationStepFactory,
)
from verification.kpis import verification_kpis
from verification.models import VerificationSettings

pytestmark = pytest.mark.django_db

QUALITY = [
    {"code": "quality.pose", "step": "quality", "detail": "Yaw 60°…"},
    {"code": "quality.sharpness", "step": "quality", "detail": "Sharpness 3.0…"},
]


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _verification(
    tenant: Tenant,
    *,
    type: str = "registration",
    status: str = "approved",
    age: timedelta = timedelta(hours=1),
    reasons: list[dict[str, str]] | None = None,
    similarities: dict[str, float] | None = None,
) -> Any:
    """A verification created ``age`` ago, its steps recording ``similarities`` (step name → similarity)."""
    verification = VerificationFactory(
        tenant=tenant, type=type, status=status, reasons=reasons or [], created_at=timezone.now() - age
    )
    for position, (step, similarity) in enumerate((similarities or {}).items()):
        VerificationStepFactory(
            tenant=tenant, verification=verification, position=position, name=step, result={"similarity": similarity}
        )
    return verification


def _reason(code: str, step: str) -> list[dict[str, str]]:
    return [{"code": code, "step": step, "detail": "…"}]


def known_verifications(tenant: Tenant) -> None:
    """The data set every count below is derived from (by hand): 30 days back from now is the period."""
    day = timedelta(days=1)
    # Registrations in the period.
    _verification(tenant, similarities={"compare": 99.5})
    _verification(tenant, similarities={"compare": 96.0})
    _verification(tenant, status="rejected", reasons=QUALITY)
    mismatch = _reason("compare.mismatch", "compare")
    _verification(tenant, status="rejected", reasons=mismatch, similarities={"compare": 42})
    _verification(
        tenant,
        status="needs_review",
        reasons=_reason("duplicate.found", "duplicate"),
        similarities={"compare": 97.0, "duplicate": 99.8},
    )
    _verification(tenant, status="rejected", reasons=_reason("duplicate.found", "duplicate"))
    _verification(tenant, status="failed", reasons=_reason("engine_throttled", "index"))
    _verification(tenant, status="failed", reasons=_reason("timeout", ""))  # failed by the sweeper while pending
    _verification(tenant, status="pending", age=timedelta(hours=30))  # abandoned: past 24 h
    _verification(tenant, status="processing", age=timedelta(hours=2))  # still in progress
    # Authentications and a photo update in the period.
    _verification(tenant, type="authentication", similarities={"authenticate": 99.9})
    _verification(tenant, type="authentication", status="rejected", reasons=_reason("auth.no_match", "authenticate"))
    _verification(tenant, type="authentication", status="rejected", reasons=_reason("quality.no_face", "quality"))
    _verification(tenant, type="authentication", status="processing", age=timedelta(hours=25))  # abandoned
    _verification(tenant, type="photo_update", similarities={"authenticate": 100.0})
    # Outside the period: 40 days old, whatever became of them.
    _verification(tenant, status="rejected", reasons=QUALITY, similarities={"compare": 12.0}, age=40 * day)
    _verification(tenant, status="pending", age=40 * day)
    # Faces: three indexed in the period, one of an old one replaced and deleted by a photo update,
    # one old one deleted by an erasure, one indexed before the period.
    now, shard = timezone.now(), FaceCollectionFactory(tenant=tenant)
    for _ in range(3):
        FaceFactory(tenant=tenant, collection=shard)
    replaced = {"status": "deleted", "retired_at": now, "deleted_at": now}
    FaceFactory(tenant=tenant, collection=shard, created_at=now - 60 * day, **replaced)
    FaceFactory(tenant=tenant, collection=shard, created_at=now - 60 * day, status="deleted", deleted_at=now - day)
    FaceFactory(tenant=tenant, collection=shard, created_at=now - 40 * day)


EXPECTED_VERIFICATIONS = {
    "registration": {
        "approved": 2,
        "rejected": 3,
        "needs_review": 1,
        "failed": 2,
        "abandoned": 1,
        "in_progress": 1,
        "total": 10,
    },
    "authentication": {
        "approved": 1,
        "rejected": 2,
        "needs_review": 0,
        "failed": 0,
        "abandoned": 1,
        "in_progress": 0,
        "total": 4,
    },
    "photo_update": {
        "approved": 1,
        "rejected": 0,
        "needs_review": 0,
        "failed": 0,
        "abandoned": 0,
        "in_progress": 0,
        "total": 1,
    },
    "identification": {
        "approved": 0,
        "rejected": 0,
        "needs_review": 0,
        "failed": 0,
        "abandoned": 0,
        "in_progress": 0,
        "total": 0,
    },
}


def _buckets(*counts: int) -> list[dict[str, int]]:
    edges = (0, 50, 80, 90, 95, 98, 99, 100)
    return [{"from": low, "to": high, "count": n} for low, high, n in zip(edges[:-1], edges[1:], counts, strict=True)]


def test_kpis_are_computed_from_known_verifications(caller: Caller) -> None:
    known_verifications(caller.tenant)

    kpis = caller.client.get("/v1/kpis").json()

    assert kpis["abandoned_after_hours"] == 24
    assert kpis["verifications"] == EXPECTED_VERIFICATIONS
    assert kpis["steps"] == [
        {"type": "authentication", "step": "authenticate", "count": 1},
        {"type": "authentication", "step": "quality", "count": 1},
        {"type": "registration", "step": None, "count": 1},
        {"type": "registration", "step": "compare", "count": 1},
        {"type": "registration", "step": "duplicate", "count": 2},
        {"type": "registration", "step": "index", "count": 1},
        {"type": "registration", "step": "quality", "count": 1},  # one verification, two failed checks
    ]
    assert kpis["reasons"] == [
        {"type": "authentication", "status": "rejected", "step": "authenticate", "code": "auth.no_match", "count": 1},
        {"type": "authentication", "status": "rejected", "step": "quality", "code": "quality.no_face", "count": 1},
        {"type": "registration", "status": "failed", "step": None, "code": "timeout", "count": 1},
        {"type": "registration", "status": "failed", "step": "index", "code": "engine_throttled", "count": 1},
        {"type": "registration", "status": "needs_review", "step": "duplicate", "code": "duplicate.found", "count": 1},
        {"type": "registration", "status": "rejected", "step": "compare", "code": "compare.mismatch", "count": 1},
        {"type": "registration", "status": "rejected", "step": "duplicate", "code": "duplicate.found", "count": 1},
        {"type": "registration", "status": "rejected", "step": "quality", "code": "quality.pose", "count": 1},
        {"type": "registration", "status": "rejected", "step": "quality", "code": "quality.sharpness", "count": 1},
    ]
    assert kpis["duplicates"] == {"attempts": 2, "needs_review": 1, "rejected": 1}
    assert kpis["quality_failures"] == [
        {"code": "quality.no_face", "count": 1},
        {"code": "quality.pose", "count": 1},
        {"code": "quality.sharpness", "count": 1},
    ]
    assert kpis["similarity"] == [
        {"type": "authentication", "step": "authenticate", "buckets": _buckets(0, 0, 0, 0, 0, 0, 1)},
        {"type": "photo_update", "step": "authenticate", "buckets": _buckets(0, 0, 0, 0, 0, 0, 1)},  # 100 included
        {"type": "registration", "step": "compare", "buckets": _buckets(1, 0, 0, 0, 2, 0, 1)},
        {"type": "registration", "step": "duplicate", "buckets": _buckets(0, 0, 0, 0, 0, 0, 1)},
    ]
    assert kpis["faces"] == {"indexed": 3, "updated": 1, "deleted": 2}


def test_an_explicit_period_counts_only_what_was_created_in_it(caller: Caller) -> None:
    known_verifications(caller.tenant)
    now = timezone.now()
    period = {"from": _iso(now - timedelta(days=45)), "to": _iso(now - timedelta(days=35))}

    kpis = caller.client.get("/v1/kpis", period).json()

    assert kpis["verifications"]["registration"] == {
        **EXPECTED_VERIFICATIONS["identification"],
        "rejected": 1,
        "abandoned": 1,
        "total": 2,
    }
    assert kpis["verifications"]["authentication"]["total"] == 0
    assert kpis["quality_failures"] == [{"code": "quality.pose", "count": 1}, {"code": "quality.sharpness", "count": 1}]
    assert kpis["similarity"] == [{"type": "registration", "step": "compare", "buckets": _buckets(1, 0, 0, 0, 0, 0, 0)}]
    assert kpis["faces"] == {"indexed": 1, "updated": 0, "deleted": 0}


def test_the_period_is_half_open(caller: Caller) -> None:
    created = _verification(caller.tenant).created_at
    at = {"from": _iso(created), "to": _iso(created + timedelta(microseconds=1))}
    before = {"from": _iso(created - timedelta(hours=1)), "to": _iso(created)}

    assert caller.client.get("/v1/kpis", at).json()["verifications"]["registration"]["approved"] == 1
    assert caller.client.get("/v1/kpis", before).json()["verifications"]["registration"]["approved"] == 0


def test_the_tenants_timeout_decides_what_is_abandoned(caller: Caller) -> None:
    known_verifications(caller.tenant)
    with tenant_scope(caller.tenant):
        VerificationSettings.objects.create(tenant=caller.tenant, abandoned_after_hours=48)

    kpis = caller.client.get("/v1/kpis").json()

    assert kpis["abandoned_after_hours"] == 48
    registrations, authentications = kpis["verifications"]["registration"], kpis["verifications"]["authentication"]
    assert (registrations["abandoned"], registrations["in_progress"]) == (0, 2)
    assert (authentications["abandoned"], authentications["in_progress"]) == (0, 1)


def test_another_tenants_verifications_and_faces_are_never_counted(two_tenants: tuple[Caller, Caller]) -> None:
    alice, bob = two_tenants
    known_verifications(alice.tenant)

    bobs = bob.client.get("/v1/kpis").json()

    assert bobs["verifications"] == {kind: EXPECTED_VERIFICATIONS["identification"] for kind in EXPECTED_VERIFICATIONS}
    assert (bobs["steps"], bobs["reasons"], bobs["quality_failures"], bobs["similarity"]) == ([], [], [], [])
    assert bobs["duplicates"] == {"attempts": 0, "needs_review": 0, "rejected": 0}
    assert bobs["faces"] == {"indexed": 0, "updated": 0, "deleted": 0}
    assert alice.client.get("/v1/kpis").json()["verifications"] == EXPECTED_VERIFICATIONS


def test_the_kpis_take_a_few_aggregate_queries_however_many_verifications(caller: Caller) -> None:
    known_verifications(caller.tenant)
    now = timezone.now()
    with tenant_scope(caller.tenant), CaptureQueriesContext(connection) as few:
        verification_kpis(start=now - timedelta(days=30), end=now, now=now)
    for _ in range(20):
        _verification(caller.tenant, status="rejected", reasons=QUALITY, similarities={"compare": 91.0})
    with tenant_scope(caller.tenant), CaptureQueriesContext(connection) as many:
        verification_kpis(start=now - timedelta(days=30), end=now, now=now)

    statements = [query["sql"] for query in many.captured_queries if query["sql"].lstrip().upper().startswith("SELECT")]
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(statements) == 6  # the tenant's settings, outcomes, reasons, steps, similarities, faces


def test_the_selector_needs_a_tenant_scope_and_never_opens_one() -> None:
    now = timezone.now()
    with pytest.raises(TenantScopeError):
        verification_kpis(start=now - timedelta(days=1), end=now, now=now)


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"from": "2025-03-02T00:00:00Z", "to": "2025-03-01T00:00:00Z"}, "invalid_period"),
        ({"from": "2025-03-01T00:00:00Z", "to": "2025-03-01T00:00:00Z"}, "invalid_period"),
        ({"from": "2024-01-01T00:00:00Z", "to": "2025-01-02T00:00:01Z"}, "period_too_long"),
        ({"from": "2020-01-01T00:00:00Z"}, "period_too_long"),  # to defaults to now
        ({"to": "2020-01-01T00:00:00Z", "from": "2020-02-01T00:00:00Z"}, "invalid_period"),
        ({"from": "yesterday"}, "validation_error"),
        ({"to": "2025-13-01T00:00:00Z"}, "validation_error"),
        ({"to": ""}, "validation_error"),
    ],
)
def test_a_bad_period_is_refused_as_a_problem(caller: Caller, query: dict[str, str], code: str) -> None:
    response = caller.client.get("/v1/kpis", query)

    assert (response.status_code, response["Content-Type"]) == (400, "application/problem+json")
    assert response.json()["code"] == code


def test_the_longest_period_is_accepted(caller: Caller) -> None:
    response = caller.client.get("/v1/kpis", {"from": "2024-01-01T00:00:00Z", "to": "2025-01-01T00:00:00Z"})
    assert response.status_code == 200  # 366 days, a leap year


def test_a_request_is_audited_as_get_kpis_with_its_period(caller: Caller) -> None:
    period = {"from": "2025-03-01T00:00:00Z", "to": "2025-03-31T00:00:00Z"}
    assert caller.client.get("/v1/kpis", period).status_code == 200

    with tenant_scope(caller.tenant):
        (record,) = [event.record for event in AuditEvent.objects.filter(event_name="GetKpis")]
    assert (record["eventSource"], record["readOnly"]) == ("verification.verity.local", True)
    assert record["requestParameters"] == period


def test_reasons_a_later_flow_records_are_counted_like_the_others(caller: Caller) -> None:
    """Liveness failures, say: a further step and reason code, with nothing to change in the KPIs."""
    liveness = _reason("liveness.failed", "liveness")
    _verification(caller.tenant, status="rejected", reasons=liveness)
    _verification(caller.tenant, status="rejected", reasons=liveness)

    kpis = caller.client.get("/v1/kpis").json()

    assert kpis["steps"] == [{"type": "registration", "step": "liveness", "count": 2}]
    assert kpis["reasons"] == [
        {"type": "registration", "status": "rejected", "step": "liveness", "code": "liveness.failed", "count": 2}
    ]


def test_a_key_whose_policy_does_not_allow_get_kpis_is_refused(db: None) -> None:
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "verification:GetVerification"}]}
    response = make_caller(policy=policy).client.get("/v1/kpis")
    assert (response.status_code, response.json()["code"], response.json()["action"]) == (
        403,
        "permission_denied",
        "verification:GetKpis",
    )


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_admin_page_is_for_a_tenants_admins_only(caller: Caller) -> None:
    page = "/admin/verification/verification/kpis/"
    admin = _signed_in(MembershipFactory(tenant=caller.tenant, role=Role.TENANT_ADMIN).user)
    assert admin.get(page).status_code == 200
    assert 'id="verification-kpis-link"' in admin.get("/admin/verification/verification/").content.decode()
    reviewer = _signed_in(MembershipFactory(tenant=caller.tenant, role=Role.REVIEWER).user)
    assert reviewer.get(page).status_code == 403
    assert 'id="verification-kpis-link"' not in reviewer.get("/admin/verification/verification/").content.decode()
    operator = _signed_in(UserFactory(is_staff=True, is_superuser=True))
    assert operator.get(page).status_code == 403  # KPIs are a tenant's


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ({"start": "2025-03-02", "end": "2025-03-01"}, "from must be before to."),
        ({"start": "2024-01-01", "end": "2025-01-01"}, "A period is at most 366 days."),
        ({"start": "2025-03-01", "end": ""}, "This field is required."),
    ],
)
def test_the_admin_page_refuses_a_bad_period_and_draws_nothing(
    caller: Caller, period: dict[str, str], message: str
) -> None:
    admin = _signed_in(MembershipFactory(tenant=caller.tenant, role=Role.TENANT_ADMIN).user)
    page = admin.get("/admin/verification/verification/kpis/", period).content.decode()
    assert message in page
    assert "chart-registration" not in page


def test_the_admin_page_charts_a_chosen_period(caller: Caller) -> None:
    known_verifications(caller.tenant)
    admin = _signed_in(MembershipFactory(tenant=caller.tenant, role=Role.TENANT_ADMIN).user)
    today = timezone.now().date()
    period = {"start": str(today - timedelta(days=45)), "end": str(today - timedelta(days=35))}

    page = admin.get("/admin/verification/verification/kpis/", period)

    document = page.context["kpis"]
    assert document["from"].date() == today - timedelta(days=45)
    assert document["to"].date() == today - timedelta(days=34)  # the end day included
    assert document["verifications"]["registration"]["total"] == 2


@pytest.mark.parametrize(("hours", "accepted"), [(1, True), (720, True), (0, False), (721, False)])
def test_a_tenant_admin_sets_the_abandonment_timeout_within_limits(caller: Caller, hours: int, accepted: bool) -> None:
    admin = _signed_in(MembershipFactory(tenant=caller.tenant, role=Role.TENANT_ADMIN).user)
    form = {
        "duplicate_action": "needs_review",
        "biometric_retention_days": 1095,
        "image_retention_days": 30,
        "abandoned_after_hours": hours,
        "liveness_threshold": 90,
    }

    response = admin.post("/admin/verification/verificationsettings/add/", form)

    with tenant_scope(caller.tenant):
        saved = list(VerificationSettings.objects.values_list("abandoned_after_hours", flat=True))
    assert saved == ([hours] if accepted else [])
    assert response.status_code == (302 if accepted else 200)
