"""manage.py video_channel_ensure: topic, queue and subscription, idempotent, a completion reaches the queue."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from config.aws import aws_client
from moderation.services.videos import completion_job_id


def _settings() -> dict[str, str]:
    out = io.StringIO()
    call_command("video_channel_ensure", stdout=out)
    return dict(line.split("=", 1) for line in out.getvalue().splitlines())


@pytest.mark.usefixtures("aws")
def test_the_channel_is_created_once_and_delivers_a_completion_to_the_queue() -> None:
    first = _settings()
    again = _settings()

    assert first == again
    assert set(first) == {
        "VERITY_MODERATION_SNS_TOPIC_ARN",
        "VERITY_MODERATION_SNS_ROLE_ARN",
        "VERITY_MODERATION_SQS_QUEUE_URL",
    }
    topic = first["VERITY_MODERATION_SNS_TOPIC_ARN"]
    assert len(aws_client("sns").list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]) == 1
    completion = {"JobId": "j" * 64, "Status": "SUCCEEDED", "API": "StartContentModeration"}
    aws_client("sns").publish(TopicArn=topic, Message=json.dumps(completion))
    messages = aws_client("sqs").receive_message(
        QueueUrl=first["VERITY_MODERATION_SQS_QUEUE_URL"], MaxNumberOfMessages=10
    )["Messages"]
    assert [completion_job_id(message["Body"]) for message in messages] == ["j" * 64]
