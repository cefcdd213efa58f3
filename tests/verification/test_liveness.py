"""Face Liveness sessions: created and read over the API, consumed once by a registration whose
selfie is the session's reference image. The local endpoint completes sessions (no anti-spoofing)."""

from __future__ import annotations

import base64
import datetime
import json
import os
from collections.abc import Callable
from typing import Any

import pytest
from botocore.stub import ANY, Stubber
from django.utils import timezone

from config.aws import aws_client
from tests.committed import in_own_connection
from tests.conftest import Caller, make_caller
from tests.factories import TenantFactory, with_key_and_bucket
from tests.verification.conftest import active_faces, b64, in_scope, new_subject, photo
from tests.vision.endpoint.endpoint_helpers import post
from verification.flows import PendingStep
from verification.flows.liveness import liveness_check
from verification.models import Face, LivenessSession, Verification, VerificationSettings
from vision.gateway import Gateway
from vision.local.models import LivenessSession as EngineSession


def _complete(endpoint: str, session_id: str, image: bytes, confidence: float = 99.0) -> dict[str, Any]:
    """What the user's device does on AWS (Amplify streams video); locally, a signed local-only call."""
    body = {"SessionId": session_id, "ReferenceImage": {"Bytes": base64.b64encode(image).decode()}}
    status, answer = post(
        endpoint,
        "VerityLocal.CompleteFaceLivenessSession",
        json.dumps(body | {"Confidence": confidence}).encode(),
        os.environ["AWS_ACCESS_KEY_ID"],
        secret=os.environ["AWS_SECRET_ACCESS_KEY"],
    )
    assert status == 200, answer
    return answer


@pytest.fixture
def session_for(verifier: Caller, rekognition_endpoint: str) -> Callable[..., dict[str, Any]]:
    """A session created over the API and, unless ``image`` is None, completed with that photo."""

    def create(image: bytes | None, *, confidence: float = 99.0, subject_id: str | None = None) -> dict[str, Any]:
        body = {"subject_id": subject_id} if subject_id else {}
        created = verifier.client.post("/v1/liveness-sessions", body, format="json")
        assert created.status_code == 201, created.content
        if image is not None:
            _complete(rekognition_endpoint, created.json()["session_id"], image, confidence)
        return dict(created.json())

    return create


def _register(verifier: Caller, run_tasks: Callable[..., Any], subject_id: str, session: str, document: str) -> Any:
    with run_tasks():
        return verifier.client.post(
            "/v1/verifications",
            {
                "type": "registration",
                "subject_id": subject_id,
                "liveness_session_id": session,
                "id_document": b64(photo(document)),
            },
            format="json",
        )


def _final(verifier: Caller, response: Any) -> dict[str, Any]:
    assert response.status_code == 202, response.content
    found: dict[str, Any] = verifier.client.get(f"/v1/verifications/{response.json()['id']}").json()
    return found


def test_a_session_is_created_read_and_passes_by_the_tenants_threshold(
    verifier: Caller, session_for: Callable[..., dict[str, Any]]
) -> None:
    created = session_for(None)
    assert created["id"].startswith("liv_")
    assert created["status"] == "CREATED"
    assert created["passed"] is False
    assert created["verification_id"] is None
    read = verifier.client.get(f"/v1/liveness-sessions/{created['id']}").json()
    assert (read["status"], read["passed"]) == ("CREATED", False)

    done = session_for(photo("person_a_1"), confidence=95.0)
    read = verifier.client.get(f"/v1/liveness-sessions/{done['id']}").json()
    assert (read["status"], read["confidence"], read["passed"]) == ("SUCCEEDED", 95.0, True)
    in_scope(verifier, lambda: VerificationSettings.objects.create(tenant=verifier.tenant, liveness_threshold=96))
    assert verifier.client.get(f"/v1/liveness-sessions/{done['id']}").json()["passed"] is False
    assert "Bytes" not in json.dumps(read)
    assert "reference" not in json.dumps(read)


def test_a_session_for_a_subject_needs_its_consent_before_any_engine_call(verifier: Caller) -> None:
    subject_id = new_subject(verifier, consent=False)
    refused = verifier.client.post("/v1/liveness-sessions", {"subject_id": subject_id}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (409, "consent_required")
    assert in_scope(verifier, lambda: LivenessSession.objects.count()) == 0
    assert not EngineSession.objects.filter(account=os.environ["AWS_ACCESS_KEY_ID"]).exists()


def test_registration_compares_and_indexes_the_sessions_reference_image(
    verifier: Caller, run_tasks: Callable[..., Any], session_for: Callable[..., dict[str, Any]]
) -> None:
    subject_id = new_subject(verifier)
    session = session_for(photo("person_a_1"), subject_id=subject_id)
    result = _final(verifier, _register(verifier, run_tasks, subject_id, session["id"], "person_a_2"))
    assert result["status"] == "approved", result["reasons"]
    steps = {step["name"]: step for step in result["steps"]}
    assert list(steps)[:3] == ["consent", "liveness", "quality"]
    assert steps["liveness"]["result"]["passed"] is True
    assert steps["compare"]["result"]["similarity"] >= 80
    face = in_scope(verifier, lambda: Face.objects.get(subject__public_id=subject_id))
    # The face's reference image is the session's, written by the engine to the tenant's storage.
    assert face.image_location.startswith(
        f"s3://{verifier.tenant.storage_bucket}/{verifier.tenant.storage_prefix}liveness/"
    )
    assert active_faces(verifier, subject_id) == [face.face_id]
    read = verifier.client.get(f"/v1/liveness-sessions/{session['id']}").json()
    assert read["verification_id"] == result["id"]


def test_an_impostors_reference_image_does_not_match_the_document(
    verifier: Caller, run_tasks: Callable[..., Any], session_for: Callable[..., dict[str, Any]]
) -> None:
    subject_id = new_subject(verifier)
    session = session_for(photo("impostor_1"))
    result = _final(verifier, _register(verifier, run_tasks, subject_id, session["id"], "person_a_2"))
    assert (result["status"], result["reasons"][0]["code"]) == ("rejected", "compare.mismatch")


def test_a_session_is_used_once(
    verifier: Caller, run_tasks: Callable[..., Any], session_for: Callable[..., dict[str, Any]]
) -> None:
    session = session_for(photo("person_a_1"))
    first = _register(verifier, run_tasks, new_subject(verifier), session["id"], "person_a_2")
    assert first.status_code == 202
    before = in_scope(verifier, lambda: Verification.objects.count())
    again = _register(verifier, run_tasks, new_subject(verifier), session["id"], "person_a_2")
    assert (again.status_code, again.json()["code"]) == (409, "liveness.reused")
    assert in_scope(verifier, lambda: Verification.objects.count()) == before


@pytest.mark.parametrize(
    ("confidence", "expected"),
    [(89.9, "liveness.failed"), (90.0, None)],
)
def test_a_session_below_the_threshold_fails_the_registration(
    verifier: Caller,
    run_tasks: Callable[..., Any],
    session_for: Callable[..., dict[str, Any]],
    confidence: float,
    expected: str | None,
) -> None:
    session = session_for(photo("person_a_1"), confidence=confidence)
    result = _final(verifier, _register(verifier, run_tasks, new_subject(verifier), session["id"], "person_a_2"))
    if expected is None:
        assert result["status"] == "approved", result["reasons"]
    else:
        assert (result["status"], result["reasons"][0]["code"], result["reasons"][0]["step"]) == (
            "rejected",
            expected,
            "liveness",
        )
        assert not any(step["name"] == "index" for step in result["steps"])


def test_an_expired_or_unfinished_session_is_refused(
    verifier: Caller, run_tasks: Callable[..., Any], session_for: Callable[..., dict[str, Any]]
) -> None:
    unfinished = session_for(None)
    result = _final(verifier, _register(verifier, run_tasks, new_subject(verifier), unfinished["id"], "person_a_2"))
    assert result["reasons"][0]["code"] == "liveness.incomplete"

    expired = session_for(None)
    session_id = expired["session_id"]
    in_own_connection(
        lambda: EngineSession.objects.filter(session_id=session_id).update(
            created_at=timezone.now() - datetime.timedelta(minutes=3, seconds=1)
        )
    )
    result = _final(verifier, _register(verifier, run_tasks, new_subject(verifier), expired["id"], "person_a_2"))
    assert (result["status"], result["reasons"][0]["code"]) == ("rejected", "liveness.expired")


def test_a_tenant_that_requires_liveness_refuses_a_registration_without_a_session(
    verifier: Caller, run_tasks: Callable[..., Any]
) -> None:
    in_scope(verifier, lambda: VerificationSettings.objects.create(tenant=verifier.tenant, liveness_required=True))
    subject_id = new_subject(verifier)
    with run_tasks():
        refused = verifier.client.post(
            "/v1/verifications",
            {
                "type": "registration",
                "subject_id": subject_id,
                "selfie": b64(photo("person_a_1")),
                "id_document": b64(photo("person_a_2")),
            },
            format="json",
        )
    assert (refused.status_code, refused.json()["code"]) == (400, "liveness.required")
    assert in_scope(verifier, lambda: Verification.objects.count()) == 0


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"type": "authentication", "selfie": True}, "unexpected_liveness_session"),
        ({"type": "registration", "selfie": True, "id_document": True}, "unexpected_selfie"),
        ({"type": "registration", "id_document": True, "no_session": True}, "selfie_required"),
    ],
)
def test_bad_combinations_with_a_session_are_refused_and_write_nothing(
    verifier: Caller, session_for: Callable[..., dict[str, Any]], body: dict[str, Any], code: str
) -> None:
    session = session_for(photo("person_a_1"))
    request: dict[str, Any] = {"type": body["type"], "subject_id": new_subject(verifier)}
    if not body.get("no_session"):
        request["liveness_session_id"] = session["id"]
    if body.get("selfie"):
        request["selfie"] = b64(photo("person_a_1"))
    if body.get("id_document"):
        request["id_document"] = b64(photo("person_a_2"))
    refused = verifier.client.post("/v1/verifications", request, format="json")
    assert (refused.status_code, refused.json()["code"]) == (400, code)
    assert in_scope(verifier, lambda: Verification.objects.count()) == 0
    assert in_scope(verifier, lambda: LivenessSession.objects.get(public_id=session["id"]).consumed_by_id) is None


def test_another_tenants_session_is_not_found(
    verifier: Caller, run_tasks: Callable[..., Any], session_for: Callable[..., dict[str, Any]]
) -> None:
    session = session_for(photo("person_a_1"))
    other = make_caller(with_key_and_bucket(TenantFactory()))
    assert other.client.get(f"/v1/liveness-sessions/{session['id']}").status_code == 404
    subject_id = new_subject(other)
    refused = _register(other, run_tasks, subject_id, session["id"], "person_a_2")
    assert refused.status_code == 404
    assert in_scope(other, lambda: Verification.objects.count()) == 0
    assert in_scope(verifier, lambda: LivenessSession.objects.get(public_id=session["id"]).consumed_by_id) is None


class _AnsweringGateway:
    """The gateway's one call the liveness step makes, answering as Rekognition would."""

    def __init__(self, tenant: Any, answer: dict[str, Any]) -> None:
        self.tenant, self.answer = tenant, answer
        self.calls: list[Any] = []

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        self.calls.append((operation, params))
        return self.answer


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        ({"Status": "FAILED"}, "liveness.failed"),
        ({"Status": "SUCCEEDED"}, "liveness.failed"),  # no confidence: nothing to compare
        ({"Status": "SUCCEEDED", "Confidence": 99.0, "ReferenceImage": {"Bytes": b"x"}}, "liveness.no_reference_image"),
        (
            {
                "Status": "SUCCEEDED",
                "Confidence": 99.0,
                "ReferenceImage": {"S3Object": {"Bucket": "elsewhere", "Name": "p/x"}},
            },
            "liveness.no_reference_image",
        ),
    ],
)
def test_the_liveness_step_refuses_what_it_cannot_trust(answer: dict[str, Any], code: str) -> None:
    tenant = TenantFactory.build(storage_bucket="verity-own", storage_prefix="p/")
    step = PendingStep(
        tenant_id=1,
        verification_id=1,
        verification_public_id="ver_x",
        type="registration",
        name="liveness",
        resumed=False,
        subject_public_id="sub_x",
        liveness={"pk": 1, "public_id": "liv_x", "session_id": "s-1", "threshold": 90.0},
    )
    gateway = _AnsweringGateway(tenant, answer)
    outcome = liveness_check(gateway, step)  # type: ignore[arg-type]
    assert gateway.calls == [("GetFaceLivenessSessionResults", {"SessionId": "s-1"})]
    assert (outcome.passed, outcome.reasons[0]["code"], outcome.reference_image) == (False, code, None)
    assert "Bytes" not in json.dumps(outcome.liveness_answer, default=str)


def _object_exists(caller: Caller, key: str) -> bool:
    listed = aws_client("s3", caller.tenant.region).list_objects_v2(Bucket=caller.tenant.storage_bucket, Prefix=key)
    return bool(listed.get("KeyCount"))


def test_erasing_a_subject_deletes_its_sessions_reference_images_used_or_not(
    verifier: Caller,
    run_tasks: Callable[..., Any],
    erasures: list[list[Any]],
    session_for: Callable[..., dict[str, Any]],
) -> None:
    subject_id = new_subject(verifier)
    used = session_for(photo("person_a_1"), subject_id=subject_id)
    assert (
        _final(verifier, _register(verifier, run_tasks, subject_id, used["id"], "person_a_2"))["status"] == "approved"
    )
    unused = session_for(photo("person_a_2"), subject_id=subject_id)
    verifier.client.get(f"/v1/liveness-sessions/{unused['id']}")  # its result (and reference) recorded
    keys = [
        in_scope(verifier, lambda s=s: LivenessSession.objects.get(public_id=s["id"]).reference_name)
        for s in (used, unused)
    ]
    assert all(keys)
    assert all(_object_exists(verifier, key) for key in keys)

    with run_tasks():
        requested = verifier.client.delete(f"/v1/subjects/{subject_id}")
    assert requested.status_code == 202
    erasure = verifier.client.get(f"/v1/erasures/{requested.json()['id']}").json()
    assert erasure["status"] == "completed", erasure
    assert not any(_object_exists(verifier, key) for key in keys)


@pytest.mark.usefixtures("fake_credentials")
def test_a_session_is_created_with_the_tenants_key_bucket_and_a_token(caller: Caller) -> None:
    tenant = caller.tenant
    with Stubber(aws_client("rekognition", tenant.region)) as stub:
        stub.add_response(
            "create_face_liveness_session",
            {"SessionId": "0b7e5b9e-0d3a-4d2f-9d44-2a9c2a1f0c11"},
            {
                "ClientRequestToken": ANY,
                "KmsKeyId": tenant.kms_key_arn,
                "Settings": {
                    "OutputConfig": {
                        "S3Bucket": tenant.storage_bucket,
                        "S3KeyPrefix": f"{tenant.storage_prefix}liveness",
                    }
                },
            },
        )
        created = caller.client.post("/v1/liveness-sessions", {}, format="json")
        stub.assert_no_pending_responses()
    assert created.status_code == 201, created.content
    assert created.json()["session_id"] == "0b7e5b9e-0d3a-4d2f-9d44-2a9c2a1f0c11"


def test_a_result_recorded_as_final_is_not_asked_for_again(
    verifier: Caller,
    run_tasks: Callable[..., Any],
    session_for: Callable[..., dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    session = session_for(photo("person_a_1"))
    assert verifier.client.get(f"/v1/liveness-sessions/{session['id']}").json()["status"] == "SUCCEEDED"
    calls: list[str] = []
    original = Gateway.call

    def spy(self: Gateway, operation: str, /, **params: Any) -> dict[str, Any]:
        calls.append(operation)
        return original(self, operation, **params)

    monkeypatch.setattr(Gateway, "call", spy)
    result = _final(verifier, _register(verifier, run_tasks, new_subject(verifier), session["id"], "person_a_2"))
    assert result["status"] == "approved", result["reasons"]
    assert "GetFaceLivenessSessionResults" not in calls
    assert "IndexFaces" in calls
