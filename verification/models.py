"""Subjects: the people a tenant verifies. No personal data is required to create one."""

from __future__ import annotations

from functools import partial

from django.db import models
from django.utils import timezone

from config.ids import public_id
from tenants.models import TenantOwnedModel


class Subject(TenantOwnedModel):
    public_id = models.CharField(max_length=32, unique=True, default=partial(public_id, "sub"), editable=False)
    # NULL, not "", for "no external id", so the per-tenant unique constraint ignores it.
    external_id = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

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
