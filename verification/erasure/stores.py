"""The four stores an erasure empties, each for a batch of subjects at once.

Each ``empty_<store>(tenant, subjects)`` deletes what the subjects have in that store and returns,
per subject (by primary key), what was deleted there: counts and ids, never personal data. A
batch of one is an erasure request; a batch of hundreds is a retention purge, whose engine calls
are batched as Rekognition allows (DeleteFaces: 4096 face ids a call, per collection).

Reads run in short transactions (or alone); the engine, S3 and Redis are called with no
transaction open; the database store is one transaction. Deleting what is already gone counts as
deleted, so a store run again after a failure midway does no harm.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from config.aws import aws_client
from config.errors import UpstreamUnavailable
from tenants.models import Tenant
from tenants.scope import scope_database
from verification.images import storage_audited
from verification.models import Document, Face, FaceStatus, Subject, Verification, VerificationImage, VerificationStep
from verification.selectors import stored_objects, subject_images
from vision import cache
from vision.errors import ResourceNotFound
from vision.gateway import Gateway

DELETE_FACES_BATCH = 4096  # Rekognition's limit of face ids per DeleteFaces call
Outcomes = dict[int, dict[str, Any]]


def empty_collections(tenant: Tenant, subjects: Sequence[Subject]) -> Outcomes:
    faces = list(
        Face.objects.filter(subject__in=subjects, deleted_at__isnull=True).values_list(
            "subject_id", "face_id", "collection__collection_id"
        )
    )
    by_collection: dict[str, list[str]] = defaultdict(list)
    for _, face_id, collection_id in faces:
        by_collection[collection_id].append(face_id)
    gateway = Gateway(tenant, max_wait=60.0)
    for collection_id, face_ids in sorted(by_collection.items()):
        for start in range(0, len(face_ids), DELETE_FACES_BATCH):
            delete_faces(gateway, collection_id, face_ids[start : start + DELETE_FACES_BATCH])
    with transaction.atomic(using=scope_database()):
        Face.objects.filter(subject__in=subjects, face_id__in=[face for _, face, _ in faces]).update(
            status=FaceStatus.DELETED, deleted_at=timezone.now()
        )
    outcomes: Outcomes = {subject.pk: {"deleted": 0, "ids": [], "collections": []} for subject in subjects}
    for subject_id, face_id, collection_id in sorted(faces, key=lambda face: face[1]):
        outcome = outcomes[subject_id]
        outcome["deleted"] += 1
        outcome["ids"].append(face_id)
        if collection_id not in outcome["collections"]:
            outcome["collections"] = sorted([*outcome["collections"], collection_id])
    return outcomes


def delete_faces(gateway: Gateway, collection_id: str, face_ids: list[str]) -> None:
    """DeleteFaces for up to 4096 ids; a face the engine no longer has counts as deleted."""
    try:
        answer = gateway.call("DeleteFaces", CollectionId=collection_id, FaceIds=face_ids)
    except ResourceNotFound:  # the collection itself is gone, and its faces with it
        return
    refused = [
        item["FaceId"]
        for item in answer.get("UnsuccessfulFaceDeletions", [])
        if "FACE_NOT_FOUND" not in item.get("Reasons", [])  # not found: already deleted
    ]
    if refused:
        raise UpstreamUnavailable(f"The engine did not delete {len(refused)} face(s) of {collection_id}.")


def empty_objects(tenant: Tenant, subjects: Sequence[Subject]) -> Outcomes:
    outcomes: Outcomes = {}
    s3 = aws_client("s3", tenant.region)
    stored = stored_objects(tenant, subjects)
    for subject in subjects:
        objects = stored.get(subject.pk, [])
        for bucket, key, version in objects:
            delete_object(tenant, s3, bucket, key, version)
        outcomes[subject.pk] = {"deleted": len(objects), "ids": sorted(key for _, key, _ in objects)}
    return outcomes


def delete_object(tenant: Tenant, s3: Any, bucket: str, key: str, version: str) -> None:
    parameters = {"Bucket": bucket, "Key": key} | ({"VersionId": version} if version else {})
    error = None
    try:
        s3.delete_object(**parameters)
    except (BotoCoreError, ClientError) as exc:
        error = exc
    storage_audited(tenant, "DeleteObject", parameters, error)
    if error is not None:
        raise UpstreamUnavailable("A stored image could not be deleted.") from error


def _document_ids(subjects: Sequence[Subject]) -> dict[int, list[str]]:
    documents: dict[int, list[str]] = defaultdict(list)
    for subject_id, document_id in (
        Verification.objects.filter(subject__in=subjects)
        .exclude(document_id="")
        .values_list("subject_id", "document_id")
    ):
        documents[subject_id].append(document_id)
    return documents


def empty_cache(tenant: Tenant, subjects: Sequence[Subject]) -> Outcomes:
    processed, documents = subject_images(subjects), _document_ids(subjects)
    document_digests = dict(
        Document.objects.filter(public_id__in=[d for ids in documents.values() for d in ids])
        .exclude(image_sha256="")
        .values_list("public_id", "image_sha256")
    )
    outcomes: Outcomes = {}
    for subject in subjects:
        digests = {image.get("sha256", "") for image in processed.get(subject.pk, [])}
        digests |= {document_digests.get(document_id, "") for document_id in documents.get(subject.pk, [])}
        digests.discard("")
        deleted = cache.forget_images(tenant_key=tenant.public_id, images=digests)
        outcomes[subject.pk] = {"deleted": deleted, "images": len(digests)}
    return outcomes


def _per_subject(rows: Iterable[dict[str, Any]], key: str) -> dict[int, int]:
    return {row[key]: row["n"] for row in rows}


def empty_database(tenant: Tenant, subjects: Sequence[Subject]) -> Outcomes:
    public_ids = {subject.public_id: subject.pk for subject in subjects}
    counts: dict[str, dict[int, int]] = {}
    with transaction.atomic(using=scope_database()):
        verifications = Verification.objects.filter(subject__in=subjects)

        def counted(name: str, rows: Any, key: str, erase: Callable[[], object]) -> None:
            counts[name] = _per_subject(rows.values(key).annotate(n=Count("pk")), key)
            erase()

        images = VerificationImage.objects.filter(verification__subject__in=subjects)
        counted("verification_images", images, "verification__subject_id", images.delete)
        documents = _document_ids(subjects)
        Document.objects.filter(public_id__in=[d for ids in documents.values() for d in ids]).delete()
        counts["documents"] = {subject_id: len(ids) for subject_id, ids in documents.items()}
        steps = VerificationStep.objects.filter(verification__subject__in=subjects).exclude(result={})
        counted("step_results", steps, "verification__subject_id", lambda: steps.update(result={}))
        own = verifications.exclude(matches=[])
        counted("matches", own, "subject_id", lambda: own.update(matches=[]))
        naming = Q()
        for public_id in public_ids:
            naming |= Q(matches__contains=[{"subject_id": public_id}])
        for verification in Verification.objects.filter(naming).exclude(matches=[]).only("pk", "matches"):
            named = {public_ids[m["subject_id"]] for m in verification.matches if m.get("subject_id") in public_ids}
            for subject_id in named:
                counts["matches"][subject_id] = counts["matches"].get(subject_id, 0) + 1
            verification.matches = [m for m in verification.matches if m.get("subject_id") not in public_ids]
            verification.save(update_fields=["matches"])
        processed = verifications.exclude(processed_images=[])
        counted("processed_images", processed, "subject_id", lambda: processed.update(processed_images=[]))
        located = Face.objects.filter(subject__in=subjects).exclude(image_location="")
        counted("face_locations", located, "subject_id", lambda: located.update(image_location=""))
        Subject.objects.filter(pk__in=public_ids.values()).update(
            external_id=None, metadata={}, sensitive_metadata="", erased_at=timezone.now()
        )
    outcomes: Outcomes = {}
    for subject in subjects:
        rows = {name: per_subject.get(subject.pk, 0) for name, per_subject in counts.items()}
        outcomes[subject.pk] = {
            "deleted": sum(rows.values()),
            "rows": rows,
            "fields": ["subject.external_id", "subject.metadata", "subject.sensitive_metadata"],
        }
    return outcomes


EMPTY: dict[str, Callable[[Tenant, Sequence[Subject]], Outcomes]] = {
    "collections": empty_collections,
    "objects": empty_objects,
    "cache": empty_cache,
    "database": empty_database,
}
