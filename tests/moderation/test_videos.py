"""Video moderation: StartContentModeration's shape, every result page, the worst segment decides,
failed and timed-out jobs end failed, completion through SNS → SQS (moto) and the polling fallback.

Rekognition Video answers come from botocore's Stubber (checked against the service model).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from unittest import mock

import boto3
import pytest
from botocore.stub import Stubber
from django.utils import timezone

from moderation.models import ModerationResult, ReviewTask
from moderation.tasks import collect_video, read_video_notifications, sweep_video_jobs
from tenants.scope import tenant_scope
from tests.conftest import Caller
from tests.moderation.conftest import label, rekognition_stub, violence

pytestmark = pytest.mark.usefixtures("fake_credentials")
JOB_ID = "f" * 64
TOPIC = "arn:aws:sns:us-east-1:123456789012:verity-video-jobs"
ROLE = "arn:aws:iam::123456789012:role/verity-rekognition-sns"


@pytest.fixture
def stub(caller: Caller, aws: None) -> Iterator[Stubber]:
    with rekognition_stub(caller.tenant) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def _video(caller: Caller, name: str = "uploads/clip.mp4") -> dict[str, Any]:
    return {"s3_object": {"bucket": caller.tenant.storage_bucket, "name": name}}


def _start(caller: Caller, stub: Stubber, channel: bool = False, **extra: Any) -> dict[str, Any]:
    sent: list[dict[str, Any]] = []

    def note(params: dict[str, Any], **_: Any) -> None:
        sent.append(params)

    event = "before-parameter-build.rekognition.StartContentModeration"
    stub.client.meta.events.register(event, note)
    expected = {
        "Video": {"S3Object": {"Bucket": caller.tenant.storage_bucket, "Name": "uploads/clip.mp4"}},
        "MinConfidence": 50.0,
        "ClientRequestToken": mock.ANY,
        "JobTag": mock.ANY,
    }
    if channel:
        expected["NotificationChannel"] = {"SNSTopicArn": TOPIC, "RoleArn": ROLE}
    stub.add_response("start_content_moderation", {"JobId": JOB_ID}, expected)
    response = caller.client.post("/v1/moderation/videos", _video(caller) | extra, format="json")
    assert response.status_code == 202, response.json()
    stub.client.meta.events.unregister(event, note)
    [params] = sent  # the token and the tag are the result's id: a retried start finds the same job
    assert params["ClientRequestToken"] == params["JobTag"] == response.json()["id"]
    return response.json()


def _page(
    labels_at: list[tuple[int, dict[str, Any]]], status: str = "SUCCEEDED", token: str | None = None
) -> dict[str, Any]:
    page: dict[str, Any] = {
        "JobStatus": status,
        "ModerationModelVersion": "7.0",
        "ModerationLabels": [{"Timestamp": ms, "ModerationLabel": item} for ms, item in labels_at],
    }
    if token:
        page["NextToken"] = token
    return page


def _get_params(token: str | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {"JobId": JOB_ID, "MaxResults": 1000, "SortBy": "TIMESTAMP"}
    return params | ({"NextToken": token} if token else {})


def _result(caller: Caller, result_id: str) -> ModerationResult:
    with tenant_scope(caller.tenant):
        return ModerationResult.objects.get(public_id=result_id)


def _collect(caller: Caller, result_id: str) -> dict[str, Any]:
    collect_video.apply(args=[caller.tenant.pk, _result(caller, result_id).pk]).get()
    return caller.client.get(f"/v1/moderation/videos/{result_id}").json()


def test_a_video_job_is_started_with_its_result_id_as_token_and_tag(caller: Caller, stub: Stubber) -> None:
    body = _start(caller, stub, external_ref="clip-1")
    assert (body["status"], body["decision"], body["media_type"], body["external_ref"]) == (
        "in_progress",
        None,
        "video",
        "clip-1",
    )
    result = _result(caller, body["id"])
    assert result.job_id == JOB_ID
    assert abs(result.give_up_at - result.created_at - timedelta(hours=2)) < timedelta(seconds=5)


def test_the_notification_channel_is_sent_when_configured(caller: Caller, stub: Stubber, settings: Any) -> None:
    settings.VERITY_MODERATION_SNS_TOPIC_ARN, settings.VERITY_MODERATION_SNS_ROLE_ARN = TOPIC, ROLE
    _start(caller, stub, channel=True)


def test_every_result_page_is_read_and_the_worst_segment_decides(caller: Caller, stub: Stubber) -> None:
    result_id = _start(caller, stub)["id"]
    stub.add_response("get_content_moderation", _page([(0, label("Alcohol", 99))], token="p2"), _get_params())
    stub.add_response(
        "get_content_moderation", _page([(1000, item) for item in violence(70)], token="p3"), _get_params("p2")
    )
    stub.add_response("get_content_moderation", _page([(2000, label("Hate Symbols", 85))]), _get_params("p3"))
    caller.client.put("/v1/moderation/policy", {"categories": {"Alcohol": {"ignore": True}}}, format="json")
    body = _collect(caller, result_id)
    # The version in force when the job started decides: it did not ignore alcohol yet.
    assert (body["status"], body["decision"], body["driving_category"]) == ("succeeded", "reject", "Alcohol")
    assert body["policy_version"] == 1
    assert [(s["timestamp_ms"], s["decision"], len(s["labels"])) for s in body["segments"]] == [
        (0, "reject", 1),
        (1000, "review", 3),
        (2000, "reject", 1),
    ]
    assert body["moderation_model_version"] == "7.0"
    assert body["labels"][0]["name"] == "Alcohol"


def test_a_video_sent_to_review_opens_a_task_with_its_flagged_segments(caller: Caller, stub: Stubber) -> None:
    result_id = _start(caller, stub)["id"]
    stub.add_response(
        "get_content_moderation", _page([(0, label("Gambling", 10)), (4000, label("Gambling", 65))]), _get_params()
    )
    body = _collect(caller, result_id)
    assert (body["decision"], body["review_task_id"][:4]) == ("review", "rev_")
    with tenant_scope(caller.tenant):
        task = ReviewTask.objects.select_related("result").get()
    assert [s["timestamp_ms"] for s in task.result.flagged_segments] == [4000]


def test_a_failed_job_ends_failed_with_its_message(caller: Caller, stub: Stubber) -> None:
    result_id = _start(caller, stub)["id"]
    failed = {"JobStatus": "FAILED", "StatusMessage": "Unsupported codec", "ModerationLabels": []}
    stub.add_response("get_content_moderation", failed, _get_params())
    body = _collect(caller, result_id)
    assert (body["status"], body["error_code"], body["error_message"]) == (
        "failed",
        "video_job_failed",
        "Unsupported codec",
    )
    assert _collect(caller, result_id)["status"] == "failed"  # terminal: no further engine call


def test_a_job_the_engine_does_not_know_ends_failed(caller: Caller, stub: Stubber) -> None:
    result_id = _start(caller, stub)["id"]
    stub.add_client_error("get_content_moderation", "ResourceNotFoundException", "no such job")
    assert _collect(caller, result_id)["error_code"] == "video_job_failed"


def test_a_running_job_is_polled_again_later_and_times_out_at_its_deadline(caller: Caller, stub: Stubber) -> None:
    result_id = _start(caller, stub)["id"]
    running = {"JobStatus": "IN_PROGRESS", "ModerationLabels": []}
    stub.add_response("get_content_moderation", running, _get_params())
    before = timezone.now()
    assert _collect(caller, result_id)["status"] == "in_progress"
    assert _result(caller, result_id).poll_after >= before + timedelta(seconds=60)
    with tenant_scope(caller.tenant):
        ModerationResult.objects.filter(public_id=result_id).update(give_up_at=timezone.now())
    stub.add_response("get_content_moderation", running, _get_params())
    body = _collect(caller, result_id)
    assert (body["status"], body["error_code"]) == ("failed", "video_timeout")


def test_an_engine_outage_while_collecting_leaves_the_job_to_be_polled(
    caller: Caller, stub: Stubber, settings: Any
) -> None:
    settings.VERITY_VISION_MAX_ATTEMPTS = 1
    result_id = _start(caller, stub)["id"]
    stub.add_client_error("get_content_moderation", "InternalServerError", "down", http_status_code=500)
    assert _collect(caller, result_id)["status"] == "in_progress"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"s3_object": {"bucket": "someone-elses-bucket", "name": "clip.mp4"}}, "invalid_s3_object"),
        ({"s3_object": {"name": "clip.mp4"}}, "validation_error"),
        ({}, "validation_error"),
        ({"video": "x"}, "unknown_field"),
    ],
)
def test_a_bad_video_request_is_refused_and_nothing_is_written(
    caller: Caller, stub: Stubber, body: dict[str, Any], code: str
) -> None:
    response = caller.client.post("/v1/moderation/videos", body, format="json")
    assert (response.status_code, response.json()["code"]) == (400, code)
    with tenant_scope(caller.tenant):
        assert not ModerationResult.objects.exists()


@pytest.mark.parametrize(
    ("engine_code", "status", "code"),
    [
        ("InvalidS3ObjectException", 400, "invalid_s3_object"),
        ("VideoTooLargeException", 400, "video_too_large"),
        ("InvalidParameterException", 400, "invalid_parameter"),
        ("IdempotentParameterMismatchException", 409, "idempotency_mismatch"),
    ],
)
def test_an_engine_refusal_to_start_writes_nothing(
    caller: Caller, stub: Stubber, engine_code: str, status: int, code: str
) -> None:
    stub.add_client_error("start_content_moderation", engine_code, "refused")
    response = caller.client.post("/v1/moderation/videos", _video(caller), format="json")
    assert (response.status_code, response.json()["code"]) == (status, code)
    with tenant_scope(caller.tenant):
        assert not ModerationResult.objects.exists()


def _sns_to_sqs(settings: Any) -> tuple[Any, str]:
    """The topic Rekognition publishes to, subscribed by the queue the worker reads (moto)."""
    sns, sqs = boto3.client("sns", region_name="us-east-1"), boto3.client("sqs", region_name="us-east-1")
    topic = sns.create_topic(Name="verity-video-jobs")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="verity-video-jobs")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    settings.VERITY_MODERATION_SQS_QUEUE_URL = queue_url
    return sns, topic


def test_a_completion_through_sns_and_sqs_is_collected_by_the_worker(
    caller: Caller, stub: Stubber, settings: Any
) -> None:
    sns, topic = _sns_to_sqs(settings)
    result_id = _start(caller, stub)["id"]
    completion = {
        "JobId": JOB_ID,
        "Status": "SUCCEEDED",
        "API": "StartContentModeration",
        "JobTag": result_id,
        "Timestamp": 1767225600000,
        "Video": {"S3ObjectName": "uploads/clip.mp4", "S3Bucket": caller.tenant.storage_bucket},
    }
    sns.publish(TopicArn=topic, Message=json.dumps(completion))  # as Rekognition does
    sns.publish(TopicArn=topic, Message=json.dumps(completion | {"JobId": "e" * 64}))  # not Verity's job
    sns.publish(TopicArn=topic, Message="not json")
    stub.add_response("get_content_moderation", _page([(0, label("Explicit", 95))]), _get_params())
    assert read_video_notifications.apply().get() == 1
    body = caller.client.get(f"/v1/moderation/videos/{result_id}").json()
    assert (body["status"], body["decision"], body["driving_category"]) == ("succeeded", "reject", "Explicit")
    assert read_video_notifications.apply().get() == 0  # every message was deleted


def test_without_a_queue_the_reader_does_nothing(settings: Any) -> None:
    settings.VERITY_MODERATION_SQS_QUEUE_URL = ""
    assert read_video_notifications.apply().get() == 0


def test_the_sweeper_polls_jobs_whose_notification_is_overdue(caller: Caller, stub: Stubber) -> None:
    due, waiting = _start(caller, stub)["id"], _start(caller, stub)["id"]
    with tenant_scope(caller.tenant):
        ModerationResult.objects.filter(public_id=due).update(poll_after=timezone.now() - timedelta(seconds=1))
    with mock.patch.object(collect_video, "delay") as enqueue:
        assert sweep_video_jobs.apply().get() == 1
    arguments = enqueue.call_args.args
    assert json.loads(json.dumps(arguments)) == [caller.tenant.pk, _result(caller, due).pk]
    assert _result(caller, waiting).poll_after > timezone.now()
