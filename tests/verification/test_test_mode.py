"""Test mode: vk_test_ keys act for the tenant's test twin, whose engine is the local endpoint (never AWS),
and magic subject external ids script deterministic outcomes without real faces."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from tenants.models import Tenant
from tenants.scope import platform_scope
from tests.conftest import Caller, make_caller, make_test_caller
from tests.factories import TenantFactory, with_key_and_bucket
from tests.verification.conftest import b64, jpeg, photo, verify
from vision.testmode import SCRIPTED_DUPLICATE_SUBJECT

Tasks = Callable[..., Any]
# No face at all: a flat grey square. Magic ids decide the outcome whatever the image shows.
BLANK = jpeg(np.full((240, 240, 3), 128, dtype=np.uint8))


@pytest.fixture
def live(aws: None, db: None) -> Caller:
    return make_caller(with_key_and_bucket(TenantFactory()))


@pytest.fixture
def tester(live: Caller, test_mode_engine: str) -> Caller:
    return make_test_caller(live.tenant)


def _subject(caller: Caller, external_id: str) -> str:
    subject_id: str = caller.client.post("/v1/subjects", {"external_id": external_id}, format="json").json()["id"]
    consent = {"purpose": "biometric_verification", "text_version": "v1", "method": "checkbox"}
    assert caller.client.post(f"/v1/subjects/{subject_id}/consents", consent, format="json").status_code == 201
    return subject_id


def _register(caller: Caller, run_tasks: Tasks, subject_id: str, selfie: bytes = BLANK, document: bytes = BLANK) -> Any:
    body = {"type": "registration", "subject_id": subject_id, "selfie": b64(selfie), "id_document": b64(document)}
    return verify(caller, run_tasks, **body)


def _authenticate(caller: Caller, run_tasks: Tasks, subject_id: str, selfie: bytes = BLANK) -> Any:
    return verify(caller, run_tasks, type="authentication", subject_id=subject_id, selfie=b64(selfie))


def test_a_magic_approved_subject_registers_authenticates_and_updates_its_photo_without_a_face(
    tester: Caller, run_tasks: Tasks
) -> None:
    subject_id = _subject(tester, "test_approved")

    registered = _register(tester, run_tasks, subject_id)
    authenticated = _authenticate(tester, run_tasks, subject_id)
    updated = verify(tester, run_tasks, type="photo_update", subject_id=subject_id, selfie=b64(BLANK))

    assert (registered["status"], registered["livemode"]) == ("approved", False), registered["reasons"]
    assert [step["status"] for step in registered["steps"]] == ["passed"] * 5
    assert authenticated["status"] == "approved", authenticated["reasons"]
    assert updated["status"] == "approved", updated["reasons"]
    assert tester.client.get(f"/v1/subjects/{subject_id}").json()["livemode"] is False


@pytest.mark.parametrize(
    ("external_id", "status", "code"),
    [
        ("test_quality_no_face", "rejected", "quality.no_face"),
        ("test_quality_pose", "rejected", "quality.pose"),
        ("test_compare_mismatch", "rejected", "compare.mismatch"),
        ("test_duplicate", "needs_review", "duplicate.found"),
    ],
)
def test_magic_external_ids_script_each_registration_outcome(
    tester: Caller, run_tasks: Tasks, external_id: str, status: str, code: str
) -> None:
    result = _register(tester, run_tasks, _subject(tester, external_id))

    assert result["status"] == status
    assert [reason["code"] for reason in result["reasons"]] == [code]
    if code == "duplicate.found":
        duplicate = next(step for step in result["steps"] if step["name"] == "duplicate")
        assert duplicate["result"]["matched_subject"] == SCRIPTED_DUPLICATE_SUBJECT


def test_a_magic_no_match_subject_registers_then_fails_authentication(tester: Caller, run_tasks: Tasks) -> None:
    subject_id = _subject(tester, "test_auth_no_match")

    assert _register(tester, run_tasks, subject_id)["status"] == "approved"
    failed = _authenticate(tester, run_tasks, subject_id)

    assert (failed["status"], [r["code"] for r in failed["reasons"]]) == ("rejected", ["auth.no_match"])


def test_test_mode_without_magic_is_the_local_engine_on_real_photos(tester: Caller, run_tasks: Tasks) -> None:
    same = _register(tester, run_tasks, _subject(tester, "cust-1"), photo("person_a_2"), photo("person_a_1"))
    blank = _register(tester, run_tasks, _subject(tester, "cust-2"))

    assert same["status"] == "approved", same["reasons"]
    assert same["steps"][2]["result"]["similarity"] >= 95  # really compared, by the local engine
    assert [r["code"] for r in blank["reasons"]] == ["quality.no_face"]


@pytest.mark.usefixtures("aws_and_rekognition")
def test_a_magic_id_scripts_nothing_for_live_data(run_tasks: Tasks, db: None) -> None:
    live = make_caller(with_key_and_bucket(TenantFactory()))
    from tenants.scope import tenant_scope
    from vision.services import collections_ensure

    with tenant_scope(live.tenant):
        collections_ensure(tenant=live.tenant)

    result = _register(live, run_tasks, _subject(live, "test_approved"))

    assert (result["status"], result["livemode"]) == ("rejected", True)
    assert [r["code"] for r in result["reasons"]] == ["quality.no_face"]  # the engine looked: no face


def test_test_mode_never_calls_aws_without_the_local_endpoint(live: Caller, settings: Any) -> None:
    settings.VERITY_TEST_MODE_REKOGNITION_URL = ""  # and no AWS_ENDPOINT_URL_REKOGNITION either (moto only)

    answered = make_caller(live.tenant, mode="test").client.get("/v1/subjects")

    assert answered.status_code == 503
    assert answered.json()["code"] == "test_mode_unavailable"
    with platform_scope():
        twin = Tenant.objects.get(live_tenant=live.tenant)
    assert twin.livemode is False  # made, but without collections: nothing reached AWS


def test_test_mode_engine_calls_take_the_twins_tokens_never_the_live_tenants(
    tester: Caller, run_tasks: Tasks, monkeypatch: pytest.MonkeyPatch
) -> None:
    import vision.gateway

    taken: list[int] = []
    real = vision.gateway.acquire_token
    monkeypatch.setattr(
        vision.gateway, "acquire_token", lambda tenant, *a, **k: (taken.append(tenant.pk), real(tenant, *a, **k))[1]
    )

    _register(tester, run_tasks, _subject(tester, "cust-3"), photo("person_a_2"), photo("person_a_1"))

    assert taken
    assert set(taken) == {tester.tenant.pk}


def test_a_magic_liveness_failure_rejects_the_registration(tester: Caller, run_tasks: Tasks) -> None:
    subject_id = _subject(tester, "test_liveness_failed")
    session = tester.client.post("/v1/liveness-sessions", {"subject_id": subject_id}, format="json")
    assert session.status_code == 201, session.content

    result = verify(
        tester,
        run_tasks,
        type="registration",
        subject_id=subject_id,
        liveness_session_id=session.json()["id"],
        id_document=b64(BLANK),
    )

    assert result["status"] == "rejected"
    assert [(r["code"], r["step"]) for r in result["reasons"]] == [("liveness.failed", "liveness")]


@pytest.mark.parametrize(
    ("external_ref", "decision"),
    [
        ("test_moderation_approve", "approve"),
        ("test_moderation_review", "review"),
        ("test_moderation_reject", "reject"),
    ],
)
def test_magic_moderation_refs_script_each_decision_for_the_same_image(
    tester: Caller, external_ref: str, decision: str
) -> None:
    plain = tester.client.post("/v1/moderation/images", {"image": b64(BLANK)["bytes"]}, format="json")
    magic = tester.client.post(
        "/v1/moderation/images", {"image": b64(BLANK)["bytes"], "external_ref": external_ref}, format="json"
    )

    assert plain.json()["decision"] == "approve"  # the local engine's real model: a grey square is safe
    assert magic.status_code == 201, magic.content
    body = magic.json()
    assert (body["decision"], body["livemode"], body["cached"]) == (decision, False, False), body
    if decision != "approve":
        assert body["driving_category"] == "Violence"
