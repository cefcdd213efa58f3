"""Moderation policies (versioned), moderation results of images and videos, and review tasks.

A policy version is never changed once written: a new version replaces it as the tenant's
current one, and every result keeps the version that decided it.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from config.ids import public_id
from tenants.models import TenantOwnedModel


class ModerationPolicy(TenantOwnedModel):
    """One version of a tenant's thresholds: ``rules`` maps every top-level category to
    ``{"review_at": x, "reject_at": y}`` or ``{"ignore": true}`` (moderation.policies)."""

    version = models.PositiveIntegerField()
    rules = models.JSONField()
    created_by = models.CharField(max_length=256, blank=True, help_text="Who wrote this version.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta(TenantOwnedModel.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant", "version"], name="moderation_policy_version_unique")]
        ordering = ["-version"]
        verbose_name_plural = "moderation policies"

    def __str__(self) -> str:
        return f"policy v{self.version}"


class MediaType(models.TextChoices):
    IMAGE = "image", "Image"
    VIDEO = "video", "Video"


class ResultStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # accepted, not yet analysed (async images)
    IN_PROGRESS = "in_progress", "In progress"  # a video job is running
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class Decision(models.TextChoices):
    APPROVE = "approve", "Approve"
    REVIEW = "review", "Review"
    REJECT = "reject", "Reject"


class ModerationResult(TenantOwnedModel):
    public_id = models.CharField(max_length=32, unique=True, default=partial(public_id, "mod"), editable=False)
    media_type = models.CharField(max_length=8, choices=MediaType.choices)
    status = models.CharField(max_length=16, choices=ResultStatus.choices)
    policy = models.ForeignKey(ModerationPolicy, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=8, choices=Decision.choices, blank=True)
    driving_category = models.CharField(max_length=128, blank=True)
    labels = models.JSONField(default=list, blank=True)
    segments = models.JSONField(default=list, blank=True, help_text="Videos: labels grouped by timestamp.")
    moderation_model_version = models.CharField(max_length=64, blank=True)
    # Images sent as bytes: their SHA-256 (the cache key with the policy version) and, when a
    # reviewer or an async worker needs them, where they are kept in the tenant's bucket.
    image_sha256 = models.CharField(max_length=64, blank=True)
    s3_bucket = models.CharField(max_length=63, blank=True)
    s3_key = models.CharField(max_length=1024, blank=True)
    s3_version = models.CharField(max_length=1024, blank=True)
    reused_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", help_text="The cache hit's source."
    )
    external_ref = models.CharField(max_length=255, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    # Videos: Rekognition's job, when a completion notification may still arrive, and when to give up.
    job_id = models.CharField(max_length=64, blank=True)
    poll_after = models.DateTimeField(null=True, blank=True)
    give_up_at = models.DateTimeField(null=True, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.CharField(max_length=1024, blank=True)
    # The human decision on a reviewed result; ``decision`` stays the automated one.
    final_decision = models.CharField(max_length=8, choices=Decision.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantOwnedModel.Meta):
        indexes = [
            models.Index(fields=["tenant", "created_at"]),
            models.Index(fields=["tenant", "image_sha256", "policy"]),
            models.Index(fields=["tenant", "job_id"]),
            models.Index(fields=["status", "poll_after"]),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def policy_version(self) -> int:
        return self.policy.version

    @property
    def flagged_segments(self) -> list[dict[str, Any]]:
        return [segment for segment in self.segments if segment.get("decision") != Decision.APPROVE]


class ReviewStatus(models.TextChoices):
    OPEN = "open", "Open"
    DECIDED = "decided", "Decided"


class ReviewTask(TenantOwnedModel):
    """A human look at a result the policy sent to review. Claimed by one reviewer at a time."""

    public_id = models.CharField(max_length=32, unique=True, default=partial(public_id, "rev"), editable=False)
    result = models.OneToOneField(ModerationResult, on_delete=models.CASCADE, related_name="review_task")
    status = models.CharField(max_length=8, choices=ReviewStatus.choices, default=ReviewStatus.OPEN)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claim_expires_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=8, choices=Decision.choices, blank=True)
    note = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta(TenantOwnedModel.Meta):
        indexes = [models.Index(fields=["tenant", "status", "created_at"])]
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.public_id

    def claimed_by_other(self, user: Any, now: Any = None) -> bool:
        now = now or timezone.now()
        return bool(
            self.assignee_id is not None
            and self.assignee_id != user.pk
            and self.claim_expires_at is not None
            and self.claim_expires_at > now
        )


MAX_UPLOAD_RETENTION_DAYS = 3 * 365


class ModerationSettings(TenantOwnedModel):
    """A tenant's moderation choices that are not the policy's thresholds."""

    upload_retention_days = models.PositiveIntegerField(
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_UPLOAD_RETENTION_DAYS)],
        help_text=(
            "Images Verity keeps for moderation (asynchronous requests, reviews) are deleted this many days "
            "after they were sent; an image whose review is still open is kept until it is decided."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantOwnedModel.Meta):
        verbose_name_plural = "moderation settings"
        constraints = [models.UniqueConstraint(fields=["tenant"], name="moderation_settings_one_per_tenant")]

    def __str__(self) -> str:
        return "Moderation settings"
