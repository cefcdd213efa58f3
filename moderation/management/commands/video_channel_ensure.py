"""manage.py video_channel_ensure: the SNS topic and SQS queue that bring video moderation results.

Creates (or finds: both calls are idempotent) the topic Rekognition Video publishes job
completions to and the queue subscribed to it that ``moderation.tasks.read_video_notifications``
drains, allows the topic to send to the queue, and prints the three settings that wire them in,
as ``NAME=value`` lines (``make run`` reads them when it serves AWS locally with moto_server).
On real AWS the role must be an IAM role Rekognition may assume to publish to the topic; it is
not created here (moto does not check it).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from config.aws import aws_client

DEFAULT_NAME = "verity-moderation-video-jobs"


class Command(BaseCommand):
    help = "Create or find the SNS topic and SQS queue of video moderation completions; print their settings."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", default=DEFAULT_NAME, help="name of the topic and of the queue")
        parser.add_argument(
            "--role-arn",
            default="arn:aws:iam::123456789012:role/verity-rekognition-sns",
            help="the IAM role Rekognition assumes to publish (real AWS: create it beforehand)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sns, sqs = aws_client("sns"), aws_client("sqs")
        topic_arn = sns.create_topic(Name=options["name"])["TopicArn"]
        queue_url = sqs.create_queue(QueueName=options["name"])["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "sns.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": queue_arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
                }
            ],
        }
        sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(policy)})
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)  # idempotent for the same pair
        self.stdout.write(f"VERITY_MODERATION_SNS_TOPIC_ARN={topic_arn}")
        self.stdout.write(f"VERITY_MODERATION_SNS_ROLE_ARN={options['role_arn']}")
        self.stdout.write(f"VERITY_MODERATION_SQS_QUEUE_URL={queue_url}")
