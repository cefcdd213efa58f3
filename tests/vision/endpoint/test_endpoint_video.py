"""StartContentModeration / GetContentModeration on a generated video in moto S3, with SNS→SQS."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3
import cv2
import pytest

from tests.vision.endpoint.endpoint_helpers import ENDPOINT_TESTS, REGION, image

pytestmark = ENDPOINT_TESTS

FRAME_SIZE = (320, 240)
ROLE_ARN = "arn:aws:iam::123456789012:role/rekognition-sns"


def video(fourcc: str, suffix: str, *, seconds: int = 4, fps: int = 5) -> bytes:
    """A clip cycling through the fixture portraits."""
    frames = [cv2.resize(image(name), FRAME_SIZE) for name in ("person_a_2", "person_b_1", "impostor_1")]
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"clip{suffix}"
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*fourcc), fps, FRAME_SIZE)
        assert writer.isOpened()
        for index in range(seconds * fps):
            writer.write(frames[index // fps % len(frames)])
        writer.release()
        return path.read_bytes()


@pytest.fixture
def bucket(aws: None) -> str:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="verity-videos")
    s3.put_object(Bucket="verity-videos", Key="clip.mp4", Body=video("mp4v", ".mp4"))
    return "verity-videos"


def wait_for(rekognition: Any, job_id: str, **params: Any) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        result = rekognition.get_content_moderation(JobId=job_id, **params)
        if result["JobStatus"] != "IN_PROGRESS" or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def test_a_video_job_samples_frames_pages_results_and_notifies_sns(rekognition: Any, bucket: str) -> None:
    sns = boto3.client("sns", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    topic_arn = sns.create_topic(Name="verity-rekognition-jobs")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)

    job_id = rekognition.start_content_moderation(
        Video={"S3Object": {"Bucket": bucket, "Name": "clip.mp4"}},
        MinConfidence=0,
        JobTag="ver_42",
        NotificationChannel={"SNSTopicArn": topic_arn, "RoleArn": ROLE_ARN},
    )["JobId"]

    result = wait_for(rekognition, job_id, MaxResults=3)
    assert result["JobStatus"] == "SUCCEEDED"
    assert result["JobTag"] == "ver_42"
    assert result["Video"] == {"S3Object": {"Bucket": bucket, "Name": "clip.mp4"}}
    metadata = result["VideoMetadata"]
    assert (metadata["FrameWidth"], metadata["FrameHeight"], metadata["FrameRate"]) == (320, 240, 5.0)
    assert metadata["DurationMillis"] == 4000
    assert metadata["Codec"] == "mpeg4"
    pages = [result["ModerationLabels"]]
    while "NextToken" in result:
        result = rekognition.get_content_moderation(JobId=job_id, MaxResults=3, NextToken=result["NextToken"])
        pages.append(result["ModerationLabels"])
    assert [len(page) for page in pages] == [3, 3, 2]  # 4 sampled seconds x (Explicit, Explicit Nudity)
    labels = [item for page in pages for item in page]
    assert [item["Timestamp"] for item in labels] == [0, 0, 1000, 1000, 2000, 2000, 3000, 3000]
    assert all(item["ModerationLabel"]["Confidence"] < 20 for item in labels)  # portraits only

    by_name = rekognition.get_content_moderation(JobId=job_id, SortBy="NAME")["ModerationLabels"]
    assert [item["ModerationLabel"]["Name"] for item in by_name] == ["Explicit"] * 4 + ["Explicit Nudity"] * 4

    [delivered] = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1)["Messages"]
    notification = json.loads(json.loads(delivered["Body"])["Message"])
    assert notification["JobId"] == job_id
    assert notification["Status"] == "SUCCEEDED"
    assert notification["API"] == "StartContentModeration"
    assert notification["JobTag"] == "ver_42"
    assert notification["Video"] == {"S3ObjectName": "clip.mp4", "S3Bucket": bucket}
    assert isinstance(notification["Timestamp"], int)


def test_portraits_raise_no_labels_at_the_default_min_confidence(rekognition: Any, bucket: str) -> None:
    job_id = rekognition.start_content_moderation(Video={"S3Object": {"Bucket": bucket, "Name": "clip.mp4"}})["JobId"]
    result = wait_for(rekognition, job_id)
    assert result["JobStatus"] == "SUCCEEDED"
    assert result["ModerationLabels"] == []


def test_client_request_token_makes_start_idempotent(rekognition: Any, bucket: str) -> None:
    request = {"Video": {"S3Object": {"Bucket": bucket, "Name": "clip.mp4"}}, "ClientRequestToken": "once"}
    first = rekognition.start_content_moderation(**request)["JobId"]
    assert rekognition.start_content_moderation(**request)["JobId"] == first
    with pytest.raises(rekognition.exceptions.IdempotentParameterMismatchException):
        rekognition.start_content_moderation(MinConfidence=10, **request)
    wait_for(rekognition, first)


def test_a_container_rekognition_video_does_not_take_fails_the_job(rekognition: Any, bucket: str) -> None:
    boto3.client("s3", region_name=REGION).put_object(Bucket=bucket, Key="clip.avi", Body=video("MJPG", ".avi"))
    job_id = rekognition.start_content_moderation(Video={"S3Object": {"Bucket": bucket, "Name": "clip.avi"}})["JobId"]
    result = wait_for(rekognition, job_id)
    assert result["JobStatus"] == "FAILED"
    assert "MPEG-4 or MOV" in result["StatusMessage"]


def test_missing_videos_and_jobs_are_refused(rekognition: Any, bucket: str) -> None:
    with pytest.raises(rekognition.exceptions.InvalidS3ObjectException):
        rekognition.start_content_moderation(Video={"S3Object": {"Bucket": bucket, "Name": "missing.mp4"}})
    with pytest.raises(rekognition.exceptions.ResourceNotFoundException):
        rekognition.get_content_moderation(JobId="0" * 64)
