"""The Face Liveness emulation: create, complete locally, fetch results, expire, write to S3."""

from __future__ import annotations

import base64
import datetime
from collections.abc import Callable
from typing import Any

import boto3
import cv2
import numpy as np
import pytest
from django.utils import timezone

from tests.vision.endpoint.endpoint_helpers import ENDPOINT_TESTS, REGION, committed, jpeg, photo
from vision.local.models import LivenessSession

pytestmark = ENDPOINT_TESTS

LocalCall = Callable[..., tuple[int, dict[str, Any]]]


def complete(local_call: LocalCall, session_id: str, image: bytes, **extra: Any) -> tuple[int, dict[str, Any]]:
    body = {"SessionId": session_id, "ReferenceImage": {"Bytes": base64.b64encode(image).decode()}, **extra}
    return local_call("CompleteFaceLivenessSession", body)


def test_a_completed_session_returns_the_reference_image_and_says_it_is_emulated(
    rekognition: Any, local_call: LocalCall
) -> None:
    created = rekognition.create_face_liveness_session()
    session_id = created["SessionId"]
    assert "no anti-spoofing" in created["ResponseMetadata"]["HTTPHeaders"]["x-verity-local-notice"]
    assert rekognition.get_face_liveness_session_results(SessionId=session_id)["Status"] == "CREATED"

    status, body = complete(local_call, session_id, photo("person_b_1"), Confidence=97.5)
    assert (status, body["Status"]) == (200, "SUCCEEDED")

    results = rekognition.get_face_liveness_session_results(SessionId=session_id)
    assert results["Status"] == "SUCCEEDED"
    assert results["Confidence"] == 97.5
    reference = results["ReferenceImage"]
    assert len(reference["Bytes"]) <= 204_800
    decoded = cv2.imdecode(np.frombuffer(reference["Bytes"], np.uint8), cv2.IMREAD_COLOR)
    assert decoded is not None
    assert 0 < reference["BoundingBox"]["Width"] < 1
    assert "no anti-spoofing" in results["ResponseMetadata"]["HTTPHeaders"]["x-verity-local-notice"]
    # The reference image is the face that was supplied: it matches the same person.
    compared = rekognition.compare_faces(
        SourceImage={"Bytes": reference["Bytes"]}, TargetImage={"Bytes": photo("person_b_2")}
    )
    assert compared["FaceMatches"]

    status, body = complete(local_call, session_id, photo("person_b_1"))
    assert (status, body["__type"]) == (400, "InvalidParameterException")


def test_a_session_without_a_face_fails(rekognition: Any, local_call: LocalCall) -> None:
    session_id = rekognition.create_face_liveness_session()["SessionId"]
    status, body = complete(local_call, session_id, jpeg(np.full((240, 240, 3), 90, np.uint8)))
    assert (status, body["Status"]) == (200, "FAILED")
    results = rekognition.get_face_liveness_session_results(SessionId=session_id)
    assert results["Status"] == "FAILED"
    assert "ReferenceImage" not in results


def test_an_unfinished_session_expires_after_three_minutes(rekognition: Any, local_call: LocalCall) -> None:
    session_id = rekognition.create_face_liveness_session()["SessionId"]
    committed(
        lambda: LivenessSession.objects.filter(session_id=session_id).update(
            created_at=timezone.now() - datetime.timedelta(minutes=3, seconds=1)
        )
    )
    assert rekognition.get_face_liveness_session_results(SessionId=session_id)["Status"] == "EXPIRED"
    status, body = complete(local_call, session_id, photo("person_b_1"))
    assert (status, body["__type"]) == (400, "InvalidParameterException")
    assert "expired" in body["message"]


def test_sessions_are_idempotent_per_token_and_private_to_their_account(rekognition: Any) -> None:
    first = rekognition.create_face_liveness_session(ClientRequestToken="tok-1")["SessionId"]
    assert rekognition.create_face_liveness_session(ClientRequestToken="tok-1")["SessionId"] == first
    assert rekognition.create_face_liveness_session(ClientRequestToken="tok-2")["SessionId"] != first
    with pytest.raises(rekognition.exceptions.SessionNotFoundException):
        rekognition.get_face_liveness_session_results(SessionId="00000000-0000-4000-8000-000000000000")


def test_output_config_writes_the_reference_image_to_s3_under_the_kms_key(
    rekognition: Any, local_call: LocalCall, aws: None
) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="verity-liveness-out")
    key_id = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["KeyId"]
    session_id = rekognition.create_face_liveness_session(
        KmsKeyId=key_id, Settings={"OutputConfig": {"S3Bucket": "verity-liveness-out", "S3KeyPrefix": "tenant-a"}}
    )["SessionId"]
    assert complete(local_call, session_id, photo("person_a_2"))[0] == 200

    reference = rekognition.get_face_liveness_session_results(SessionId=session_id)["ReferenceImage"]
    assert "Bytes" not in reference
    assert reference["S3Object"] == {"Bucket": "verity-liveness-out", "Name": f"tenant-a/{session_id}/reference.jpg"}
    stored = s3.get_object(Bucket="verity-liveness-out", Key=reference["S3Object"]["Name"])
    assert stored["ServerSideEncryption"] == "aws:kms"
    assert stored["Body"].read().startswith(b"\xff\xd8\xff")
