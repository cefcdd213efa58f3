"""Face Liveness sessions: created for a tenant, completed by the user's device, consumed once by a registration."""

from __future__ import annotations

from functools import partial

from django.db import models
from django.utils import timezone

from config.ids import public_id
from tenants.models import TenantOwnedModel


class LivenessStatus(models.TextChoices):
    # Rekognition's own: GetFaceLivenessSessionResults' Status.
    CREATED = "CREATED", "Created"
    IN_PROGRESS = "IN_PROGRESS", "In progress"
    SUCCEEDED = "SUCCEEDED", "Succeeded"
    FAILED = "FAILED", "Failed"
    EXPIRED = "EXPIRED", "Expired"


LIVENESS_FINAL_STATUSES = frozenset({LivenessStatus.SUCCEEDED, LivenessStatus.FAILED, LivenessStatus.EXPIRED})
# Rekognition expires a session not completed within three minutes of its creation.
LIVENESS_SESSION_LIFETIME_SECONDS = 180


class LivenessSession(TenantOwnedModel):
    """A CreateFaceLivenessSession of the tenant's, its last known result, and the verification that used it.

    The reference image stays where Rekognition wrote it (the tenant's bucket, under its key);
    only its location is kept here, never its bytes.
    """

    public_id = models.CharField(max_length=32, unique=True, default=partial(public_id, "liv"), editable=False)
    session_id = models.CharField(max_length=64, unique=True)
    subject = models.ForeignKey(
        "verification.Subject", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(max_length=16, choices=LivenessStatus.choices, default=LivenessStatus.CREATED)
    confidence = models.FloatField(null=True, blank=True)
    reference_bucket = models.CharField(max_length=63, blank=True)
    reference_name = models.CharField(max_length=1024, blank=True)
    reference_version = models.CharField(max_length=1024, blank=True)
    # Single use: the verification that consumed it (set once, by a conditional update).
    consumed_by = models.OneToOneField(
        "verification.Verification", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantOwnedModel.Meta):
        indexes = [models.Index(fields=["tenant", "created_at"])]

    def __str__(self) -> str:
        return self.public_id

    @property
    def is_final(self) -> bool:
        return self.status in LIVENESS_FINAL_STATUSES
