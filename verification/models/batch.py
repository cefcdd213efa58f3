"""Batch index jobs: a manifest of faces to index in bulk, one row per line (verification.batch)."""

from __future__ import annotations

from functools import partial

from django.db import models
from django.utils import timezone

from config.ids import public_id
from tenants.models import TenantOwnedModel


class BatchJobStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # accepted; the manifest is not read yet
    INDEXING = "indexing", "Indexing"
    DEDUPLICATING = "deduplicating", "Looking for duplicates"
    COMPLETED = "completed", "Completed"  # every item indexed or failed, and the duplicate pass done
    FAILED = "failed", "Failed"  # the manifest could not be read or is too large: no item ran


class BatchIndexJob(TenantOwnedModel):
    """A manifest of (external id, image in the tenant's storage, consent reference) lines to index.

    One row per line (``BatchIndexItem``); the job runs in slices under a lease, so a worker that
    dies mid-job is replaced by the next one that picks the job up, which resumes where it stopped.
    """

    public_id = models.CharField(max_length=32, unique=True, default=partial(public_id, "job"), editable=False)
    status = models.CharField(max_length=16, choices=BatchJobStatus.choices, default=BatchJobStatus.PENDING)
    manifest_bucket = models.CharField(max_length=63)
    manifest_name = models.CharField(max_length=1024)
    manifest_version = models.CharField(max_length=1024, blank=True)
    manifest_format = models.CharField(max_length=8, blank=True)  # csv or jsonl; "" until read when not given
    # The terms of the consents the manifest's references stand for: {"text_version", "method"} or {}.
    consent_terms = models.JSONField(default=dict, blank=True)
    consent_source_ip = models.GenericIPAddressField(null=True, blank=True)
    total_items = models.PositiveIntegerField(default=0)
    error_code = models.CharField(max_length=64, blank=True)
    error_detail = models.CharField(max_length=512, blank=True)
    # Which runner holds the job (host, process and a random part), until when (a runner renews
    # its lease while it works).
    lease_token = models.CharField(max_length=255, blank=True, editable=False)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantOwnedModel.Meta):
        indexes = [models.Index(fields=["tenant", "created_at"]), models.Index(fields=["tenant", "status"])]

    def __str__(self) -> str:
        return self.public_id

    @property
    def is_final(self) -> bool:
        return self.status in (BatchJobStatus.COMPLETED, BatchJobStatus.FAILED)


class BatchItemStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    # Claimed by a runner: an IndexFaces call may be in flight; a later attempt first adopts what it indexed.
    INDEXING = "indexing", "Indexing"
    INDEXED = "indexed", "Indexed"
    FAILED = "failed", "Failed"


class BatchIndexItem(TenantOwnedModel):
    """One line of a batch index manifest and what became of it (never image bytes or vectors)."""

    job = models.ForeignKey(BatchIndexJob, on_delete=models.CASCADE, related_name="items")
    line = models.PositiveIntegerField()  # the manifest's line number, from 1
    external_id = models.CharField(max_length=255, blank=True)
    s3_name = models.CharField(max_length=1024, blank=True)
    consent_reference = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=16, choices=BatchItemStatus.choices, default=BatchItemStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error_code = models.CharField(max_length=64, blank=True)
    error_detail = models.CharField(max_length=512, blank=True)
    subject = models.ForeignKey(
        "verification.Subject", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    face = models.ForeignKey("verification.Face", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    adopted = models.BooleanField(default=False)  # the face an interrupted attempt indexed was adopted
    # The duplicate pass: other subjects whose face matches this item's, [{"subject_id", "similarity"}].
    duplicates = models.JSONField(default=list, blank=True)
    duplicates_checked = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantOwnedModel.Meta):
        constraints = [models.UniqueConstraint(fields=["job", "line"], name="batch_item_line_unique")]
        indexes = [
            models.Index(fields=["tenant", "job", "status"]),
            models.Index(fields=["tenant", "job", "line"]),
        ]

    def __str__(self) -> str:
        return f"line {self.line} of {self.job_id}"
