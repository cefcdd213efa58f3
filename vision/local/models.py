"""What the local Rekognition-compatible endpoint persists, namespaced like AWS resources.

``account`` is the caller's access key id (taken from its SigV4 ``Authorization`` header) and
``region`` the region it signed for: together they play the part of an AWS account and region,
so two access keys never see each other's collections, sessions or jobs. These rows belong to
the emulated AWS side, not to a Verity tenant, so they are not tenant-owned models.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone


class Collection(models.Model):
    account = models.CharField(max_length=128)
    region = models.CharField(max_length=32)
    collection_id = models.CharField(max_length=255)
    face_model_version = models.CharField(max_length=64)
    tags = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "region", "collection_id"], name="rekognition_local_collection_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account}/{self.region}/{self.collection_id}"


class Face(models.Model):
    """One indexed face. The embedding is the raw little-endian float32 vector (512 bytes)."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="faces")
    face_id = models.UUIDField(default=uuid.uuid4, unique=True)
    image_id = models.UUIDField()
    external_image_id = models.CharField(max_length=255, blank=True, default="")
    bounding_box = models.JSONField()
    confidence = models.FloatField()
    embedding = models.BinaryField()
    indexed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["collection", "face_id"], name="rekognition_local_face_page")]

    def __str__(self) -> str:
        return str(self.face_id)


class LivenessSession(models.Model):
    class Status(models.TextChoices):
        CREATED = "CREATED"
        SUCCEEDED = "SUCCEEDED"
        FAILED = "FAILED"

    account = models.CharField(max_length=128)
    region = models.CharField(max_length=32)
    session_id = models.UUIDField(default=uuid.uuid4, unique=True)
    client_request_token = models.CharField(max_length=64, blank=True, default="")
    kms_key_id = models.CharField(max_length=2048, blank=True, default="")
    output_bucket = models.CharField(max_length=255, blank=True, default="")
    output_key_prefix = models.CharField(max_length=950, blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CREATED)
    confidence = models.FloatField(null=True, blank=True)
    reference_image = models.BinaryField(null=True, blank=True)
    reference_s3_key = models.CharField(max_length=1024, blank=True, default="")
    reference_bounding_box = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "region", "client_request_token"],
                condition=~models.Q(client_request_token=""),
                name="rekognition_local_liveness_token_unique",
            )
        ]

    def __str__(self) -> str:
        return str(self.session_id)


class ModerationJob(models.Model):
    class Status(models.TextChoices):
        IN_PROGRESS = "IN_PROGRESS"
        SUCCEEDED = "SUCCEEDED"
        FAILED = "FAILED"

    account = models.CharField(max_length=128)
    region = models.CharField(max_length=32)
    job_id = models.CharField(max_length=64, unique=True)
    client_request_token = models.CharField(max_length=64, blank=True, default="")
    # SHA-256 of the request minus its token: a reused token with other parameters is refused.
    request_fingerprint = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    status_message = models.TextField(blank=True, default="")
    video_bucket = models.CharField(max_length=255)
    video_name = models.CharField(max_length=1024)
    video_version = models.CharField(max_length=1024, blank=True, default="")
    min_confidence = models.FloatField()
    job_tag = models.CharField(max_length=1024, blank=True, default="")
    sns_topic_arn = models.CharField(max_length=1024, blank=True, default="")
    role_arn = models.CharField(max_length=1024, blank=True, default="")
    video_metadata = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "region", "client_request_token"],
                condition=~models.Q(client_request_token=""),
                name="rekognition_local_job_token_unique",
            )
        ]

    def __str__(self) -> str:
        return self.job_id

    @property
    def s3_object(self) -> dict[str, str]:
        """The video as Rekognition's ``S3Object`` member."""
        s3_object = {"Bucket": self.video_bucket, "Name": self.video_name}
        if self.video_version:
            s3_object["Version"] = self.video_version
        return s3_object


class ModerationDetection(models.Model):
    """One moderation label found in one sampled frame of a job's video."""

    job = models.ForeignKey(ModerationJob, on_delete=models.CASCADE, related_name="detections")
    timestamp_ms = models.BigIntegerField()
    name = models.CharField(max_length=255)
    parent_name = models.CharField(max_length=255, blank=True, default="")
    confidence = models.FloatField()
    taxonomy_level = models.PositiveSmallIntegerField()

    class Meta:
        indexes = [models.Index(fields=["job", "timestamp_ms"], name="rekognition_local_detection_ts")]

    def __str__(self) -> str:
        return f"{self.job_id}@{self.timestamp_ms}: {self.name}"
