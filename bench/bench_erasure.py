"""Time the erasure of a subject whose faces are in 16 shards, through the local endpoint, to its signed receipt.

Each run prepares a subject as the flows leave one after registrations and photo updates: its
face indexed in every one of the tenant's 16 collections (one active, the others retired), its
selfie kept in the tenant's bucket (moto_server's S3) and named by a finished verification, and
the gateway's cached DetectFaces answer for that selfie in Redis. Then the erasure is requested
and run as the worker runs it (``erasure_request`` and ``erasure_run`` in the tenant's scope,
without the broker hop): DeleteFaces in the 16 collections, DeleteObject, the cache entries, the
database, and the receipt signed with the audit key. Timed from the request to the completed,
signed erasure; after each run the engine is asked whether any of the subject's faces is left.

The local endpoint and moto_server run as their own processes, as ``make run`` runs them. The
tenant ("bench-…", suspended at the end) is left behind.

Run from the project root against a migrated database, with Redis and PostgreSQL:
    .venv/bin/python -m bench.bench_erasure [--runs 20] [--shards 16]
"""

from __future__ import annotations

import argparse
import time

from django.conf import settings

from bench.bench_registration import bench_tenants, describe, local_aws, variant
from config.aws import aws_client
from tenants.models import Tenant
from tenants.scope import tenant_scope
from verification.erasure import erasure_request, erasure_run
from verification.models import (
    Consent,
    ErasureStatus,
    Face,
    FaceStatus,
    Subject,
    Verification,
    VerificationStatus,
    VerificationType,
)
from vision.gateway import Gateway
from vision.models import FaceCollection

BUCKET = "verity-bench-erasure"  # within the local endpoint's allowed buckets (verity-*)


def prepare_subject(tenant: Tenant, collections: list[FaceCollection], run: int) -> Subject:
    """A subject with a face in every collection, a stored selfie and a cached engine answer."""
    selfie = variant("person_a_2", run)
    with tenant_scope(tenant):
        subject = Subject.objects.create(tenant=tenant, external_id=f"bench-erasure-{run}-{time.time_ns()}")
        Consent.objects.create(
            tenant=tenant, subject=subject, purpose="biometric_verification", text_version="v1", method="checkbox"
        )
        gateway = Gateway(tenant)
        gateway.call("DetectFaces", Image={"Bytes": selfie}, Attributes=["ALL"])  # cached, listed under the selfie
        for index, collection in enumerate(collections):
            indexed = gateway.call(
                "IndexFaces",
                CollectionId=collection.collection_id,
                Image={"Bytes": selfie},
                ExternalImageId=subject.public_id,
                MaxFaces=1,
            )
            Face.objects.create(
                tenant=tenant,
                subject=subject,
                collection=collection,
                face_id=indexed["FaceRecords"][0]["Face"]["FaceId"],
                face_model_version=indexed.get("FaceModelVersion", ""),
                status=FaceStatus.ACTIVE if index == 0 else FaceStatus.RETIRED,
            )
        key = f"{tenant.storage_prefix}selfies/{subject.public_id}.jpg"
        aws_client("s3", tenant.region).put_object(Bucket=BUCKET, Key=key, Body=selfie)
        Verification.objects.create(
            tenant=tenant,
            type=VerificationType.REGISTRATION,
            status=VerificationStatus.APPROVED,
            subject=subject,
            processed_images=[{"role": "selfie", "sha256": "", "location": f"s3://{BUCKET}/{key}", "version": ""}],
        )
    return subject


def erase(tenant: Tenant, subject: Subject) -> float:
    start = time.perf_counter()
    with tenant_scope(tenant):
        erasure = erasure_request(tenant=tenant, subject=subject, reason="request", requested_by="bench")
        erasure = erasure_run(tenant=tenant, erasure_id=erasure.pk)
    elapsed = (time.perf_counter() - start) * 1000
    if erasure.status != ErasureStatus.COMPLETED or not erasure.receipt:
        raise SystemExit(f"Erasure {erasure.public_id} ended {erasure.status}.")
    return elapsed


def faces_left(tenant: Tenant, collections: list[FaceCollection], subject: Subject) -> int:
    gateway = Gateway(tenant)
    with tenant_scope(tenant):
        return sum(
            face.get("ExternalImageId") == subject.public_id
            for collection in collections
            for face in gateway.call("ListFaces", CollectionId=collection.collection_id)["Faces"]
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--shards", type=int, default=16)
    args = parser.parse_args()

    settings.CELERY_TASK_ALWAYS_EAGER = False
    timings: list[float] = []
    with local_aws(), bench_tenants(BUCKET) as tenants:
        tenant = tenants(args.shards)
        with tenant_scope(tenant):
            collections = list(FaceCollection.objects.order_by("shard"))
        erase(tenant, prepare_subject(tenant, collections, -1))  # warm-up: models, connections, the signing key
        for run in range(args.runs):
            subject = prepare_subject(tenant, collections, run)
            timings.append(erase(tenant, subject))
            if left := faces_left(tenant, collections, subject):
                raise SystemExit(f"{left} face(s) of {subject.public_id} left in the collections.")

    print(f"{args.runs} runs; {args.shards} shards; local endpoint and moto_server in their own processes")
    print(f"erasure, request to signed receipt     {describe(timings)}   (no face left in any collection)")


if __name__ == "__main__":
    main()
