"""ID document pages read with DetectText (verification.documents)."""

from __future__ import annotations

from functools import partial

from django.db import models
from django.utils import timezone

from config.ids import public_id
from tenants.models import TenantOwnedModel


class Document(TenantOwnedModel):
    """An ID document page read with DetectText: its lines and its parsed MRZ.

    ``lines`` and ``mrz`` are personal data: returned to the tenant, never logged, and audited
    only as counts and check results.
    """

    public_id = models.CharField(max_length=32, unique=True, default=partial(public_id, "doc"), editable=False)
    # The lines, MRZ and problems, sealed under the tenant's KMS key (tenants.envelope); the three
    # columns below are then empty, and filled in memory by verification.documents.document_open.
    sealed = models.TextField(blank=True)
    lines = models.JSONField(default=list, blank=True)
    mrz = models.JSONField(null=True, blank=True)
    problems = models.JSONField(default=list, blank=True)  # [{"code", "detail"}]
    image_sha256 = models.CharField(max_length=64, blank=True)
    # The page in the tenant's storage (stored by Verity, or the caller's own object): a registration
    # that names the document compares the selfie with it.
    s3_bucket = models.CharField(max_length=63, blank=True)
    s3_name = models.CharField(max_length=1024, blank=True)
    s3_version = models.CharField(max_length=1024, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta(TenantOwnedModel.Meta):
        indexes = [models.Index(fields=["tenant", "created_at"])]

    def __str__(self) -> str:
        return self.public_id
