"""Image moderation over REST: decisions from taxonomy-7 answers (Stubber), the SHA-256 cache, bad input, async."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from PIL import Image

from audit.models import AuditEvent
from moderation.models import ModerationResult, ReviewTask
from moderation.tasks import moderate_image
from tenants.scope import tenant_scope
from tests.conftest import Caller
from tests.factories import webhook_events
from tests.moderation.conftest import answer, label, rekognition_stub, violence

pytestmark = pytest.mark.usefixtures("fake_credentials")


@pytest.fixture
def stub(caller: Caller, aws: None) -> Iterator[Stubber]:
    """Rekognition stubbed; S3 (moto) holds the tenant's bucket, where images for reviewers and workers go."""
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=caller.tenant.storage_bucket)
    with rekognition_stub(caller.tenant) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def _expect(stub: Stubber, labels: list[dict[str, Any]], min_confidence: float = 50.0) -> None:
    stub.add_response(
        "detect_moderation_labels", answer(labels), expected_params={"Image": ANY, "MinConfidence": min_confidence}
    )


def _post(caller: Caller, body: dict[str, Any], query: str = "") -> Any:
    return caller.client.post(f"/v1/moderation/images{query}", body, format="json")


def _results(caller: Caller) -> list[ModerationResult]:
    with tenant_scope(caller.tenant):
        return list(ModerationResult.objects.select_related("policy").order_by("created_at"))


def test_unsafe_labels_past_reject_at_reject_the_image(caller: Caller, stub: Stubber, photo_b64: str) -> None:
    _expect(stub, violence(91.5))
    response = _post(caller, {"image": photo_b64, "external_ref": "upload-1", "metadata": {"user": 7}})
    assert response.status_code == 201
    body = response.json()
    assert body["id"].startswith("mod_")
    assert response["Location"].endswith(f"/v1/moderation/images/{body['id']}")
    assert (body["status"], body["decision"], body["driving_category"]) == ("succeeded", "reject", "Violence")
    assert (body["policy_version"], body["moderation_model_version"], body["taxonomy_version"]) == (1, "7.0", "7.0")
    assert body["labels"][2] == {
        "name": "Weapon Violence",
        "parent_name": "Graphic Violence",
        "taxonomy_level": 3,
        "confidence": 91.5,
        "category": "Violence",
    }
    assert (body["external_ref"], body["metadata"], body["cached"], body["review_task_id"]) == (
        "upload-1",
        {"user": 7},
        False,
        None,
    )
    assert caller.client.get(f"/v1/moderation/images/{body['id']}").json() == body
    assert webhook_events(caller.tenant, "moderation.completed") == [
        {
            "object": "moderation",
            "id": body["id"],
            "media_type": "image",
            "status": "succeeded",
            "decision": "reject",
            "driving_category": "Violence",
            "policy_version": 1,
            "review_id": None,
            "external_ref": "upload-1",
            "error_code": None,
        }
    ]


def test_a_borderline_image_opens_a_review_task_and_is_kept_for_the_reviewer(
    caller: Caller, stub: Stubber, photo: bytes, photo_b64: str
) -> None:
    _expect(
        stub,
        [label("Swimwear or Underwear", 65.0), label("Female Swimwear or Underwear", 65.0, "Swimwear or Underwear")],
    )
    body = _post(caller, {"image": photo_b64}).json()
    assert (body["decision"], body["driving_category"]) == ("review", "Swimwear or Underwear")
    assert body["review_task_id"].startswith("rev_")
    [result] = _results(caller)
    stored = boto3.client("s3", region_name="us-east-1").get_object(Bucket=result.s3_bucket, Key=result.s3_key)
    assert stored["Body"].read() == photo
    assert result.s3_key == f"{caller.tenant.storage_prefix}moderation/images/{body['id']}"
    with tenant_scope(caller.tenant):
        assert ReviewTask.objects.get().result_id == result.pk


def test_an_identical_image_under_the_same_policy_is_not_sent_again_but_gets_its_own_result(
    caller: Caller, stub: Stubber, photo_b64: str
) -> None:
    _expect(stub, violence(85))  # one answer queued: a second engine call would fail the test
    first = _post(caller, {"image": photo_b64}).json()
    second = _post(caller, {"image": photo_b64, "external_ref": "again"}).json()
    assert second["id"] != first["id"]
    assert (second["cached"], second["decision"], second["labels"]) == (True, "reject", first["labels"])
    assert second["external_ref"] == "again"
    assert [r.image_sha256 for r in _results(caller)] == [_results(caller)[0].image_sha256] * 2


def test_a_new_policy_version_decides_the_next_request_with_a_fresh_engine_call(
    caller: Caller, stub: Stubber, photo_b64: str
) -> None:
    _expect(stub, violence(65))
    assert _post(caller, {"image": photo_b64}).json()["decision"] == "review"
    policy = {"categories": {"Violence": {"review_at": 20, "reject_at": 60}}}
    assert caller.client.put("/v1/moderation/policy", policy, format="json").status_code == 200
    _expect(stub, violence(65), min_confidence=20.0)
    after = _post(caller, {"image": photo_b64}).json()
    assert (after["decision"], after["policy_version"], after["cached"]) == ("reject", 2, False)


def test_an_ignored_category_approves(caller: Caller, stub: Stubber, photo_b64: str) -> None:
    caller.client.put("/v1/moderation/policy", {"categories": {"Violence": {"ignore": True}}}, format="json")
    _expect(stub, violence(99))
    body = _post(caller, {"image": photo_b64}).json()
    assert (body["decision"], body["driving_category"], len(body["labels"])) == ("approve", "", 3)


def test_a_multipart_upload_is_moderated(caller: Caller, stub: Stubber, photo: bytes) -> None:
    _expect(stub, [])
    upload = io.BytesIO(photo)
    upload.name = "photo.jpg"
    response = caller.client.post(
        "/v1/moderation/images", {"image": upload, "external_ref": "mp", "metadata": '{"a": 1}'}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["decision"], response.json()["metadata"]) == ("approve", {"a": 1})


def _image(width: int, height: int, fmt: str = "JPEG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("image", "code"),
    [
        (b"GIF89a" + b"\0" * 200, "invalid_image_format"),
        (b"\xff\xd8\xff" + b"\0" * (5 * 1024 * 1024), "image_too_large"),
        (_image(60, 200), "image_too_small"),
        (_image(200, 200)[:400], "image_corrupt"),
    ],
)
def test_a_bad_image_gets_the_gateways_code_and_nothing_is_stored(
    caller: Caller, stub: Stubber, image: bytes, code: str, settings: Any
) -> None:
    settings.VERITY_MAX_BODY_BYTES = 20 * 1024 * 1024
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
    response = _post(caller, {"image": base64.b64encode(image).decode()})
    assert (response.status_code, response.json()["code"]) == (400, code)
    assert _results(caller) == []


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "invalid_image_source"),
        ({"image": "bm90IGFuIGltYWdl", "s3_object": {"bucket": "b", "name": "n"}}, 400, "invalid_image_source"),
        ({"image": "***"}, 400, "validation_error"),
        ({"image": 42}, 400, "validation_error"),
        ({"s3_object": {"bucket": "someone-elses", "name": "a.jpg"}}, 400, "invalid_s3_object"),
        ({"s3_object": {"bucket": "b"}}, 400, "validation_error"),
        ({"image": "eA==", "pixels": 1}, 400, "unknown_field"),
        ({"image": "eA==", "metadata": {"x": "y" * 5000}}, 400, "metadata_too_large"),
    ],
)
def test_bad_input_is_refused_with_its_code_and_nothing_is_stored(
    caller: Caller, stub: Stubber, body: dict[str, Any], status: int, code: str
) -> None:
    response = _post(caller, body)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert _results(caller) == []


def test_an_engine_refusal_is_mapped_and_nothing_is_stored(caller: Caller, stub: Stubber, photo_b64: str) -> None:
    stub.add_client_error("detect_moderation_labels", "InvalidImageFormatException", "Request has invalid image format")
    response = _post(caller, {"image": photo_b64})
    assert (response.status_code, response.json()["code"]) == (400, "invalid_image_format")
    assert _results(caller) == []


def test_an_engine_outage_is_503_and_nothing_is_stored(
    caller: Caller, stub: Stubber, photo_b64: str, settings: Any
) -> None:
    settings.VERITY_VISION_MAX_ATTEMPTS = 2
    for _ in range(2):
        stub.add_client_error("detect_moderation_labels", "ThrottlingException", "slow down", http_status_code=400)
    response = _post(caller, {"image": photo_b64})
    assert (response.status_code, response.json()["code"]) == (503, "engine_throttled")
    assert _results(caller) == []


def test_the_decision_is_audited_with_its_policy_version(caller: Caller, stub: Stubber, photo_b64: str) -> None:
    _expect(stub, violence(90))
    result_id = _post(caller, {"image": photo_b64}).json()["id"]
    with tenant_scope(caller.tenant):
        [event] = AuditEvent.objects.filter(event_name="ModerationCompleted")
    details = event.record["serviceEventDetails"]
    assert (details["moderationId"], details["decision"], details["policyVersion"]) == (result_id, "reject", 1)


def test_the_list_is_filtered_and_cursor_paginated(caller: Caller, stub: Stubber, photo: bytes) -> None:
    for index, confidence in enumerate([10, 90, 95]):
        _expect(stub, violence(confidence))
        image = photo + bytes([index])  # a different SHA-256, same picture (JPEG ignores trailing bytes)
        _post(caller, {"image": base64.b64encode(image).decode(), "external_ref": f"r{index}"})
    rejected = caller.client.get("/v1/moderation/images?decision=reject&limit=1").json()
    assert [item["external_ref"] for item in rejected["results"]] == ["r2"]
    following = caller.client.get(rejected["next"]).json()
    assert [item["external_ref"] for item in following["results"]] == ["r1"]
    assert following["next"] is None
    assert caller.client.get("/v1/moderation/images?category=Violence").json()["results"].__len__() == 2
    assert len(caller.client.get("/v1/moderation/images?external_ref=r0").json()["results"]) == 1
    assert caller.client.get("/v1/moderation/videos").json()["results"] == []
    bad = caller.client.get("/v1/moderation/images?decision=maybe")
    assert (bad.status_code, bad.json()["code"]) == (400, "validation_error")


def test_an_image_id_is_not_a_video(caller: Caller, stub: Stubber, photo_b64: str) -> None:
    _expect(stub, [])
    result_id = _post(caller, {"image": photo_b64}).json()["id"]
    response = caller.client.get(f"/v1/moderation/videos/{result_id}")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_async_answers_202_and_a_worker_decides_from_the_stored_image(
    caller: Caller, stub: Stubber, photo: bytes, photo_b64: str, django_capture_on_commit_callbacks: Any
) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    with django_capture_on_commit_callbacks() as callbacks:
        response = _post(caller, {"image": photo_b64}, "?async=true")
    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["decision"]) == ("pending", None)
    assert len(callbacks) == 1  # the task, enqueued after commit
    [result] = _results(caller)
    stored = s3.get_object(Bucket=result.s3_bucket, Key=result.s3_key)
    assert stored["Body"].read() == photo
    # Through the tenant's storage: under its prefix, SSE-KMS under its own key.
    assert result.s3_key.startswith(caller.tenant.storage_prefix)
    assert (stored["ServerSideEncryption"], stored["SSEKMSKeyId"]) == ("aws:kms", caller.tenant.kms_key_arn)
    stub.add_response(
        "detect_moderation_labels",
        answer(violence(88)),
        expected_params={
            "Image": {"S3Object": {"Bucket": result.s3_bucket, "Name": result.s3_key}},
            "MinConfidence": 50.0,
        },
    )
    arguments = json.loads(json.dumps([caller.tenant.pk, result.pk]))  # what the broker carries
    assert moderate_image.apply(args=arguments).get() == "succeeded"
    done = caller.client.get(f"/v1/moderation/images/{body['id']}").json()
    assert (done["status"], done["decision"]) == ("succeeded", "reject")
    assert moderate_image.apply(args=arguments).get() == "succeeded"  # a redelivery changes nothing


def test_an_async_image_whose_retries_run_out_ends_failed(
    caller: Caller, stub: Stubber, photo_b64: str, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.VERITY_VISION_MAX_ATTEMPTS = 1
    body = _post(caller, {"image": photo_b64}, "?async=true").json()
    [result] = _results(caller)
    monkeypatch.setattr("moderation.tasks.IMAGE_MAX_RETRIES", 0)
    stub.add_client_error("detect_moderation_labels", "InternalServerError", "boom", http_status_code=500)
    assert moderate_image.apply(args=[caller.tenant.pk, result.pk]).get() == "failed"
    done = caller.client.get(f"/v1/moderation/images/{body['id']}").json()
    assert (done["status"], done["error_code"]) == ("failed", "engine_unavailable")
