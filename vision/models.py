"""The tenant's face collections: one Rekognition collection per shard, named ``verity-<tenant public id>-sNN``."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from tenants.models import Tenant, TenantOwnedModel


def collection_prefix(tenant: Tenant) -> str:
    """What every collection id of this tenant starts with: its public id, which no other tenant ever has.

    Not its slug: a slug can be taken again by a later tenant, who must never adopt the
    collections (and faces) an earlier one left behind.
    """
    return f"verity-{tenant.public_id}-"


def collection_name(*, tenant: Tenant, shard: int) -> str:
    """``verity-<tenant public id>-sNN``: the Rekognition collection id of a tenant's shard."""
    return f"{collection_prefix(tenant)}s{shard:02d}"


class FaceCollection(TenantOwnedModel):
    """A shard of the tenant's faces; its FaceModelVersion decides which thresholds apply."""

    shard = models.PositiveSmallIntegerField()
    # Collection ids are unique per AWS account and region, which every tenant shares.
    collection_id = models.CharField(max_length=255, unique=True)
    collection_arn = models.CharField(max_length=2048)
    face_model_version = models.CharField(max_length=16)
    face_count = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta(TenantOwnedModel.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant", "shard"], name="face_collection_unique_shard")]
        ordering = ["shard"]

    def __str__(self) -> str:
        return self.collection_id
