"""Subjects, their consents and reference faces, and verifications with one row per step.

A verification is a persisted state machine: each step's row records its outcome before the
next step starts, so a worker that dies mid-flow resumes where it stopped instead of repeating
engine calls (and never indexes a face twice).
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from config.ids import public_id
from tenants.models import TenantOwnedModel
from vision.models import FaceCollection


class Subject(TenantOwnedModel):
    public_id = models.CharField(max_length=32, unique=True, default=partial(public_id, "sub"), editable=False)
    # NULL, not "", for "no external id", so the per-tenant unique constraint ignores it.
    external_id = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    metadata = models.JSONField(default=dict, blank=True)
    # Metadata the tenant marked sensitive, sealed under its KMS key (tenants.envelope); "" when none.
    sensitive_metadata = models.TextField(blank=True, editable=False)
    # Chosen once, at the first registration, by a stable hash (vision.services.shard_for), and
    # never recomputed: adding shards later moves nobody.
    shard = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # Set when an erasure completed: the row stays, without personal fields, so that its consents,
    # verifications and erasure receipt keep naming it; nothing biometric runs for it again.
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta(TenantOwnedModel.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "external_id"],
                condition=models.Q(external_id__isnull=False),
                name="subject_external_id_unique_per_tenant",
            )
        ]
        indexes = [models.Index(fields=["tenant", "created_at"])]

    def __str__(self) -> str:
        return self.public_id


class ConsentPurpose(models.TextChoices):
    BIOMETRIC_VERIFICATION = "biometric_verification", "Biometric verification"


class ConsentMethod(models.TextChoices):
    CHECKBOX = "checkbox", "Checkbox"
    SIGNATURE = "signature", "Signature"
    VERBAL = "verbal", "Verbal"
    WRITTEN = "written", "Written"


class Consent(TenantOwnedModel):
    """A subject's consent to a purpose: active from ``granted_at`` until it expires or is withdrawn."""

    public_id = models.CharField(max_length=32, unique=True, default=partial(public_id, "con"), editable=False)
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=64, choices=ConsentPurpose.choices)
    text_version = models.CharField(max_length=64)
    method = models.CharField(max_length=32, choices=ConsentMethod.choices)
    granted_at = models.DateTimeField(default=timezone.now)
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # Set by withdrawal (the privacy work); a withdrawn consent stays, as evidence of what was given.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # The tenant's own reference to its record of the consent (a signed form's id), when it was
    # given elsewhere and carried in, e.g. by a batch index manifest.
    reference = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta(TenantOwnedModel.Meta):
        indexes = [
            models.Index(fields=["tenant", "subject", "purpose"]),
            models.Index(fields=["tenant", "created_at"]),
        ]

    def __str__(self) -> str:
        return self.public_id

    def is_active(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        if self.withdrawn_at is not None or self.granted_at > now:
            return False
        return self.expires_at is None or self.expires_at > now


class FaceStatus(models.TextChoices):
    ACTIVE = "active", "Active"  # the subject's one usable reference face
    RETIRED = "retired", "Retired"  # replaced; its deletion from the collection is pending
    DELETED = "deleted", "Deleted"


class Face(TenantOwnedModel):
    """A face Verity indexed for a subject (ExternalImageId = the subject's public id)."""

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="faces")
    collection = models.ForeignKey(FaceCollection, on_delete=models.PROTECT, related_name="+")
    face_id = models.CharField(max_length=64)
    face_model_version = models.CharField(max_length=16)
    # Where the reference image is kept in the tenant's storage (s3://…): the upload Verity stored,
    # or the object the caller named; kept with the face, deleted with it by an erasure.
    image_location = models.CharField(max_length=1100, blank=True)
    status = models.CharField(max_length=16, choices=FaceStatus.choices, default=FaceStatus.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    retired_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantOwnedModel.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "subject"],
                condition=models.Q(status="active"),
                name="face_one_active_per_subject",
            ),
            models.UniqueConstraint(fields=["collection", "face_id"], name="face_unique_in_collection"),
        ]
        indexes = [
            models.Index(fields=["tenant", "face_id"]),
            # The KPIs count faces indexed, replaced and deleted in a period.
            models.Index(fields=["tenant", "created_at"]),
            models.Index(fields=["tenant", "retired_at"]),
            models.Index(fields=["tenant", "deleted_at"]),
        ]

    def __str__(self) -> str:
        return self.face_id


class VerificationType(models.TextChoices):
    REGISTRATION = "registration", "Registration"
    AUTHENTICATION = "authentication", "Authentication"
    PHOTO_UPDATE = "photo_update", "Photo update"
    IDENTIFICATION = "identification", "Identification"


class VerificationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PROCESSING = "processing", "Processing"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    NEEDS_REVIEW = "needs_review", "Needs review"
    FAILED = "failed", "Failed"


FINAL_STATUSES = frozenset(
    {
        VerificationStatus.APPROVED,
        VerificationStatus.REJECTED,
        VerificationStatus.NEEDS_REVIEW,
        VerificationStatus.FAILED,
    }
)


class Verification(TenantOwnedModel):
    public_id = models.CharField(max_length=32, unique=True, default=partial(public_id, "ver"), editable=False)
    type = models.CharField(max_length=32, choices=VerificationType.choices)
    status = models.CharField(max_length=16, choices=VerificationStatus.choices, default=VerificationStatus.PENDING)
    subject = models.ForeignKey(Subject, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    liveness_session_id = models.CharField(max_length=128, blank=True)
    document_id = models.CharField(max_length=128, blank=True)
    reasons = models.JSONField(default=list, blank=True)  # [{"code", "step", "detail"}]
    matches = models.JSONField(default=list, blank=True)  # identification: [{"subject_id", "similarity"}]
    face = models.ForeignKey(Face, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # What it worked on, kept when its images are deleted at the end (no bytes): [{"role", "sha256",
    # "location", "version"}], so that an erasure finds the subject's stored objects and cached answers.
    processed_images = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantOwnedModel.Meta):
        indexes = [
            models.Index(fields=["tenant", "created_at"]),
            models.Index(fields=["tenant", "status", "updated_at"]),
            models.Index(fields=["tenant", "subject", "created_at"]),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


class StepStatus(models.TextChoices):
    RUNNING = "running", "Running"
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"


class VerificationStep(TenantOwnedModel):
    """One step of a verification: its outcome and a summary of the engine's answer (never images or vectors)."""

    verification = models.ForeignKey(Verification, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=32)
    status = models.CharField(max_length=16, choices=StepStatus.choices, default=StepStatus.RUNNING)
    attempts = models.PositiveSmallIntegerField(default=0)
    reason_code = models.CharField(max_length=64, blank=True)
    result = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantOwnedModel.Meta):
        constraints = [models.UniqueConstraint(fields=["verification", "name"], name="verification_step_unique")]
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"


class ImageRole(models.TextChoices):
    SELFIE = "selfie", "Selfie"
    ID_DOCUMENT = "id_document", "ID document"


class VerificationImage(TenantOwnedModel):
    """An image a verification works on, until it finishes: an object in the tenant's storage, either
    uploaded (stored there by Verity) or named by the caller.

    ``data`` holds bytes only for rows written before uploads were stored; the row is deleted when
    the verification reaches a final state, and the object stays until the image retention limit.
    """

    verification = models.ForeignKey(Verification, on_delete=models.CASCADE, related_name="images")
    role = models.CharField(max_length=16, choices=ImageRole.choices)
    data = models.BinaryField(null=True, blank=True)
    s3_bucket = models.CharField(max_length=63, blank=True)
    s3_name = models.CharField(max_length=1024, blank=True)
    s3_version = models.CharField(max_length=1024, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    # Uploaded by the caller and stored by Verity in the tenant's storage (SSE-KMS under its key);
    # the worker reads it back and sends its bytes. False: an S3 reference the caller gave.
    stored = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta(TenantOwnedModel.Meta):
        constraints = [models.UniqueConstraint(fields=["verification", "role"], name="verification_image_unique")]

    def __str__(self) -> str:
        return f"{self.role} of {self.verification_id}"

    @property
    def location(self) -> str:
        return f"s3://{self.s3_bucket}/{self.s3_name}" if self.s3_bucket else ""


class DuplicateAction(models.TextChoices):
    NEEDS_REVIEW = "needs_review", "Needs review"
    REJECTED = "rejected", "Rejected"


MAX_BIOMETRIC_RETENTION_DAYS = 3 * 365  # BIPA: biometric data is destroyed within three years of the last interaction
DEFAULT_ABANDONED_AFTER_HOURS = 24
MAX_ABANDONED_AFTER_HOURS = 30 * 24


class VerificationSettings(TenantOwnedModel):
    """A tenant's verification choices that are not numeric thresholds (those are tenants.Threshold)."""

    duplicate_action = models.CharField(
        max_length=16,
        choices=DuplicateAction.choices,
        default=DuplicateAction.NEEDS_REVIEW,
        help_text="What a registration whose face is already another subject's becomes.",
    )
    biometric_retention_days = models.PositiveIntegerField(
        default=MAX_BIOMETRIC_RETENTION_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_BIOMETRIC_RETENTION_DAYS)],
        help_text=(
            "A subject is erased (faces, images, personal fields) this many days after its last "
            "interaction (its creation or its latest verification). At most three years, as BIPA requires."
        ),
    )
    image_retention_days = models.PositiveIntegerField(
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_BIOMETRIC_RETENTION_DAYS)],
        help_text=(
            "Images a verification named in your storage (S3 references) are deleted this many days after "
            "it finished; a subject's reference image is kept with its face."
        ),
    )
    liveness_required = models.BooleanField(default=False, help_text="A registration must name a liveness session.")
    liveness_threshold = models.FloatField(
        default=90.0,
        validators=[MinValueValidator(0.0), MaxValueValidator(100.0)],
        help_text="A liveness session passes when Rekognition's confidence is at least this (0 to 100).",
    )
    abandoned_after_hours = models.PositiveIntegerField(
        default=DEFAULT_ABANDONED_AFTER_HOURS,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_ABANDONED_AFTER_HOURS)],
        help_text=(
            "In the KPIs, a verification still pending or processing this many hours after it was "
            "created counts as abandoned (1 to 720 hours)."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantOwnedModel.Meta):
        verbose_name_plural = "verification settings"
        constraints = [models.UniqueConstraint(fields=["tenant"], name="verification_settings_one_per_tenant")]

    def __str__(self) -> str:
        return "Verification settings"


class ErasureReason(models.TextChoices):
    REQUEST = "request", "Erasure request"
    CONSENT_WITHDRAWN = "consent_withdrawn", "Consent withdrawn"
    CONSENT_EXPIRED = "consent_expired", "Consent expired"
    RETENTION = "retention", "Retention limit reached"
    OFFBOARDING = "offboarding", "Tenant offboarded"


class ErasureStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed (retried)"


# The stores an erasure empties, in the order it empties them.
ERASURE_STORES = ("collections", "objects", "cache", "database")


class Erasure(TenantOwnedModel):
    """The erasure of one subject's biometric and personal data, and its signed receipt.

    ``progress`` holds, per store, whether it is done and what was deleted there (counts and ids,
    never personal data); ``receipt`` the exact bytes of the signed receipt once completed.
    """

    public_id = models.CharField(max_length=32, unique=True, default=partial(public_id, "era"), editable=False)
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=32, choices=ErasureReason.choices)
    requested_by = models.CharField(max_length=256)
    status = models.CharField(max_length=16, choices=ErasureStatus.choices, default=ErasureStatus.PENDING)
    progress = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=256, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)  # when it was requested
    started_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    receipt = models.BinaryField(null=True, blank=True, editable=False)

    class Meta(TenantOwnedModel.Meta):
        constraints = [models.UniqueConstraint(fields=["subject"], name="erasure_one_per_subject")]
        indexes = [models.Index(fields=["tenant", "status"])]

    def __str__(self) -> str:
        return self.public_id


# Batch indexing's models, in a module of their own (and part of this one).
from verification.models.batch import BatchIndexItem as BatchIndexItem  # noqa: E402 - after what they point to
from verification.models.batch import BatchIndexJob as BatchIndexJob  # noqa: E402
from verification.models.batch import BatchItemStatus as BatchItemStatus  # noqa: E402
from verification.models.batch import BatchJobStatus as BatchJobStatus  # noqa: E402
from verification.models.document import Document as Document  # noqa: E402
from verification.models.liveness import LivenessSession as LivenessSession  # noqa: E402
from verification.models.liveness import LivenessStatus as LivenessStatus  # noqa: E402
