"""Time a retention purge of 10,000 expired subjects through the local endpoint (target: ≤ 5 minutes).

Setup (not timed): a tenant with 16 shards whose retention is 30 days, and 10,000 subjects idle
for 40 days, each with its face indexed in its shard (IndexFaces on the local endpoint, one
image for all, so the endpoint's memo spares the setup a detection per face). Timed:
``retention_purge`` as the daily worker runs it — erasure requests in batches of 1000, one
DeleteFaces per shard per batch, the database rows of a batch in one transaction, a signed
receipt per subject, the run audited. Then every collection is listed: no face may be left.

The local endpoint runs as its own process, as ``make run`` runs it. The tenant ("bench-…",
suspended at the end) is left behind.

Run from the project root against a migrated database, with Redis and PostgreSQL:
    .venv/bin/python -m bench.bench_retention [--subjects 10000] [--shards 16]
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta

from django.utils import timezone

from bench.bench_registration import bench_tenants, local_aws, variant
from tenants.models import Tenant
from tenants.scope import tenant_scope
from verification.erasure.retention import retention_purge
from verification.models import Face, Subject, VerificationSettings
from vision.calls import fan_out
from vision.gateway import Gateway
from vision.models import FaceCollection
from vision.services import shard_for


def prepare(tenant: Tenant, subjects: int) -> None:
    image = {"Bytes": variant("person_a_2", 0)}
    old = timezone.now() - timedelta(days=40)
    with tenant_scope(tenant):
        VerificationSettings.objects.create(tenant=tenant, biometric_retention_days=30)
        collections = {c.shard: c for c in FaceCollection.objects.all()}
        rows = Subject.objects.bulk_create(Subject(tenant=tenant, created_at=old) for _ in range(subjects))
        for subject in rows:
            subject.shard = shard_for(subject.public_id, tenant.shard_count)
        Subject.objects.bulk_update(rows, ["shard"])
    gateway = Gateway(tenant, max_wait=120.0)

    def index(subject: Subject) -> Face:
        collection = collections[subject.shard]
        answer = gateway.call(
            "IndexFaces",
            CollectionId=collection.collection_id,
            Image=image,
            ExternalImageId=subject.public_id,
            MaxFaces=1,
        )
        return Face(
            tenant=tenant,
            subject=subject,
            collection=collection,
            face_id=answer["FaceRecords"][0]["Face"]["FaceId"],
            face_model_version=answer.get("FaceModelVersion", ""),
        )

    with tenant_scope(tenant):
        for start in range(0, len(rows), 16):  # the endpoint's threads, a few at a time
            Face.objects.bulk_create(fan_out(index, rows[start : start + 16]))


def faces_left(tenant: Tenant) -> int:
    gateway = Gateway(tenant)
    left = 0
    with tenant_scope(tenant):
        for collection in FaceCollection.objects.all():
            token: str | None = None
            while True:
                page = gateway.call(
                    "ListFaces",
                    CollectionId=collection.collection_id,
                    MaxResults=4096,
                    **({"NextToken": token} if token else {}),
                )
                left += len(page["Faces"])
                token = page.get("NextToken")
                if not token:
                    break
    return left


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", type=int, default=10_000)
    parser.add_argument("--shards", type=int, default=16)
    args = parser.parse_args()

    with local_aws(), bench_tenants() as tenants:
        tenant = tenants(args.shards)
        setup_started = time.perf_counter()
        prepare(tenant, args.subjects)
        setup = time.perf_counter() - setup_started
        started = time.perf_counter()
        with tenant_scope(tenant):
            summary = retention_purge(tenant=tenant)
        elapsed = time.perf_counter() - started
        left = faces_left(tenant)

    print(f"{args.subjects} subjects idle past a 30-day limit, {args.shards} shards; setup {setup:.0f} s")
    print(
        f"retention purge                        {elapsed:7.1f} s   ({summary.completed} erased with receipts, "
        f"{summary.faces} faces deleted, {left} left in the collections)"
    )
    if left or summary.completed != args.subjects:
        raise SystemExit("The purge left something behind.")


if __name__ == "__main__":
    main()
