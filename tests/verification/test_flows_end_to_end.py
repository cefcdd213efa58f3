"""The flows end to end over HTTP, through the local Rekognition endpoint, on real photos.

person_a_1/2 are one man eleven years apart, person_b_1/2 one woman, impostor_1/2 two other
people (tests/fixtures/faces/CREDITS.md). The tenant has two shards.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from audit.models import AuditEvent
from config.aws import aws_client
from tenants.scope import tenant_scope
from tests.conftest import Caller
from tests.verification.conftest import (
    active_faces,
    b64,
    faces_in_engine,
    in_scope,
    new_subject,
    no_face,
    photo,
    register,
    side_by_side,
    verify,
)
from verification.models import Face, Subject, VerificationSettings
from vision.local import memo

pytestmark = [pytest.mark.xdist_group("rekognition_endpoint")]

Tasks = Callable[..., Any]


def _authenticate(caller: Caller, run_tasks: Tasks, subject_id: str, selfie: str) -> dict[str, Any]:
    return verify(caller, run_tasks, type="authentication", subject_id=subject_id, selfie=b64(photo(selfie)))


def test_person_a_registers_with_two_photos_of_themself(verifier: Caller, run_tasks: Tasks) -> None:
    subject_id, result = register(verifier, run_tasks, "person_a_2", "person_a_1")

    assert result["status"] == "approved", (result["reasons"], result["steps"])
    assert [step["name"] for step in result["steps"]] == ["consent", "quality", "compare", "duplicate", "index"]
    assert {step["status"] for step in result["steps"]} == {"passed"}
    compare = result["steps"][2]["result"]
    assert compare["similarity"] >= compare["threshold"] == 95.0
    assert result["steps"][3]["result"] == {"shards_searched": 2}
    assert result["reasons"] == []
    assert faces_in_engine(verifier, subject_id) == active_faces(verifier, subject_id)
    assert len(active_faces(verifier, subject_id)) == 1
    assert in_scope(verifier, lambda: Subject.objects.get(public_id=subject_id).shard) in (0, 1)


def test_the_local_engine_analyses_each_image_of_a_registration_once(
    verifier: Caller, run_tasks: Tasks, monkeypatch: pytest.MonkeyPatch
) -> None:
    detected: list[int] = []
    real = memo.detect_faces

    def counting(pixels: Any) -> Any:
        detected.append(pixels.shape[1])
        return real(pixels)

    monkeypatch.setattr(memo, "detect_faces", counting)
    _, result = register(verifier, run_tasks, "person_a_2", "person_a_1")

    assert result["status"] == "approved"
    # DetectFaces, CompareFaces, two shards' SearchFacesByImage and IndexFaces: the selfie and the
    # document are each decoded and detected once.
    assert len(detected) == 2


def test_a_registration_reads_each_stored_upload_once_for_all_its_steps(verifier: Caller, run_tasks: Tasks) -> None:
    _, result = register(verifier, run_tasks, "person_a_2", "person_a_1")

    assert result["status"] == "approved"
    with tenant_scope(verifier.tenant):
        reads = [
            event.record["requestParameters"]["Key"].rsplit("/", 1)[1]
            for event in AuditEvent.objects.filter(event_source="s3.amazonaws.com", event_name="GetObject")
        ]
    assert sorted(reads) == ["id_document", "selfie"]


def test_the_quality_step_shows_what_the_local_engine_cannot_judge_as_not_evaluated(
    verifier: Caller, run_tasks: Tasks
) -> None:
    _, result = register(verifier, run_tasks, "person_b_1", "person_b_2")

    quality = result["steps"][1]["result"]
    assert quality["checks"] == {
        "pose": "passed",
        "sharpness": "passed",
        "brightness": "passed",
        "eyes_open": "not_evaluated",
        "sunglasses": "not_evaluated",
        "face_size": "passed",
    }
    assert quality["sharpness"] > 15
    assert quality["face_width_px"] >= 50
    assert "FaceDetails" not in str(result)
    assert "Bytes" not in str(result)


def test_a_registered_person_authenticates_with_another_photo_and_nobody_else_can(
    verifier: Caller, run_tasks: Tasks
) -> None:
    subject_id, registered = register(verifier, run_tasks, "person_a_2", "person_a_1")
    assert registered["status"] == "approved"

    themself = _authenticate(verifier, run_tasks, subject_id, "person_a_1")
    assert themself["status"] == "approved", themself["reasons"]
    assert themself["steps"][-1]["result"]["matched_subject"] == subject_id

    impostor = _authenticate(verifier, run_tasks, subject_id, "person_b_1")
    assert impostor["status"] == "rejected"
    assert [reason["code"] for reason in impostor["reasons"]] == ["auth.no_match"]
    assert impostor["reasons"][0]["step"] == "authenticate"


def test_authentication_as_another_registered_subject_is_a_subject_mismatch(verifier: Caller, run_tasks: Tasks) -> None:
    a_id, _ = register(verifier, run_tasks, "person_a_2", "person_a_1", shard=0)
    b_id, _ = register(verifier, run_tasks, "person_b_1", "person_b_2", shard=0)

    # B's face is in the same shard as A's: the best match is B's face, not A's.
    result = _authenticate(verifier, run_tasks, a_id, "person_b_2")

    assert result["status"] == "rejected"
    assert [reason["code"] for reason in result["reasons"]] == ["auth.subject_mismatch"]
    assert result["steps"][-1]["result"]["matched_subject"] == b_id


def test_a_second_registration_of_the_same_face_in_another_shard_is_a_duplicate(
    verifier: Caller, run_tasks: Tasks
) -> None:
    first, _ = register(verifier, run_tasks, "person_a_2", "person_a_1", shard=0)

    second, result = register(verifier, run_tasks, "person_a_1", "person_a_2", shard=1)

    assert result["status"] == "needs_review"
    assert [(r["code"], r["step"]) for r in result["reasons"]] == [("duplicate.found", "duplicate")]
    assert first in result["reasons"][0]["detail"]
    assert result["steps"][-1]["result"]["matched_subject"] == first
    assert faces_in_engine(verifier, second) == []
    assert active_faces(verifier, second) == []


def test_the_tenant_can_have_duplicates_rejected_instead_of_reviewed(verifier: Caller, run_tasks: Tasks) -> None:
    with tenant_scope(verifier.tenant):
        VerificationSettings.objects.create(tenant=verifier.tenant, duplicate_action="rejected")
    register(verifier, run_tasks, "person_b_1", "person_b_2")

    _, result = register(verifier, run_tasks, "person_b_2", "person_b_1")

    assert result["status"] == "rejected"
    assert result["reasons"][0]["code"] == "duplicate.found"


def test_an_impostors_selfie_against_a_persons_id_is_a_mismatch(verifier: Caller, run_tasks: Tasks) -> None:
    subject_id, result = register(verifier, run_tasks, "impostor_1", "person_a_1")

    assert result["status"] == "rejected"
    assert [(r["code"], r["step"]) for r in result["reasons"]] == [("compare.mismatch", "compare")]
    assert result["steps"][-1]["result"]["similarity"] < 95
    assert faces_in_engine(verifier, subject_id) == []


def test_an_id_document_without_a_face_is_refused(verifier: Caller, run_tasks: Tasks) -> None:
    subject_id = new_subject(verifier)
    result = verify(
        verifier,
        run_tasks,
        type="registration",
        subject_id=subject_id,
        selfie=b64(photo("person_a_1")),
        id_document=b64(no_face()),
    )

    assert result["status"] == "rejected"
    assert [r["code"] for r in result["reasons"]] == ["compare.no_face_in_document"]


@pytest.mark.parametrize(
    ("selfie", "code", "faces"),
    [(lambda: side_by_side("person_a_1", "person_b_1"), "quality.multiple_faces", 2), (no_face, "quality.no_face", 0)],
)
def test_a_selfie_with_other_than_one_face_fails_the_quality_gate(
    verifier: Caller, run_tasks: Tasks, selfie: Callable[[], bytes], code: str, faces: int
) -> None:
    subject_id = new_subject(verifier)
    result = verify(
        verifier,
        run_tasks,
        type="registration",
        subject_id=subject_id,
        selfie=b64(selfie()),
        id_document=b64(photo("person_a_1")),
    )

    assert result["status"] == "rejected"
    assert [(r["code"], r["step"]) for r in result["reasons"]] == [(code, "quality")]
    assert result["steps"][-1]["result"] == {"faces": faces}
    assert [step["name"] for step in result["steps"]] == ["consent", "quality"]


def test_identification_ranks_the_person_first(verifier: Caller, run_tasks: Tasks) -> None:
    a_id, _ = register(verifier, run_tasks, "person_a_2", "person_a_1", shard=0)
    b_id, _ = register(verifier, run_tasks, "person_b_1", "person_b_2", shard=1)

    result = verify(verifier, run_tasks, type="identification", selfie=b64(photo("person_a_1")))

    assert result["status"] == "approved"
    assert result["subject_id"] is None
    assert result["matches"][0]["subject_id"] == a_id
    assert b_id not in [match["subject_id"] for match in result["matches"]]
    assert result["steps"][-1]["result"]["shards_searched"] == 2


def test_identifying_a_stranger_finds_no_match(verifier: Caller, run_tasks: Tasks) -> None:
    register(verifier, run_tasks, "person_a_2", "person_a_1")

    result = verify(verifier, run_tasks, type="identification", selfie=b64(photo("impostor_2")))

    assert result["status"] == "rejected"
    assert result["matches"] == []
    assert [r["code"] for r in result["reasons"]] == ["identification.no_match"]


def test_a_photo_update_leaves_exactly_one_face(verifier: Caller, run_tasks: Tasks) -> None:
    subject_id, _ = register(verifier, run_tasks, "person_a_2", "person_a_1")
    [old_face] = active_faces(verifier, subject_id)

    result = verify(verifier, run_tasks, type="photo_update", subject_id=subject_id, selfie=b64(photo("person_a_1")))

    assert result["status"] == "approved", result["reasons"]
    assert [s["name"] for s in result["steps"]] == ["consent", "quality", "authenticate", "index", "delete_old_face"]
    [new_face] = active_faces(verifier, subject_id)
    assert new_face != old_face
    assert faces_in_engine(verifier, subject_id) == [new_face]
    assert _authenticate(verifier, run_tasks, subject_id, "person_a_2")["status"] == "approved"


def test_a_photo_update_by_someone_else_changes_nothing(verifier: Caller, run_tasks: Tasks) -> None:
    subject_id, _ = register(verifier, run_tasks, "person_a_2", "person_a_1")
    before = active_faces(verifier, subject_id)

    result = verify(verifier, run_tasks, type="photo_update", subject_id=subject_id, selfie=b64(photo("impostor_1")))

    assert result["status"] == "rejected"
    assert result["reasons"][0]["code"] == "auth.no_match"
    assert active_faces(verifier, subject_id) == before == faces_in_engine(verifier, subject_id)


def _s3(caller: Caller, name: str, data: bytes | None = None) -> dict[str, Any]:
    """An object in the tenant's own bucket (moto), under its storage prefix, as an API image reference."""
    bucket = caller.tenant.storage_bucket
    s3 = aws_client("s3", caller.tenant.region)
    if data is not None:
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key=caller.tenant.storage_prefix + name, Body=data)
    return {"s3_object": {"bucket": bucket, "name": caller.tenant.storage_prefix + name}}


def test_a_registration_can_name_its_images_in_the_tenants_bucket(verifier: Caller, run_tasks: Tasks) -> None:
    subject_id = new_subject(verifier)
    selfie = _s3(verifier, "selfies/a2.jpg", photo("person_a_2"))

    result = verify(
        verifier,
        run_tasks,
        type="registration",
        subject_id=subject_id,
        selfie=selfie,
        id_document=_s3(verifier, "documents/a1.jpg", photo("person_a_1")),
    )

    assert result["status"] == "approved", result["reasons"]
    face = in_scope(verifier, lambda: Face.objects.get(subject__public_id=subject_id))
    assert face.image_location == f"s3://{verifier.tenant.storage_bucket}/verity/selfies/a2.jpg"


def test_a_missing_s3_image_fails_the_verification_with_the_image_error(verifier: Caller, run_tasks: Tasks) -> None:
    _s3(verifier, "selfies/present.jpg", photo("person_a_2"))

    result = verify(verifier, run_tasks, type="identification", selfie=_s3(verifier, "selfies/absent.jpg"))

    assert result["status"] == "failed"
    assert [(r["code"], r["step"]) for r in result["reasons"]] == [("invalid_s3_object", "quality")]
