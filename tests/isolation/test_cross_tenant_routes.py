"""Every /v1/ route and every admin model has a cross-tenant case, and a new one cannot ship without.

``API_CASES`` maps each named /v1/ route (read from the real URL resolver) to a case in which
tenant A owns something and tenant B's key asks for it: B gets the 404 a missing id gets, or a
list without it. ``ADMIN_CASES`` does the same for each model of ``admin.site._registry`` with
tenant B's admin: A's row is not in B's changelist, and opening it answers as a missing id does.
The two meta-tests fail when a route or admin model is added without a case.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.exports import export_request
from audit.identity import system_identity
from audit.models import AuditEvent, AuditExport, AuditSettings
from audit.recording import record_event
from config.aws import aws_client
from moderation.models import ModerationPolicy, ModerationResult, ModerationSettings, ReviewTask
from moderation.policies import default_rules
from tenants.models import Role, Tenant, Threshold
from tenants.scope import platform_scope, tenant_scope
from tests.conftest import Caller, make_caller, make_test_caller
from tests.factories import (
    FaceFactory,
    MembershipFactory,
    SubjectFactory,
    VerificationFactory,
    as_edge,
    issue_key,
    with_key_and_bucket,
    with_kms_key,
)
from verification.erasure import erasure_request
from verification.images import ImageInput
from verification.models import BatchIndexItem, BatchIndexJob, VerificationSettings
from verification.services import consent_create, verification_create
from webhooks.models import Delivery, DeliveryAttempt
from webhooks.outbox import event_emit
from webhooks.services import webhook_endpoint_create

pytestmark = pytest.mark.django_db

ApiCase = Callable[[Caller, Caller], None]
AdminCase = Callable[[Tenant, Tenant], None]

API_PREFIX = "v1/"
FACE_PHOTO = Path(__file__).resolve().parents[1] / "fixtures" / "faces" / "person_a_1.jpg"
EXPORT_RANGE = {"start_time": "2025-03-01T09:00:00Z", "end_time": "2025-03-01T10:00:00Z"}


def api_route_names() -> set[str]:
    """The name of every route under /v1/, from the URL resolver the server uses."""

    def walk(patterns: list[URLPattern | URLResolver], prefix: str) -> set[str]:
        names = set()
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                names |= walk(pattern.url_patterns, route)
            elif route.startswith(API_PREFIX):
                assert pattern.name, f"/{route} has no name, so it cannot have a cross-tenant case"
                names.add(pattern.name)
        return names

    return walk(get_resolver().url_patterns, "")


def _assert_same_as_missing(caller: Caller, foreign: str, missing: str) -> None:
    theirs, absent = caller.client.get(foreign), caller.client.get(missing)
    assert theirs.status_code == absent.status_code == 404
    assert theirs.json()["code"] == absent.json()["code"] == "not_found"


# --- API cases: `alice` owns the object, `bob` must not reach it --------------------------------


def tenant_case(alice: Caller, bob: Caller) -> None:
    seen = bob.client.get("/v1/tenant").json()
    assert seen["id"] == bob.tenant.public_id
    assert alice.tenant.public_id not in str(seen)
    assert alice.tenant.account_id not in str(seen)


def subject_list_case(alice: Caller, bob: Caller) -> None:
    alices = alice.client.post("/v1/subjects", {"external_id": "shared-id"}, format="json").json()
    assert alice.client.get("/v1/subjects").json()["results"] == [alices]
    assert bob.client.get("/v1/subjects").json()["results"] == []
    assert bob.client.get("/v1/subjects?external_id=shared-id").json()["results"] == []
    created = bob.client.post("/v1/subjects", {"external_id": "shared-id"}, format="json")
    assert created.status_code == 201  # external ids are unique per tenant, not globally
    assert [s["id"] for s in bob.client.get("/v1/subjects").json()["results"]] == [created.json()["id"]]


def subject_detail_case(alice: Caller, bob: Caller) -> None:
    alices = alice.client.post("/v1/subjects", {"external_id": "alice-1"}, format="json").json()
    assert alice.client.get(f"/v1/subjects/{alices['id']}").status_code == 200
    _assert_same_as_missing(bob, f"/v1/subjects/{alices['id']}", "/v1/subjects/sub_doesnotexist000000000000")
    # Bob cannot erase Alice's subject either: a 404, and no erasure requested.
    assert bob.client.delete(f"/v1/subjects/{alices['id']}").status_code == 404
    assert alice.client.get("/v1/erasures").json()["results"] == []
    assert alice.client.get(f"/v1/subjects/{alices['id']}").json()["external_id"] == "alice-1"


def subject_consent_withdraw_case(alice: Caller, bob: Caller) -> None:
    alices = _consenting_subject(alice)
    consent = alice.client.get(f"/v1/subjects/{alices}/consents").json()["results"][0]["id"]
    withdrawn = bob.client.post(f"/v1/subjects/{alices}/consents/{consent}/withdraw", {}, format="json")
    missing = bob.client.post(f"/v1/subjects/{alices}/consents/con_doesnotexist0000000000/withdraw", {}, format="json")
    assert withdrawn.status_code == missing.status_code == 404
    assert alice.client.get(f"/v1/subjects/{alices}/consents").json()["results"][0]["active"] is True


def subject_export_case(alice: Caller, bob: Caller) -> None:
    alices = _consenting_subject(alice)
    assert alice.client.get(f"/v1/subjects/{alices}/export").json()["subject"]["id"] == alices
    _assert_same_as_missing(bob, f"/v1/subjects/{alices}/export", "/v1/subjects/sub_doesnotexist0000000000/export")


def _alices_erasure(alice: Caller) -> str:
    subject_id = _consenting_subject(alice)
    requested = alice.client.delete(f"/v1/subjects/{subject_id}")
    assert requested.status_code == 202, requested.content
    erasure_id: str = requested.json()["id"]
    return erasure_id


def erasure_list_case(alice: Caller, bob: Caller) -> None:
    alices = _alices_erasure(alice)
    assert [e["id"] for e in alice.client.get("/v1/erasures").json()["results"]] == [alices]
    assert bob.client.get("/v1/erasures").json()["results"] == []


def erasure_detail_case(alice: Caller, bob: Caller) -> None:
    alices = _alices_erasure(alice)
    assert alice.client.get(f"/v1/erasures/{alices}").status_code == 200
    _assert_same_as_missing(bob, f"/v1/erasures/{alices}", "/v1/erasures/era_doesnotexist000000000000")


def erasure_receipt_case(alice: Caller, bob: Caller) -> None:
    alices = _alices_erasure(alice)
    assert alice.client.get(f"/v1/erasures/{alices}/receipt").json()["code"] == "erasure_not_completed"
    _assert_same_as_missing(bob, f"/v1/erasures/{alices}/receipt", "/v1/erasures/era_doesnotexist000000000000/receipt")


CONSENT = {"purpose": "biometric_verification", "text_version": "v1", "method": "checkbox"}


def _consenting_subject(caller: Caller) -> str:
    subject_id: str = caller.client.post("/v1/subjects", {}, format="json").json()["id"]
    assert caller.client.post(f"/v1/subjects/{subject_id}/consents", CONSENT, format="json").status_code == 201
    return subject_id


def subject_consent_list_case(alice: Caller, bob: Caller) -> None:
    alices = _consenting_subject(alice)
    assert len(alice.client.get(f"/v1/subjects/{alices}/consents").json()["results"]) == 1
    _assert_same_as_missing(bob, f"/v1/subjects/{alices}/consents", "/v1/subjects/sub_doesnotexist0000000000/consents")
    # Bob can neither give consent for Alice's subject nor find it.
    given = bob.client.post(f"/v1/subjects/{alices}/consents", CONSENT, format="json")
    assert given.status_code == 404
    assert len(alice.client.get(f"/v1/subjects/{alices}/consents").json()["results"]) == 1


def _alices_verification(alice: Caller) -> str:
    with_key_and_bucket(alice.tenant)  # the selfie is stored in the tenant's bucket (moto)
    created = alice.client.post(
        "/v1/verifications",
        {"type": "identification", "selfie": {"bytes": base64.b64encode(FACE_PHOTO.read_bytes()).decode()}},
        format="json",
    )
    assert created.status_code == 202, created.content
    verification_id: str = created.json()["id"]
    return verification_id


def verification_list_case(alice: Caller, bob: Caller) -> None:
    alices = _alices_verification(alice)
    assert [v["id"] for v in alice.client.get("/v1/verifications").json()["results"]] == [alices]
    assert bob.client.get("/v1/verifications").json()["results"] == []
    # Bob cannot verify against Alice's subject: it does not exist for him.
    subject_id = _consenting_subject(alice)
    attempt = bob.client.post(
        "/v1/verifications",
        {
            "type": "authentication",
            "subject_id": subject_id,
            "selfie": {"bytes": base64.b64encode(FACE_PHOTO.read_bytes()).decode()},
        },
        format="json",
    )
    assert (attempt.status_code, attempt.json()["code"]) == (404, "not_found")
    assert bob.client.get(f"/v1/verifications?subject_id={subject_id}").json()["results"] == []


def verification_detail_case(alice: Caller, bob: Caller) -> None:
    alices = _alices_verification(alice)
    assert alice.client.get(f"/v1/verifications/{alices}").status_code == 200
    _assert_same_as_missing(bob, f"/v1/verifications/{alices}", "/v1/verifications/ver_doesnotexist000000000000")


def _alices_events(alice: Caller) -> list[dict[str, Any]]:
    alice.client.post("/v1/subjects", {"external_id": "alice-1"}, format="json", headers={"X-Request-Id": "alice-req"})
    events: list[dict[str, Any]] = alice.client.get("/v1/audit/events").json()["results"]
    assert events
    return events


def audit_event_list_case(alice: Caller, bob: Caller) -> None:
    alices = {event["eventID"] for event in _alices_events(alice)}
    bobs = bob.client.get("/v1/audit/events").json()["results"]
    assert not alices & {event["eventID"] for event in bobs}
    assert {event["recipientAccountId"] for event in bobs} <= {bob.tenant.account_id}
    assert bob.client.get("/v1/audit/events?request_id=alice-req").json()["results"] == []


def audit_event_detail_case(alice: Caller, bob: Caller) -> None:
    event_id = _alices_events(alice)[0]["eventID"]
    assert alice.client.get(f"/v1/audit/events/{event_id}").status_code == 200
    _assert_same_as_missing(bob, f"/v1/audit/events/{event_id}", f"/v1/audit/events/{uuid.uuid4()}")


def audit_export_list_case(alice: Caller, bob: Caller) -> None:
    # POST only: the same Idempotency-Key must not replay the other tenant's export.
    key = {"Idempotency-Key": "export-1"}
    alices = alice.client.post("/v1/audit/exports", EXPORT_RANGE, format="json", headers=key)
    bobs = bob.client.post("/v1/audit/exports", EXPORT_RANGE, format="json", headers=key)
    assert alices.status_code == bobs.status_code == 202
    assert "Idempotent-Replayed" not in bobs
    assert bobs.json()["id"] != alices.json()["id"]
    with platform_scope():
        owners = dict(AuditExport.objects.values_list("public_id", "tenant_id"))
    assert owners == {alices.json()["id"]: alice.tenant.pk, bobs.json()["id"]: bob.tenant.pk}


def audit_export_detail_case(alice: Caller, bob: Caller) -> None:
    alices = alice.client.post("/v1/audit/exports", EXPORT_RANGE, format="json").json()
    assert alice.client.get(f"/v1/audit/exports/{alices['id']}").status_code == 200
    _assert_same_as_missing(bob, f"/v1/audit/exports/{alices['id']}", "/v1/audit/exports/exp_doesnotexist0000000000")


def _read_document(caller: Caller, idempotency_key: str) -> Any:
    """POST /v1/documents with DetectText answered by a Stubber (and KMS by moto, for the sealed text)."""
    with_key_and_bucket(caller.tenant)  # the page is kept in the tenant's bucket (moto)
    with Stubber(aws_client("rekognition", caller.tenant.region)) as stub:
        stub.add_response("detect_text", {"TextDetections": [{"DetectedText": "UTOPIA", "Type": "LINE", "Id": 0}]})
        image = {"bytes": base64.b64encode(FACE_PHOTO.read_bytes()).decode()}
        return caller.client.post(
            "/v1/documents", {"image": image}, format="json", headers={"Idempotency-Key": idempotency_key}
        )


def document_list_case(alice: Caller, bob: Caller) -> None:
    # POST only: the same Idempotency-Key must not replay the other tenant's document.
    alices, bobs = _read_document(alice, "page-1"), _read_document(bob, "page-1")
    assert alices.status_code == bobs.status_code == 201
    assert "Idempotent-Replayed" not in bobs
    assert bobs.json()["id"] != alices.json()["id"]


def document_detail_case(alice: Caller, bob: Caller) -> None:
    alices = _read_document(alice, "page-2").json()["id"]
    assert alice.client.get(f"/v1/documents/{alices}").status_code == 200
    _assert_same_as_missing(bob, f"/v1/documents/{alices}", "/v1/documents/doc_doesnotexist000000000000")


def _create_liveness_session(caller: Caller, idempotency_key: str) -> Any:
    """POST /v1/liveness-sessions with CreateFaceLivenessSession answered by a Stubber."""
    with Stubber(aws_client("rekognition", caller.tenant.region)) as stub:
        stub.add_response("create_face_liveness_session", {"SessionId": str(uuid.uuid4())})
        return caller.client.post(
            "/v1/liveness-sessions", {}, format="json", headers={"Idempotency-Key": idempotency_key}
        )


def liveness_session_list_case(alice: Caller, bob: Caller) -> None:
    # POST only: the same Idempotency-Key must not replay the other tenant's session.
    alices, bobs = _create_liveness_session(alice, "live-1"), _create_liveness_session(bob, "live-1")
    assert alices.status_code == bobs.status_code == 201
    assert "Idempotent-Replayed" not in bobs
    assert bobs.json()["id"] != alices.json()["id"]
    assert bobs.json()["session_id"] != alices.json()["session_id"]


def liveness_session_detail_case(alice: Caller, bob: Caller) -> None:
    alices = _create_liveness_session(alice, "live-2").json()
    with Stubber(aws_client("rekognition", alice.tenant.region)) as stub:
        stub.add_response("get_face_liveness_session_results", {"SessionId": alices["session_id"], "Status": "CREATED"})
        assert alice.client.get(f"/v1/liveness-sessions/{alices['id']}").status_code == 200
    # Bob's lookup fails before any engine call (the Stubber would refuse an unexpected one).
    with Stubber(aws_client("rekognition", bob.tenant.region)):
        _assert_same_as_missing(
            bob, f"/v1/liveness-sessions/{alices['id']}", "/v1/liveness-sessions/liv_doesnotexist000000000000"
        )


def _alices_batch_job(alice: Caller, idempotency_key: str = "batch-1") -> Any:
    """POST /v1/batch-index-jobs naming a manifest in Alice's storage (the job is not run here)."""
    manifest = {"bucket": alice.tenant.storage_bucket, "name": f"{alice.tenant.storage_prefix}manifests/m.csv"}
    return alice.client.post(
        "/v1/batch-index-jobs", {"manifest": manifest}, format="json", headers={"Idempotency-Key": idempotency_key}
    )


def batch_index_job_list_case(alice: Caller, bob: Caller) -> None:
    alices = _alices_batch_job(alice)
    assert alices.status_code == 202, alices.content
    assert [job["id"] for job in alice.client.get("/v1/batch-index-jobs").json()["results"]] == [alices.json()["id"]]
    assert bob.client.get("/v1/batch-index-jobs").json()["results"] == []
    # The same Idempotency-Key must not replay Alice's job; her manifest is outside Bob's storage.
    manifest = {"bucket": alice.tenant.storage_bucket, "name": f"{alice.tenant.storage_prefix}manifests/m.csv"}
    bobs = bob.client.post(
        "/v1/batch-index-jobs", {"manifest": manifest}, format="json", headers={"Idempotency-Key": "batch-1"}
    )
    assert (bobs.status_code, bobs.json()["code"]) == (400, "invalid_s3_object")


def batch_index_job_detail_case(alice: Caller, bob: Caller) -> None:
    alices = _alices_batch_job(alice).json()["id"]
    assert alice.client.get(f"/v1/batch-index-jobs/{alices}").status_code == 200
    _assert_same_as_missing(bob, f"/v1/batch-index-jobs/{alices}", "/v1/batch-index-jobs/job_doesnotexist0000000000")


def batch_index_item_list_case(alice: Caller, bob: Caller) -> None:
    alices = _alices_batch_job(alice).json()["id"]
    assert alice.client.get(f"/v1/batch-index-jobs/{alices}/items").status_code == 200
    _assert_same_as_missing(
        bob, f"/v1/batch-index-jobs/{alices}/items", "/v1/batch-index-jobs/job_doesnotexist0000000000/items"
    )


def _moderation_result(tenant: Tenant, media_type: str = "image") -> ModerationResult:
    """A decided result of ``tenant``'s, sent to review, written as the services write it."""
    with tenant_scope(tenant):
        policy = ModerationPolicy.objects.create(tenant=tenant, version=1, rules=default_rules())
        result = ModerationResult.objects.create(
            tenant=tenant, media_type=media_type, status="succeeded", policy=policy, decision="review"
        )
        ReviewTask.objects.create(tenant=tenant, result=result)
    return result


def moderation_policy_case(alice: Caller, bob: Caller) -> None:
    strict = {"categories": {"Violence": {"review_at": 10, "reject_at": 20}}}
    assert alice.client.put("/v1/moderation/policy", strict, format="json").json()["version"] == 2
    bobs = bob.client.get("/v1/moderation/policy").json()
    assert (bobs["version"], bobs["categories"]["Violence"]) == (1, {"review_at": 60.0, "reject_at": 80.0})
    _assert_same_as_missing(bob, "/v1/moderation/policy?version=2", "/v1/moderation/policy?version=99")


def moderation_list_case(media: str) -> ApiCase:
    def case(alice: Caller, bob: Caller) -> None:
        result = _moderation_result(alice.tenant, media.removesuffix("s"))
        assert [r["id"] for r in alice.client.get(f"/v1/moderation/{media}").json()["results"]] == [result.public_id]
        assert bob.client.get(f"/v1/moderation/{media}").json()["results"] == []
        assert bob.client.get(f"/v1/moderation/{media}?decision=review").json()["results"] == []

    return case


def moderation_detail_case(media: str) -> ApiCase:
    def case(alice: Caller, bob: Caller) -> None:
        result = _moderation_result(alice.tenant, media.removesuffix("s"))
        path = f"/v1/moderation/{media}/{result.public_id}"
        assert alice.client.get(path).status_code == 200
        _assert_same_as_missing(bob, path, f"/v1/moderation/{media}/mod_doesnotexist00000000000")

    return case


def moderation_stats_case(alice: Caller, bob: Caller) -> None:
    _moderation_result(alice.tenant)
    assert alice.client.get("/v1/moderation/stats").json()["outcomes"]["review"] == 1
    bobs = bob.client.get("/v1/moderation/stats").json()
    assert bobs["outcomes"] == {"approve": 0, "review": 0, "reject": 0, "failed": 0}
    assert (bobs["decisions"], bobs["queue"]["open"]) == ([], 0)


def kpis_case(alice: Caller, bob: Caller) -> None:
    """Alice's verifications and faces are in her KPIs, never in Bob's."""
    VerificationFactory(tenant=alice.tenant, status="rejected", reasons=[{"code": "quality.pose", "step": "quality"}])
    FaceFactory(tenant=alice.tenant)
    alices = alice.client.get("/v1/kpis").json()
    assert (alices["verifications"]["registration"]["rejected"], alices["faces"]["indexed"]) == (1, 1)
    bobs = bob.client.get("/v1/kpis").json()
    assert {kind: outcomes["total"] for kind, outcomes in bobs["verifications"].items()} == dict.fromkeys(
        bobs["verifications"], 0
    )
    assert (bobs["reasons"], bobs["quality_failures"], bobs["faces"]["indexed"]) == ([], [], 0)


def _review_task(tenant: Tenant) -> ReviewTask:
    result = _moderation_result(tenant)
    with tenant_scope(tenant):
        return ReviewTask.objects.get(result=result)


def review_list_case(alice: Caller, bob: Caller) -> None:
    task = _review_task(alice.tenant)
    assert [r["id"] for r in alice.client.get("/v1/reviews").json()["results"]] == [task.public_id]
    assert bob.client.get("/v1/reviews").json()["results"] == []


def review_detail_case(alice: Caller, bob: Caller) -> None:
    task = _review_task(alice.tenant)
    assert alice.client.get(f"/v1/reviews/{task.public_id}").status_code == 200
    _assert_same_as_missing(bob, f"/v1/reviews/{task.public_id}", "/v1/reviews/rev_doesnotexist000000000000")


def review_action_case(action: str) -> ApiCase:
    """Bob's reviewer cannot claim or decide Alice's task: it is as missing as an unknown id, and untouched."""

    def case(alice: Caller, bob: Caller) -> None:
        task = _review_task(alice.tenant)
        reviewer = MembershipFactory(tenant=bob.tenant, role=Role.REVIEWER).user.get_username()
        body = {"reviewer": reviewer, "decision": "approve"} if action == "decision" else {"reviewer": reviewer}
        for review_id in (task.public_id, "rev_doesnotexist000000000000"):
            response = bob.client.post(f"/v1/reviews/{review_id}/{action}", body, format="json")
            assert (response.status_code, response.json()["code"]) == (404, "not_found")
        with tenant_scope(alice.tenant):
            untouched = ReviewTask.objects.get(pk=task.pk)
        assert (untouched.assignee_id, untouched.status) == (None, "open")

    return case


def tenant_neutral(path: str) -> ApiCase:
    """A platform route: it answers every tenant, and names none of them."""

    def case(alice: Caller, bob: Caller) -> None:
        for caller in (alice, bob):
            response = caller.client.get(path)
            assert response.status_code == 200
            for tenant in (alice.tenant, bob.tenant):
                for identifier in (tenant.public_id, tenant.account_id, tenant.slug):
                    assert identifier not in response.content.decode()

    return case


# --- Webhooks ---------------------------------------------------------------------------------------
WEBHOOK_URL = "http://127.0.0.1:9/hooks"  # development settings allow loopback receivers


def _webhook_endpoint(caller: Caller) -> dict[str, Any]:
    with_kms_key(caller.tenant)  # the signing secret is sealed under the tenant's key
    created = caller.client.post("/v1/webhook-endpoints", {"url": WEBHOOK_URL, "enabled_events": ["*"]}, format="json")
    assert created.status_code == 201, created.content
    body: dict[str, Any] = created.json()
    return body


def _webhook_event(caller: Caller) -> str:
    with tenant_scope(caller.tenant), transaction.atomic():
        return event_emit(
            tenant=caller.tenant, type="verification.completed", data={"object": "verification"}
        ).public_id


def webhook_endpoint_list_case(alice: Caller, bob: Caller) -> None:
    alices = _webhook_endpoint(alice)
    assert [e["id"] for e in alice.client.get("/v1/webhook-endpoints").json()["results"]] == [alices["id"]]
    assert bob.client.get("/v1/webhook-endpoints").json()["results"] == []


def webhook_endpoint_detail_case(alice: Caller, bob: Caller) -> None:
    alices = _webhook_endpoint(alice)
    url, missing = f"/v1/webhook-endpoints/{alices['id']}", "/v1/webhook-endpoints/whe_doesnotexist0000000000"
    assert alice.client.get(url).status_code == 200
    _assert_same_as_missing(bob, url, missing)
    assert bob.client.patch(url, {"enabled": False}, format="json").status_code == 404
    assert bob.client.delete(url).status_code == 404
    assert alice.client.get(url).json()["enabled"] is True


def webhook_endpoint_rotate_secret_case(alice: Caller, bob: Caller) -> None:
    alices = _webhook_endpoint(alice)
    rotated = bob.client.post(f"/v1/webhook-endpoints/{alices['id']}/rotate-secret", {}, format="json")
    assert rotated.status_code == 404
    assert alice.client.get(f"/v1/webhook-endpoints/{alices['id']}").json()["secret_rotation_ends_at"] is None


def webhook_endpoint_attempts_case(alice: Caller, bob: Caller) -> None:
    alices = _webhook_endpoint(alice)
    assert alice.client.get(f"/v1/webhook-endpoints/{alices['id']}/attempts").status_code == 200
    _assert_same_as_missing(
        bob,
        f"/v1/webhook-endpoints/{alices['id']}/attempts",
        "/v1/webhook-endpoints/whe_doesnotexist0000000000/attempts",
    )


def event_list_case(alice: Caller, bob: Caller) -> None:
    alices = _webhook_event(alice)
    assert [e["id"] for e in alice.client.get("/v1/events").json()["results"]] == [alices]
    assert bob.client.get("/v1/events").json()["results"] == []


def event_detail_case(alice: Caller, bob: Caller) -> None:
    alices = _webhook_event(alice)
    assert alice.client.get(f"/v1/events/{alices}").status_code == 200
    _assert_same_as_missing(bob, f"/v1/events/{alices}", "/v1/events/evt_doesnotexist000000000000")


def event_redeliver_case(alice: Caller, bob: Caller) -> None:
    _webhook_endpoint(alice)
    alices = _webhook_event(alice)
    _webhook_endpoint(bob)  # bob has an endpoint that would take it
    theirs = bob.client.post(f"/v1/events/{alices}/redeliver", {}, format="json")
    missing = bob.client.post("/v1/events/evt_doesnotexist000000000000/redeliver", {}, format="json")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["code"] == missing.json()["code"] == "not_found"
    with tenant_scope(bob.tenant):
        assert Delivery.objects.count() == 0


API_CASES: dict[str, ApiCase] = {
    "tenant": tenant_case,
    "subject-list": subject_list_case,
    "subject-detail": subject_detail_case,
    "subject-consent-list": subject_consent_list_case,
    "subject-consent-withdraw": subject_consent_withdraw_case,
    "subject-export": subject_export_case,
    "erasure-list": erasure_list_case,
    "erasure-detail": erasure_detail_case,
    "erasure-receipt": erasure_receipt_case,
    "verification-list": verification_list_case,
    "verification-detail": verification_detail_case,
    "audit-event-list": audit_event_list_case,
    "audit-event-detail": audit_event_detail_case,
    "audit-export-list": audit_export_list_case,
    "audit-export-detail": audit_export_detail_case,
    "document-list": document_list_case,
    "batch-index-job-list": batch_index_job_list_case,
    "batch-index-job-detail": batch_index_job_detail_case,
    "batch-index-item-list": batch_index_item_list_case,
    "document-detail": document_detail_case,
    "liveness-session-list": liveness_session_list_case,
    "liveness-session-detail": liveness_session_detail_case,
    "kpis": kpis_case,
    "moderation-policy": moderation_policy_case,
    "moderation-image-list": moderation_list_case("images"),
    "moderation-image-detail": moderation_detail_case("images"),
    "moderation-video-list": moderation_list_case("videos"),
    "moderation-video-detail": moderation_detail_case("videos"),
    "moderation-stats": moderation_stats_case,
    "review-list": review_list_case,
    "review-detail": review_detail_case,
    "review-claim": review_action_case("claim"),
    "review-decision": review_action_case("decision"),
    # The digest signing keys are deployment-wide (audit.models.SigningKey), like CloudTrail's.
    "audit-public-keys": tenant_neutral("/v1/audit/public-keys"),
    "schema": tenant_neutral("/v1/schema"),
    "docs": tenant_neutral("/v1/docs"),
    "webhook-endpoint-list": webhook_endpoint_list_case,
    "webhook-endpoint-detail": webhook_endpoint_detail_case,
    "webhook-endpoint-rotate-secret": webhook_endpoint_rotate_secret_case,
    "webhook-endpoint-attempts": webhook_endpoint_attempts_case,
    "event-list": event_list_case,
    "event-detail": event_detail_case,
    "event-redeliver": event_redeliver_case,
}


def test_every_api_route_has_a_cross_tenant_case() -> None:
    assert api_route_names() == set(API_CASES)


@pytest.mark.parametrize("route", sorted(API_CASES))
@pytest.mark.usefixtures("fake_credentials", "aws")  # engine calls a Stubber answers; KMS, S3 by moto
def test_another_tenants_key_cannot_reach_the_object(route: str) -> None:
    API_CASES[route](make_caller(), make_caller())


@pytest.mark.parametrize("route", sorted(API_CASES))
@pytest.mark.usefixtures("fake_credentials", "aws", "test_mode_engine")
def test_a_test_key_never_reaches_live_objects(route: str) -> None:
    """Test mode is the tenant's test twin: the same cases hold between a live key and a test key of one tenant."""
    live = make_caller()
    API_CASES[route](live, make_test_caller(live.tenant))


@pytest.mark.parametrize("route", sorted(API_CASES))
@pytest.mark.usefixtures("fake_credentials", "aws", "test_mode_engine")
def test_a_live_key_never_reaches_test_objects(route: str) -> None:
    live = make_caller()
    API_CASES[route](make_test_caller(live.tenant), live)


# --- Admin cases: an object of tenant A, tenant B's tenant admin --------------------------------


def _admin_of(tenant: Tenant) -> Client:
    client = Client()
    client.force_login(MembershipFactory(tenant=tenant, role=Role.TENANT_ADMIN).user)
    return client


def _admin_url(model: type[Model], view: str, pk: Any = None) -> str:
    base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    return base if pk is None else f"{base}{pk}/{view}/"


def _absent_pk(model: type[Model]) -> int:
    with platform_scope():
        return int(model._default_manager.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


def _answers(client: Client, url: str) -> tuple[int, str]:
    response = client.get(url)
    return response.status_code, response.get("Location", "")


def tenant_owned(make: Callable[[Tenant], Model]) -> AdminCase:
    """A's row is listed for A's admin only; for B's admin, its views answer as a missing id's do."""

    def case(tenant_a: Tenant, tenant_b: Tenant) -> None:
        obj = make(tenant_a)
        model = type(obj)
        change = _admin_url(model, "change", obj.pk)
        assert change in _admin_of(tenant_a).get(_admin_url(model, "")).content.decode()
        bob = _admin_of(tenant_b)
        changelist = bob.get(_admin_url(model, ""))
        assert changelist.status_code == 200
        assert change not in changelist.content.decode()
        for view in ("change", "history", "delete"):
            theirs = _answers(bob, _admin_url(model, view, obj.pk))
            assert theirs == _answers(bob, _admin_url(model, view, _absent_pk(model))), view
            assert theirs[0] in (302, 403), view
        assert "doesn’t exist" in bob.get(change, follow=True).content.decode()

    return case


def tenant_rows(tenant_a: Tenant, tenant_b: Tenant) -> None:
    """A tenant's staff see their own tenant's row only (read-only); operators provision tenants."""
    bob = _admin_of(tenant_b)
    listed = bob.get(_admin_url(Tenant, "")).content.decode()
    assert _admin_url(Tenant, "change", tenant_b.pk) in listed
    assert _admin_url(Tenant, "change", tenant_a.pk) not in listed
    for view in ("change", "history"):
        assert _answers(bob, _admin_url(Tenant, view, tenant_a.pk)) == _answers(
            bob, _admin_url(Tenant, view, _absent_pk(Tenant))
        )
    assert bob.get(_admin_url(Tenant, "change", tenant_b.pk)).status_code == 200


def platform_only(make: Callable[[Tenant], Model]) -> AdminCase:
    """Users and groups span tenants: only operators manage them; tenant staff get 403."""

    def case(tenant_a: Tenant, tenant_b: Tenant) -> None:
        obj = make(tenant_a)
        model = type(obj)
        bob = _admin_of(tenant_b)
        assert bob.get(_admin_url(model, "")).status_code == 403
        for view in ("change", "history", "delete"):
            response = bob.get(_admin_url(model, view, obj.pk))
            assert response.status_code == 403, view
            assert str(obj) not in response.content.decode()

    return case


def _in_scope(tenant: Tenant, create: Callable[[], Model]) -> Model:
    with tenant_scope(tenant):
        return create()


def _event(tenant: Tenant) -> Model:
    recorded = record_event(
        tenant=tenant,
        event_source="verification.verity.local",
        event_name="CreateSubject",
        identity=system_identity(tenant),
        event_time=datetime.now(UTC) - timedelta(minutes=5),
    )
    return _in_scope(tenant, lambda: AuditEvent.objects.get(pk=recorded.id))


def _export(tenant: Tenant) -> Model:
    start = datetime(2025, 3, 1, 9, tzinfo=UTC)
    return _in_scope(
        tenant,
        lambda: as_edge(
            export_request,
            tenant=tenant,
            start_time=start,
            end_time=start + timedelta(hours=1),
            requested_by=system_identity(tenant),
        ),
    )


def _consent(tenant: Tenant) -> Model:
    subject = SubjectFactory(tenant=tenant)
    return _in_scope(
        tenant, lambda: consent_create(tenant=tenant, subject=subject, text_version="v1", method="checkbox")
    )


def _verification(tenant: Tenant) -> Model:
    with_key_and_bucket(tenant)
    selfie = ImageInput(data=FACE_PHOTO.read_bytes())
    return _in_scope(tenant, lambda: verification_create(tenant=tenant, type="identification", selfie=selfie))


def _batch_job(tenant: Tenant) -> Model:
    return _in_scope(
        tenant,
        lambda: BatchIndexJob.objects.create(
            tenant=tenant, manifest_bucket=tenant.storage_bucket, manifest_name=f"{tenant.storage_prefix}m.csv"
        ),
    )


def _batch_item(tenant: Tenant) -> Model:
    job = _batch_job(tenant)
    return _in_scope(tenant, lambda: BatchIndexItem.objects.create(tenant=tenant, job=job, line=1, external_id="x"))


def _erasure(tenant: Tenant) -> Model:
    subject = SubjectFactory(tenant=tenant)
    return _in_scope(
        tenant, lambda: erasure_request(tenant=tenant, subject=subject, reason="request", requested_by="test")
    )


def _member_user(tenant: Tenant) -> Model:
    user: Model = MembershipFactory(tenant=tenant, role=Role.REVIEWER).user
    return user


def _webhook_endpoint_row(tenant: Tenant) -> Model:
    with_kms_key(tenant)
    return _in_scope(
        tenant,
        lambda: webhook_endpoint_create(tenant=tenant, url="http://127.0.0.1:9/hooks", enabled_events=["*"]).endpoint,
    )


def _webhook_event_row(tenant: Tenant) -> Model:
    def emit() -> Model:
        with transaction.atomic():
            return event_emit(tenant=tenant, type="verification.completed", data={"object": "verification"})

    return _in_scope(tenant, emit)


def _webhook_attempt_row(tenant: Tenant) -> Model:
    endpoint, event = _webhook_endpoint_row(tenant), _webhook_event_row(tenant)

    def attempt() -> Model:
        delivery = Delivery.objects.get(event=event, endpoint=endpoint)
        return DeliveryAttempt.objects.create(
            tenant=tenant,
            delivery=delivery,
            endpoint=endpoint,
            event=event,
            url=endpoint.url,
            succeeded=False,
            status_code=500,
            latency_ms=3,
        )

    return _in_scope(tenant, attempt)


ADMIN_CASES: dict[str, AdminCase] = {
    "tenants.Tenant": tenant_rows,
    "tenants.Membership": tenant_owned(lambda t: MembershipFactory(tenant=t, role=Role.REVIEWER)),
    "tenants.Threshold": tenant_owned(
        lambda t: _in_scope(t, lambda: Threshold.objects.create(tenant=t, operation="CompareFaces", value=97))
    ),
    "tenants.ApiKey": tenant_owned(lambda t: _in_scope(t, lambda: issue_key(tenant=t).api_key)),
    "verification.Subject": tenant_owned(lambda t: SubjectFactory(tenant=t)),
    "verification.Consent": tenant_owned(_consent),
    "verification.Face": tenant_owned(lambda t: FaceFactory(tenant=t)),
    "verification.Verification": tenant_owned(_verification),
    "verification.Erasure": tenant_owned(_erasure),
    "verification.BatchIndexJob": tenant_owned(_batch_job),
    "verification.BatchIndexItem": tenant_owned(_batch_item),
    "verification.VerificationSettings": tenant_owned(
        lambda t: _in_scope(t, lambda: VerificationSettings.objects.create(tenant=t, duplicate_action="rejected"))
    ),
    "audit.AuditEvent": tenant_owned(_event),
    "audit.AuditExport": tenant_owned(_export),
    "audit.AuditSettings": tenant_owned(
        lambda t: _in_scope(t, lambda: AuditSettings.objects.create(tenant=t, retention_days=400))
    ),
    "moderation.ModerationSettings": tenant_owned(
        lambda t: _in_scope(t, lambda: ModerationSettings.objects.create(tenant=t, upload_retention_days=7))
    ),
    "moderation.ModerationPolicy": tenant_owned(
        lambda t: _in_scope(
            t, lambda: ModerationPolicy.objects.create(tenant=t, version=1, rules=default_rules(), created_by="x")
        )
    ),
    "moderation.ModerationResult": tenant_owned(lambda t: _moderation_result(t)),
    "moderation.ReviewTask": tenant_owned(lambda t: _in_scope(t, lambda: _moderation_result(t).review_task)),
    "webhooks.WebhookEndpoint": tenant_owned(_webhook_endpoint_row),
    "webhooks.Event": tenant_owned(_webhook_event_row),
    "webhooks.DeliveryAttempt": tenant_owned(_webhook_attempt_row),
    "auth.User": platform_only(_member_user),
    "auth.Group": platform_only(lambda t: Group.objects.create(name=f"group of {t.slug}")),
    # A staff member's second factor: only operators may reset it, never another tenant's staff.
    "otp_totp.TOTPDevice": platform_only(
        lambda t: TOTPDevice.objects.create(user=_member_user(t), name="phone", confirmed=True)
    ),
    "otp_static.StaticDevice": platform_only(
        lambda t: StaticDevice.objects.create(user=_member_user(t), name="recovery", confirmed=True)
    ),
}


def test_every_admin_model_has_a_cross_tenant_case() -> None:
    assert {model._meta.label for model in admin.site._registry} == set(ADMIN_CASES)


@pytest.mark.parametrize("model", sorted(ADMIN_CASES))
@pytest.mark.usefixtures("aws")  # a verification stores its selfie in the tenant's bucket (moto)
def test_another_tenants_admin_cannot_reach_the_object(model: str) -> None:
    ADMIN_CASES[model](make_caller().tenant, make_caller().tenant)
