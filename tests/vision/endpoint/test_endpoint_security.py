"""Who may use the local endpoint, and what it may do with the platform's AWS credentials."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.vision.endpoint.endpoint_helpers import (
    ENDPOINT_TESTS,
    REGION,
    SECRET,
    photo,
    post,
    rekognition_client,
)
from vision.local.operations.video_moderation import VideoJobError, _copy_capped
from vision.local.protocol import InvalidSignatureError, RekognitionError, UnrecognizedClientError
from vision.local.signing import authenticate, configured_secret

pytestmark = ENDPOINT_TESTS


def test_a_request_signed_with_the_wrong_secret_is_refused(rekognition_endpoint: str, access_key: str) -> None:
    client = rekognition_client(rekognition_endpoint, access_key, secret="not-the-secret")
    with pytest.raises(client.exceptions.ClientError) as caught:
        client.list_collections()
    assert caught.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_an_unknown_access_key_is_refused(rekognition_endpoint: str) -> None:
    client = rekognition_client(rekognition_endpoint, "AKIANEVERREGISTERED")
    with pytest.raises(client.exceptions.ClientError) as caught:
        client.list_collections()
    assert caught.value.response["Error"]["Code"] == "UnrecognizedClientException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_naming_another_callers_key_without_its_secret_reaches_none_of_its_collections(
    rekognition: Any, rekognition_endpoint: str, access_key: str
) -> None:
    rekognition.create_collection(CollectionId="victim")
    forged = {
        "Authorization": f"AWS4-HMAC-SHA256 Credential={access_key}/{datetime.now(UTC):%Y%m%d}/{REGION}/rekognition/"
        f"aws4_request, SignedHeaders=host;x-amz-date, Signature={'0' * 64}",
        "X-Amz-Date": f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}",
    }
    for target, body in [
        ("RekognitionService.ListCollections", {}),
        ("RekognitionService.DeleteCollection", {"CollectionId": "victim"}),
    ]:
        status, answer = post(rekognition_endpoint, target, json.dumps(body).encode(), headers=forged)
        assert (status, answer["__type"]) == (400, "InvalidSignatureException")
    assert rekognition.list_collections()["CollectionIds"] == ["victim"]


@pytest.mark.parametrize("declares_payload_hash", [False, True])
def test_a_body_changed_after_signing_is_refused(
    rekognition: Any, rekognition_endpoint: str, access_key: str, declares_payload_hash: bool
) -> None:
    rekognition.create_collection(CollectionId="kept")
    original = b'{"CollectionId": "other"}'
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "RekognitionService.DeleteCollection"}
    if declares_payload_hash:  # then SigV4 signs the declared hash, not the body itself
        headers["X-Amz-Content-SHA256"] = hashlib.sha256(original).hexdigest()
    signed = AWSRequest(method="POST", url=rekognition_endpoint, data=original, headers=headers)
    SigV4Auth(Credentials(access_key, SECRET), "rekognition", REGION).add_auth(signed)
    headers = {name: value for name, value in signed.headers.items() if name != "X-Amz-Target"}
    status, answer = post(
        rekognition_endpoint, "RekognitionService.DeleteCollection", b'{"CollectionId": "kept"}', headers=headers
    )
    assert (status, answer["__type"]) == (400, "InvalidSignatureException")
    assert rekognition.list_collections()["CollectionIds"] == ["kept"]


def _signed_environ(*, service: str = "rekognition", secret: str = SECRET, key: str = "AKIAUNIT") -> dict[str, Any]:
    body = b"{}"
    request = AWSRequest(method="POST", url="http://127.0.0.1:5050/", data=body, headers={"X-Amz-Target": "x"})
    SigV4Auth(Credentials(key, secret), service, REGION).add_auth(request)
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/", "HTTP_HOST": "127.0.0.1:5050"}
    environ |= {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in request.headers.items()}
    return environ


def test_a_signature_more_than_five_minutes_old_is_refused() -> None:
    environ = _signed_environ()
    secrets = {"AKIAUNIT": SECRET}.get
    assert authenticate(environ, b"{}", secrets).access_key_id == "AKIAUNIT"
    with pytest.raises(InvalidSignatureError, match="expired"):
        authenticate(environ, b"{}", secrets, now=datetime.now(UTC) + timedelta(minutes=6))
    with pytest.raises(InvalidSignatureError, match="not yet current"):
        authenticate(environ, b"{}", secrets, now=datetime.now(UTC) - timedelta(minutes=6))


def test_a_signature_scoped_to_another_service_is_refused() -> None:
    environ = _signed_environ(service="s3")
    with pytest.raises(InvalidSignatureError, match="service"):
        authenticate(environ, b"{}", {"AKIAUNIT": SECRET}.get)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"HTTP_AUTHORIZATION": "AWS4-HMAC-SHA256 Credential=AKIAUNIT/20260101/us-east-1/rekognition"}, "Incomplete"),
        ({"HTTP_X_AMZ_DATE": "yesterday"}, "Incomplete"),
        ({"HTTP_X_AMZ_SECURITY_TOKEN": "a-session-token"}, "UnrecognizedClient"),
    ],
)
def test_malformed_signatures_and_session_tokens_are_refused(change: dict[str, str], error: str) -> None:
    with pytest.raises(RekognitionError) as caught:
        authenticate(_signed_environ() | change, b"{}", {"AKIAUNIT": SECRET}.get)
    assert caught.value.code.startswith(error)
    assert caught.value.status == 400


def test_the_accepted_key_pairs_come_from_the_settings(settings: Any) -> None:
    settings.VERITY_LOCAL_REKOGNITION_CREDENTIALS = {"AKIAUNIT": "configured"}
    assert authenticate(_signed_environ(secret="configured"), b"{}", configured_secret).region == REGION
    settings.VERITY_LOCAL_REKOGNITION_CREDENTIALS = {}
    with pytest.raises(UnrecognizedClientError):
        authenticate(_signed_environ(secret="configured"), b"{}", configured_secret)


@pytest.mark.parametrize(
    "faults",
    [
        b'{"LatencyMs": NaN}',
        b'{"LatencyMs": Infinity}',
        b'{"LatencyMs": 1e9}',
        b'{"ThrottleRate": NaN}',
        b'{"Operations": [{"not": "a name"}]}',
    ],
)
def test_set_faults_refuses_values_that_would_break_or_stall_the_endpoint(
    rekognition: Any, rekognition_endpoint: str, access_key: str, faults: bytes
) -> None:
    status, answer = post(rekognition_endpoint, "VerityLocal.SetFaults", faults, access_key)
    assert (status, answer["__type"]) == (400, "InvalidParameterException")
    assert rekognition.list_collections()["CollectionIds"] == []  # still served, without delay


@pytest.fixture
def foreign_bucket(aws: None) -> str:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="someone-elses-bucket")
    s3.put_object(Bucket="someone-elses-bucket", Key="a.jpg", Body=photo("person_a_1"))
    s3.put_object(Bucket="someone-elses-bucket", Key="clip.mp4", Body=b"\0\0\0\x18ftypmp42")
    return "someone-elses-bucket"


def test_images_are_read_only_from_the_configured_buckets(rekognition: Any, foreign_bucket: str) -> None:
    with pytest.raises(rekognition.exceptions.AccessDeniedException):
        rekognition.detect_faces(Image={"S3Object": {"Bucket": foreign_bucket, "Name": "a.jpg"}})


def test_a_configured_bucket_pattern_opens_a_bucket(rekognition: Any, foreign_bucket: str, settings: Any) -> None:
    settings.VERITY_LOCAL_REKOGNITION_S3_BUCKETS = ["someone-elses-*"]
    detected = rekognition.detect_faces(Image={"S3Object": {"Bucket": foreign_bucket, "Name": "a.jpg"}})
    assert len(detected["FaceDetails"]) == 1


def test_videos_are_read_only_from_the_configured_buckets(rekognition: Any, foreign_bucket: str) -> None:
    with pytest.raises(rekognition.exceptions.AccessDeniedException):
        rekognition.start_content_moderation(Video={"S3Object": {"Bucket": foreign_bucket, "Name": "clip.mp4"}})


def test_liveness_output_goes_only_to_the_configured_buckets(rekognition: Any, foreign_bucket: str) -> None:
    with pytest.raises(rekognition.exceptions.AccessDeniedException):
        rekognition.create_face_liveness_session(Settings={"OutputConfig": {"S3Bucket": foreign_bucket}})


def test_completion_is_published_only_to_the_configured_topics(rekognition: Any, aws: None) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="verity-clips")
    s3.put_object(Bucket="verity-clips", Key="clip.mp4", Body=b"\0\0\0\x18ftypmp42")
    topic = boto3.client("sns", region_name=REGION).create_topic(Name="someone-elses-topic")["TopicArn"]
    with pytest.raises(rekognition.exceptions.AccessDeniedException):
        rekognition.start_content_moderation(
            Video={"S3Object": {"Bucket": "verity-clips", "Name": "clip.mp4"}},
            NotificationChannel={"SNSTopicArn": topic, "RoleArn": "arn:aws:iam::123456789012:role/rekognition-sns"},
        )


def test_a_video_over_the_configured_size_is_refused_before_it_is_downloaded(
    rekognition: Any, aws: None, settings: Any
) -> None:
    settings.VERITY_LOCAL_REKOGNITION_MAX_VIDEO_BYTES = 1000
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="verity-clips")
    s3.put_object(Bucket="verity-clips", Key="big.mp4", Body=b"\0\0\0\x18ftypmp42" + b"\0" * 1000)
    with pytest.raises(rekognition.exceptions.VideoTooLargeException):
        rekognition.start_content_moderation(Video={"S3Object": {"Bucket": "verity-clips", "Name": "big.mp4"}})


def test_a_video_download_stops_at_the_size_limit() -> None:
    target = io.BytesIO()
    with pytest.raises(VideoJobError, match="larger than 1000 bytes"):
        _copy_capped(io.BytesIO(b"\0" * 5000), target, 1000)
    assert len(target.getvalue()) <= 1000
    _copy_capped(io.BytesIO(b"\0" * 1000), target, 1000)
