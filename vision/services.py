"""Writes for the vision app: the tenant's shard collections, and the stable shard chooser."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable
from typing import Any

from tenants.models import Tenant
from tenants.scope import require_scope
from vision.errors import ResourceConflict, ResourceNotFound
from vision.gateway import Gateway
from vision.models import FaceCollection, collection_name


def shard_for(subject_public_id: str, shard_count: int) -> int:
    """The shard a new subject's face goes to: SHA-256, so every process and release agrees.

    The result changes when ``shard_count`` does, which is why a subject's shard is recorded once
    and never recomputed.
    """
    if shard_count < 1:
        raise ValueError("A tenant has at least one shard.")
    digest = hashlib.sha256(subject_public_id.encode()).digest()
    return int.from_bytes(digest[:8], "big") % shard_count


def collections_ensure(*, tenant: Tenant) -> list[FaceCollection]:
    """Create (or adopt) the collections of shards 0..shard_count-1 that have no row yet.

    Safe to call again, also concurrently, and the way to add shards: raise
    ``tenant.shard_count`` and call it. The engine calls run outside any transaction; each new
    row is then inserted on its own, and a row a concurrent call inserted first is kept.
    """
    require_scope(tenant)
    gateway = Gateway(tenant)
    existing = set(FaceCollection.objects.values_list("shard", flat=True))
    for shard in range(tenant.shard_count):
        if shard not in existing:
            collection = collection_create(gateway.call, tenant=tenant, shard=shard)
            FaceCollection.objects.bulk_create([collection], ignore_conflicts=True)
    return list(FaceCollection.objects.order_by("shard"))


def collection_create(call: Callable[..., dict[str, Any]], *, tenant: Tenant, shard: int) -> FaceCollection:
    """Create the shard's collection with ``call`` (the gateway's, or provisioning's), or adopt it.

    A collection that exists in Rekognition without a row (a crash between the two, a
    concurrent call, or a restored database) is adopted through DescribeCollection. Returns the
    row to save, unsaved.
    """
    name = collection_name(tenant=tenant, shard=shard)
    try:
        created = call("CreateCollection", CollectionId=name, Tags={"verity:tenant": tenant.slug})
        arn, model_version, face_count = created["CollectionArn"], created["FaceModelVersion"], 0
    except ResourceConflict as exc:
        if exc.code != "resource_already_exists":
            raise
        described = call("DescribeCollection", CollectionId=name)
        arn = described["CollectionARN"]
        model_version, face_count = described["FaceModelVersion"], described["FaceCount"]
    return FaceCollection(
        tenant=tenant,
        shard=shard,
        collection_id=name,
        collection_arn=arn,
        face_model_version=model_version,
        face_count=face_count,
    )


def collections_delete(*, tenant: Tenant) -> list[str]:
    """Delete every collection of the tenant in the engine (offboarding); one already gone counts as deleted.

    The rows stay, as the record of which collections there were.
    """
    require_scope(tenant)
    gateway = Gateway(tenant, max_wait=60.0)
    names = list(FaceCollection.objects.order_by("shard").values_list("collection_id", flat=True))
    for name in names:
        with contextlib.suppress(ResourceNotFound):
            gateway.call("DeleteCollection", CollectionId=name)
    return names
