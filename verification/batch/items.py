"""Indexing one item of a batch job: claim (database) → index (engine) → record (database), like a flow step.

* ``batch_item_claim`` checks the item in one short transaction: its subject (found by
  external_id, or created), an active consent (created from the manifest's reference when the
  job carries consent terms; otherwise the item fails ``consent_required`` and no engine call is
  made), no face yet, the subject's shard (chosen once by a stable hash). The item is then
  ``indexing`` with one more attempt, so a crash from here on is visible.
* ``batch_item_index`` calls the engine through the gateway with no transaction open: IndexFaces
  (ExternalImageId = the subject's id). An attempt after an earlier one first looks for the face
  that attempt may have indexed (same image, same ExternalImageId) and adopts it, so an item is
  indexed at most once even when an IndexFaces answer was lost.
* ``batch_item_record`` writes the face and the item's outcome in one short transaction; when it
  cannot (the item was taken over, the subject was erased or registered meanwhile) the caller
  deletes the face again (``batch_item_undo``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction

from audit.identity import resource
from audit.recording import record_system_event
from audit.redaction import KEEP, register_event
from config.errors import Conflict, DomainError, UpstreamUnavailable
from tenants.models import Tenant
from tenants.scope import require_scope, scope_database
from verification.batch import BATCH_SOURCE
from verification.errors import ConsentRequired, SubjectErased
from verification.flows import ADOPT_MAX_FACES, SAME_IMAGE_SIMILARITY
from verification.models import (
    BatchIndexItem,
    BatchItemStatus,
    ConsentPurpose,
    Erasure,
    Face,
    Subject,
)
from verification.selectors import consent_active, face_active, subject_not_erased
from verification.services import consent_create, subject_create
from vision.errors import InvalidParameter, RateLimited
from vision.gateway import Gateway
from vision.models import FaceCollection
from vision.services import shard_for

register_event(
    BATCH_SOURCE,
    "IndexBatchItem",
    details={
        "jobId": KEEP,
        "line": KEEP,
        "status": KEEP,
        "errorCode": KEEP,
        "subjectId": KEEP,
        "faceId": KEEP,
        "adopted": KEEP,
    },
)


class ItemAlreadyRecorded(Exception):
    """Another attempt recorded the item (or took it over) first."""


@dataclass(frozen=True)
class PendingItem:
    """What indexing an item needs, read when it was claimed: plain data only."""

    item_id: int
    attempts: int
    job_public_id: str
    line: int
    subject_public_id: str
    image: dict[str, str]
    collection_id: str
    face_model_version: str
    known_face_ids: tuple[str, ...] = ()


@dataclass
class ItemOutcome:
    face_id: str | None = None
    face_model_version: str = ""
    adopted: bool = False
    error_code: str = ""
    error_detail: str = ""
    result: dict[str, Any] = field(default_factory=dict)


def batch_items_pending(*, tenant: Tenant, job_id: int) -> list[int]:
    """The ids of the job's items still to index, in manifest order."""
    require_scope(tenant)
    return list(
        BatchIndexItem.objects.filter(job_id=job_id, status=BatchItemStatus.PENDING)
        .order_by("line")
        .values_list("pk", flat=True)
    )


def batch_item_claim(*, tenant: Tenant, item_id: int) -> PendingItem | None:
    """Check the item and mark it ``indexing``; None when there is nothing to index (taken, done, or refused)."""
    require_scope(tenant)
    with transaction.atomic(using=scope_database()):
        item = (
            BatchIndexItem.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("job")
            .filter(pk=item_id, status=BatchItemStatus.PENDING)
            .first()
        )
        if item is None:
            return None
        try:
            return _claimed(tenant, item)
        except DomainError as error:
            _finish(tenant, item, ItemOutcome(error_code=error.code, error_detail=error.detail))
            return None


def _claimed(tenant: Tenant, item: BatchIndexItem) -> PendingItem:
    job = item.job
    carried = bool(item.consent_reference and job.consent_terms)
    subject = Subject.objects.filter(external_id=item.external_id).first()
    if subject is not None:
        subject_not_erased(subject=subject)
    if (subject is None or consent_active(subject=subject) is None) and not carried:
        raise ConsentRequired(
            "The subject has no active consent, and the line carries no consent reference"
            + (" (the job has no consent terms)." if item.consent_reference else ".")
        )
    if subject is None:
        subject = _subject(tenant, item.external_id)
    if consent_active(subject=subject) is None:
        consent_create(
            tenant=tenant,
            subject=subject,
            purpose=ConsentPurpose.BIOMETRIC_VERIFICATION,
            text_version=job.consent_terms["text_version"],
            method=job.consent_terms["method"],
            source_ip=job.consent_source_ip,
            reference=item.consent_reference,
        )
    if face_active(subject=subject) is not None:
        raise Conflict(f"Subject {subject.public_id} already has a face.", code="subject_already_registered")
    if subject.shard is None:
        # Chosen once, when the subject is first indexed, and never recomputed.
        subject.shard = shard_for(subject.public_id, tenant.shard_count)
        Subject.objects.filter(pk=subject.pk).update(shard=subject.shard)
    collection = FaceCollection.objects.filter(shard=subject.shard).first()
    if collection is None:
        raise UpstreamUnavailable("The subject's shard has no collection yet.", code="shard_unavailable")
    item.status, item.attempts, item.subject = BatchItemStatus.INDEXING, item.attempts + 1, subject
    item.save(update_fields=["status", "attempts", "subject", "updated_at"])
    return PendingItem(
        item_id=item.pk,
        attempts=item.attempts,
        job_public_id=job.public_id,
        line=item.line,
        subject_public_id=subject.public_id,
        image={"Bucket": job.manifest_bucket, "Name": item.s3_name},
        collection_id=collection.collection_id,
        face_model_version=collection.face_model_version,
        known_face_ids=tuple(Face.objects.filter(subject=subject).values_list("face_id", flat=True)),
    )


def _subject(tenant: Tenant, external_id: str) -> Subject:
    """The tenant's subject with this external id, created when there is none."""
    subject = Subject.objects.filter(external_id=external_id).first()
    if subject is not None:
        return subject
    try:
        return subject_create(tenant=tenant, external_id=external_id)
    except Conflict:  # created concurrently by a request or another job
        return Subject.objects.get(external_id=external_id)


def batch_item_index(*, gateway: Gateway, item: PendingItem, resumed: bool) -> ItemOutcome:
    """The item's engine work. Retryable failures (throttling, outages, quota) are raised for the
    caller to retry; any other engine refusal is the item's failure, with its code."""
    try:
        if resumed and (adopted := _face_indexed_earlier(gateway, item)):
            return ItemOutcome(face_id=adopted, face_model_version=item.face_model_version, adopted=True)
        answer = gateway.call(
            "IndexFaces",
            CollectionId=item.collection_id,
            Image={"S3Object": dict(item.image)},
            ExternalImageId=item.subject_public_id,
            MaxFaces=1,
            QualityFilter="HIGH",
            DetectionAttributes=["DEFAULT"],
        )
    except (UpstreamUnavailable, RateLimited):
        raise
    except DomainError as error:
        return ItemOutcome(error_code=error.code, error_detail=error.detail)
    records = answer.get("FaceRecords", [])
    if not records:
        reasons = [reason for face in answer.get("UnindexedFaces", []) for reason in face.get("Reasons", [])]
        return ItemOutcome(
            error_code="index.quality_filter",
            error_detail=f"The face was not indexed: {', '.join(reasons) or 'no face'}.",
        )
    return ItemOutcome(
        face_id=records[0]["Face"]["FaceId"],
        face_model_version=answer.get("FaceModelVersion", item.face_model_version),
    )


def _face_indexed_earlier(gateway: Gateway, item: PendingItem) -> str | None:
    """The face an interrupted attempt indexed for this subject from this image, if any (extras are deleted)."""
    try:
        answer = gateway.call(
            "SearchFacesByImage",
            CollectionId=item.collection_id,
            Image={"S3Object": dict(item.image)},
            FaceMatchThreshold=SAME_IMAGE_SIMILARITY,
            MaxFaces=ADOPT_MAX_FACES,
        )
    except InvalidParameter:  # no face in the image: nothing can have been indexed from it
        return None
    left = [
        match["Face"]["FaceId"]
        for match in answer.get("FaceMatches", [])
        if match["Face"].get("ExternalImageId") == item.subject_public_id
        and match["Face"]["FaceId"] not in item.known_face_ids
    ]
    if len(left) > 1:
        gateway.call("DeleteFaces", CollectionId=item.collection_id, FaceIds=left[1:])
    return left[0] if left else None


def batch_item_record(*, tenant: Tenant, item: PendingItem, outcome: ItemOutcome) -> bool:
    """Record the outcome; False when the indexed face could not be kept (the caller deletes it).

    Raises ``ItemAlreadyRecorded`` when this attempt no longer owns the item.
    """
    require_scope(tenant)
    with transaction.atomic(using=scope_database()):
        row = (
            BatchIndexItem.objects.select_for_update(of=("self",)).select_related("job", "subject").get(pk=item.item_id)
        )
        if row.status != BatchItemStatus.INDEXING or row.attempts != item.attempts:
            raise ItemAlreadyRecorded(f"Line {item.line} of {item.job_public_id} was taken over.")
        if outcome.face_id is None:
            _finish(tenant, row, outcome)
            return True
        subject = row.subject
        assert subject is not None
        if Erasure.objects.filter(subject=subject).exists():
            error = SubjectErased(f"Subject {subject.public_id} was erased while it was indexed.")
            _finish(tenant, row, ItemOutcome(error_code=error.code, error_detail=error.detail))
            return False
        try:
            with transaction.atomic(using=scope_database()):
                face = Face.objects.create(
                    tenant=tenant,
                    subject=subject,
                    collection=FaceCollection.objects.get(collection_id=item.collection_id),
                    face_id=outcome.face_id,
                    face_model_version=outcome.face_model_version,
                    image_location=f"s3://{item.image['Bucket']}/{item.image['Name']}",
                )
        except IntegrityError:  # the subject got a face meanwhile (a registration)
            _finish(
                tenant,
                row,
                ItemOutcome(error_code="subject_already_registered", error_detail="The subject got a face meanwhile."),
            )
            return False
        row.face, row.adopted = face, outcome.adopted
        _finish(tenant, row, outcome)
        return True


def _finish(tenant: Tenant, row: BatchIndexItem, outcome: ItemOutcome) -> None:
    """The item's final state and its audit event (inside the caller's transaction)."""
    failed = outcome.face_id is None
    row.status = BatchItemStatus.FAILED if failed else BatchItemStatus.INDEXED
    row.error_code, row.error_detail = outcome.error_code, outcome.error_detail[:512]
    row.duplicates_checked = failed  # a failed item has no face to compare
    row.save(
        update_fields=["status", "error_code", "error_detail", "face", "adopted", "duplicates_checked", "updated_at"]
    )
    record_system_event(
        tenant=tenant,
        event_source=BATCH_SOURCE,
        event_name="IndexBatchItem",
        details={
            "jobId": row.job.public_id,
            "line": row.line,
            "status": row.status,
            "errorCode": row.error_code,
            "subjectId": row.subject.public_id if row.subject_id and row.subject else None,
            "faceId": outcome.face_id,
            "adopted": outcome.adopted,
        },
        resources=[
            resource(tenant, service="verification", resource_type="batch-index-job", resource_id=row.job.public_id)
        ],
    )


def batch_item_fail(*, tenant: Tenant, item: PendingItem, code: str, detail: str) -> None:
    """Give up on an item the retries could not index (unless another attempt took it over)."""
    require_scope(tenant)
    with transaction.atomic(using=scope_database()):
        row = (
            BatchIndexItem.objects.select_for_update(of=("self",))
            .select_related("job", "subject")
            .filter(pk=item.item_id, status=BatchItemStatus.INDEXING, attempts=item.attempts)
            .first()
        )
        if row is not None:
            _finish(tenant, row, ItemOutcome(error_code=code, error_detail=detail))


def batch_item_undo(*, tenant: Tenant, item: PendingItem, outcome: ItemOutcome) -> None:
    """Compensation: delete a face this attempt indexed and could not record, unless a face row holds it
    (a later attempt adopted it)."""
    require_scope(tenant)
    if outcome.face_id is None or Face.objects.filter(face_id=outcome.face_id).exists():
        return
    Gateway(tenant).call("DeleteFaces", CollectionId=item.collection_id, FaceIds=[outcome.face_id])
