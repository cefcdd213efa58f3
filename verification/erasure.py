"""Erasure of a subject's biometric and personal data, store by store, ending in a signed receipt.

One workflow serves every path that erases (``DELETE /v1/subjects/{id}``, a withdrawn consent):
``erasure_request`` records the request and has a worker run ``erasure_run``, which empties the
stores in ``ERASURE_STORES`` order:

collections  DeleteFaces for each of the subject's faces, in every collection holding one
objects      the images kept in the tenant's bucket (verification images, reference images)
cache        the gateway's cached engine answers computed from the subject's images
database     image bytes, the documents read for its verifications, step results and matches
             (its own and other verifications' matches naming it), its external id and metadata

Each store is read in a short transaction, emptied with no transaction open (the AWS calls), and
recorded done in another, so a crash or an engine failure midway resumes at the store it stopped
in; what is already gone counts as deleted. Only when every store is done is the receipt signed
and the erasure ``completed``. Kept: the subject's id, its consents (proof that the processing
was lawful) and the audit trail, which holds ids, never personal data.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from celery import current_app
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.cloudtrail.records import format_event_time
from audit.digests import signing_keyring
from audit.identity import resource
from audit.receipts import receipt_sign
from audit.recording import record_aws_call, record_change
from audit.redaction import KEEP, ListOf, register_event
from config.aws import aws_client
from config.errors import UpstreamUnavailable
from tenants.models import Tenant
from tenants.scope import require_scope, scope_database
from verification.errors import ConsentAlreadyWithdrawn
from verification.flows import VERIFICATION_SOURCE
from verification.flows.record import verification_fail
from verification.models import (
    ERASURE_STORES,
    FINAL_STATUSES,
    Consent,
    Document,
    Erasure,
    ErasureReason,
    ErasureStatus,
    Face,
    FaceStatus,
    Subject,
    Verification,
    VerificationImage,
    VerificationStep,
)
from verification.selectors import consent_active
from vision import cache
from vision.errors import ResourceNotFound
from vision.gateway import Gateway

_ERASED_DETAIL = "The subject's erasure was requested; nothing more is processed for it."
DELETE_FACES_BATCH = 4096  # Rekognition's limit of face ids per DeleteFaces call
_COUNTS = {"faces": KEEP, "objects": KEEP, "cachedResults": KEEP, "rows": KEEP}

register_event(
    VERIFICATION_SOURCE,
    "RequestErasure",
    request={"subjectId": KEEP, "reason": KEEP},
    response={"erasureId": KEEP},
)
register_event(VERIFICATION_SOURCE, "CompleteErasure", request={"erasureId": KEEP}, response=_COUNTS)
register_event(
    VERIFICATION_SOURCE,
    "RecordConsentWithdrawal",
    request={"subjectId": KEEP, "consentId": KEEP},
    response={"erasureIds": ListOf(KEEP)},
)


def erasure_request(*, tenant: Tenant, subject: Subject, reason: str, requested_by: str, actor: Any = None) -> Erasure:
    """The subject's erasure, requested now and run by a worker; asking again returns the same one.

    From the request on, nothing biometric is processed for the subject (``subject_erased``), and
    its unfinished verifications fail (a face one of them indexes meanwhile is deleted again when
    its step is recorded). An erasure that failed is set going again.
    """
    require_scope(tenant)
    try:
        with transaction.atomic(using=scope_database()):
            erasure = Erasure.objects.create(tenant=tenant, subject=subject, reason=reason, requested_by=requested_by)
            for verification_id in (
                _verifications(subject).exclude(status__in=FINAL_STATUSES).values_list("pk", flat=True)
            ):
                verification_fail(
                    tenant=tenant, verification_id=verification_id, code="subject_erased", detail=_ERASED_DETAIL
                )
            record_change(
                tenant=tenant,
                event_source=VERIFICATION_SOURCE,
                event_name="RequestErasure",
                actor=actor,
                request_parameters={"subjectId": subject.public_id, "reason": reason},
                response_elements={"erasureId": erasure.public_id},
                resources=[_subject_resource(tenant, subject)],
            )
            _enqueue(tenant, erasure)
            return erasure
    except IntegrityError:  # requested before (perhaps at this very moment)
        pass
    with transaction.atomic(using=scope_database()):
        erasure = Erasure.objects.select_for_update().get(subject=subject)
        if erasure.status == ErasureStatus.FAILED:
            erasure.status = ErasureStatus.PENDING
            erasure.save(update_fields=["status", "updated_at"])
            _enqueue(tenant, erasure)
    return erasure


def consent_withdraw(*, tenant: Tenant, consent: Consent, requested_by: str, actor: Any = None) -> Erasure | None:
    """Withdraw a consent now; when the subject has no other active biometric consent, erase it."""
    require_scope(tenant)
    with transaction.atomic(using=scope_database()):
        consent = Consent.objects.select_for_update().select_related("subject").get(pk=consent.pk)
        if consent.withdrawn_at is not None:
            raise ConsentAlreadyWithdrawn(f"Consent {consent.public_id} was withdrawn at {consent.withdrawn_at}.")
        consent.withdrawn_at = timezone.now()
        consent.save(update_fields=["withdrawn_at"])
        erasure = None
        if consent_active(subject=consent.subject) is None:
            erasure = erasure_request(
                tenant=tenant,
                subject=consent.subject,
                reason=ErasureReason.CONSENT_WITHDRAWN,
                requested_by=requested_by,
                actor=actor,
            )
        record_change(
            tenant=tenant,
            event_source=VERIFICATION_SOURCE,
            event_name="RecordConsentWithdrawal",
            actor=actor,
            request_parameters={"subjectId": consent.subject.public_id, "consentId": consent.public_id},
            response_elements={"erasureIds": [erasure.public_id] if erasure else []},
            resources=[_subject_resource(tenant, consent.subject)],
        )
    return erasure


def erasure_run(*, tenant: Tenant, erasure_id: int) -> Erasure:
    """Empty every store not yet done, then sign the receipt; a failure is raised for a retry.

    No transaction is open while a store is emptied: the engine, S3 and Redis are called between
    the read and the record of each store.
    """
    require_scope(tenant)
    with transaction.atomic(using=scope_database()):
        erasure = Erasure.objects.select_for_update().select_related("subject").get(pk=erasure_id)
        if erasure.status == ErasureStatus.COMPLETED:
            return erasure
        erasure.status, erasure.attempts = ErasureStatus.RUNNING, erasure.attempts + 1
        erasure.started_at = erasure.started_at or timezone.now()
        erasure.save(update_fields=["status", "attempts", "started_at", "updated_at"])
    for store in ERASURE_STORES:
        if not erasure.progress.get(store, {}).get("done"):
            _record_store(erasure, store, _EMPTY[store](tenant, erasure.subject))
    return _complete(tenant, erasure)


def erasure_attempt_failed(*, tenant: Tenant, erasure_id: int, code: str, final: bool) -> None:
    """Note why an attempt stopped; ``final``: the retries are spent, the erasure is ``failed``
    (visible, and set going again by the next request or the resume sweep)."""
    require_scope(tenant)
    status = ErasureStatus.FAILED if final else ErasureStatus.RUNNING
    Erasure.objects.filter(pk=erasure_id).exclude(status=ErasureStatus.COMPLETED).update(
        status=status, last_error=code[:256], updated_at=timezone.now()
    )


def _enqueue(tenant: Tenant, erasure: Erasure) -> None:
    # By name: a service never imports its task (verification.tasks imports this module).
    task = current_app.signature("verification.tasks.run_erasure", args=[tenant.pk, erasure.pk])
    transaction.on_commit(task.delay, using=scope_database(), robust=True)


def _subject_resource(tenant: Tenant, subject: Subject) -> Any:
    return resource(tenant, service="verification", resource_type="subject", resource_id=subject.public_id)


def _record_store(erasure: Erasure, store: str, outcome: dict[str, Any]) -> None:
    with transaction.atomic(using=scope_database()):
        locked = Erasure.objects.select_for_update().get(pk=erasure.pk)
        locked.progress = {**locked.progress, store: {"done": True, **outcome}}
        locked.save(update_fields=["progress", "updated_at"])
    erasure.progress = locked.progress


def _verifications(subject: Subject) -> Any:
    return Verification.objects.filter(subject=subject)


def _empty_collections(tenant: Tenant, subject: Subject) -> dict[str, Any]:
    faces = list(
        Face.objects.filter(subject=subject, deleted_at__isnull=True).values_list(
            "face_id", "collection__collection_id"
        )
    )
    by_collection: dict[str, list[str]] = defaultdict(list)
    for face_id, collection_id in faces:
        by_collection[collection_id].append(face_id)
    gateway = Gateway(tenant, max_wait=60.0)
    for collection_id, face_ids in sorted(by_collection.items()):
        for start in range(0, len(face_ids), DELETE_FACES_BATCH):
            chunk = face_ids[start : start + DELETE_FACES_BATCH]
            try:
                answer = gateway.call("DeleteFaces", CollectionId=collection_id, FaceIds=chunk)
            except ResourceNotFound:  # the collection itself is gone, and its faces with it
                continue
            refused = [
                item["FaceId"]
                for item in answer.get("UnsuccessfulFaceDeletions", [])
                if "FACE_NOT_FOUND" not in item.get("Reasons", [])  # not found: already deleted
            ]
            if refused:
                raise UpstreamUnavailable(f"The engine did not delete {len(refused)} face(s) of {collection_id}.")
    face_ids = sorted(face_id for face_id, _ in faces)
    with transaction.atomic(using=scope_database()):
        Face.objects.filter(subject=subject, face_id__in=face_ids).update(
            status=FaceStatus.DELETED, deleted_at=timezone.now()
        )
    return {"deleted": len(face_ids), "ids": face_ids, "collections": sorted(by_collection)}


def _processed_images(subject: Subject) -> list[dict[str, str]]:
    """Every image the subject's verifications worked on: those still held, and those already let go."""
    held = VerificationImage.objects.filter(verification__subject=subject)
    images = [
        {"sha256": image.sha256, "location": image.location, "version": image.s3_version}
        for image in held.only("sha256", "s3_bucket", "s3_name", "s3_version")
    ]
    for processed in _verifications(subject).values_list("processed_images", flat=True):
        images.extend(processed)
    images.extend(
        {"location": location}
        for location in Face.objects.filter(subject=subject).values_list("image_location", flat=True)
    )
    return images


def _stored_objects(tenant: Tenant, subject: Subject) -> list[tuple[str, str, str]]:
    """(bucket, key, version) of every image of the subject in the tenant's storage."""
    found = set()
    for image in _processed_images(subject):
        bucket, _, key = image.get("location", "").removeprefix("s3://").partition("/")
        # Only the tenant's own storage: a reference elsewhere was refused when it was given.
        if bucket == tenant.storage_bucket and key.startswith(tenant.storage_prefix):
            found.add((bucket, key, image.get("version", "")))
    return sorted(found)


def _empty_objects(tenant: Tenant, subject: Subject) -> dict[str, Any]:
    objects = _stored_objects(tenant, subject)
    s3 = aws_client("s3", tenant.region)
    for bucket, key, version in objects:
        parameters = {"bucket": bucket, "key": key} | ({"versionId": version} if version else {})
        try:
            s3.delete_object(Bucket=bucket, Key=key, **({"VersionId": version} if version else {}))
        except (BotoCoreError, ClientError) as exc:
            error = exc.response["Error"].get("Code", "") if isinstance(exc, ClientError) else type(exc).__name__
            record_aws_call(
                tenant=tenant,
                service="s3",
                operation="DeleteObject",
                request_parameters=parameters,
                response_elements=None,
                error_code=error,
            )
            raise UpstreamUnavailable("A stored image could not be deleted.") from exc
        record_aws_call(
            tenant=tenant, service="s3", operation="DeleteObject", request_parameters=parameters, response_elements=None
        )
    return {"deleted": len(objects), "ids": [key for _, key, _ in objects]}


def _image_digests(subject: Subject) -> list[str]:
    documents = Document.objects.filter(public_id__in=_document_ids(subject)).exclude(image_sha256="")
    digests = {image.get("sha256", "") for image in _processed_images(subject)}
    return sorted((digests | set(documents.values_list("image_sha256", flat=True))) - {""})


def _document_ids(subject: Subject) -> list[str]:
    return list(_verifications(subject).exclude(document_id="").values_list("document_id", flat=True))


def _empty_cache(tenant: Tenant, subject: Subject) -> dict[str, Any]:
    digests = _image_digests(subject)
    deleted = cache.forget_images(tenant_key=tenant.public_id, images=digests)
    return {"deleted": deleted, "images": len(digests)}


def _empty_database(tenant: Tenant, subject: Subject) -> dict[str, Any]:
    with transaction.atomic(using=scope_database()):
        verifications = _verifications(subject)
        rows = {
            "verification_images": VerificationImage.objects.filter(verification__subject=subject).delete()[0],
            "documents": Document.objects.filter(public_id__in=_document_ids(subject)).delete()[0],
            "step_results": VerificationStep.objects.filter(verification__subject=subject)
            .exclude(result={})
            .update(result={}),
            "matches": Verification.objects.filter(matches__contains=[{"subject_id": subject.public_id}]).update(
                matches=[]
            )
            + verifications.exclude(matches=[]).update(matches=[]),
            "processed_images": verifications.exclude(processed_images=[]).update(processed_images=[]),
            "face_locations": Face.objects.filter(subject=subject).exclude(image_location="").update(image_location=""),
        }
        Subject.objects.filter(pk=subject.pk).update(external_id=None, metadata={}, erased_at=timezone.now())
    return {"deleted": sum(rows.values()), "rows": rows, "fields": ["subject.external_id", "subject.metadata"]}


_EMPTY = {
    "collections": _empty_collections,
    "objects": _empty_objects,
    "cache": _empty_cache,
    "database": _empty_database,
}


def _complete(tenant: Tenant, erasure: Erasure) -> Erasure:
    now = timezone.now().replace(microsecond=0)
    body = {
        "receipt": "erasure",
        "erasureId": erasure.public_id,
        "accountId": tenant.account_id,
        "tenantId": tenant.public_id,
        "subjectId": erasure.subject.public_id,
        "reason": erasure.reason,
        "requestedBy": erasure.requested_by,
        "requestedAt": format_event_time(erasure.created_at),
        "completedAt": format_event_time(now),
        "issuedAt": format_event_time(now),
        "deleted": {store: _receipt_entry(erasure.progress[store]) for store in ERASURE_STORES},
        "consents": _consent_history(erasure.subject),
        "kept": ["subject id", "consent records", "audit trail (ids only)"],
    }
    receipt = receipt_sign(body, ring=signing_keyring())
    with transaction.atomic(using=scope_database()):
        locked = Erasure.objects.select_for_update().get(pk=erasure.pk)
        if locked.status == ErasureStatus.COMPLETED:  # another worker finished first
            return locked
        locked.status, locked.completed_at, locked.receipt, locked.last_error = (
            ErasureStatus.COMPLETED,
            now,
            receipt,
            "",
        )
        locked.save(update_fields=["status", "completed_at", "receipt", "last_error", "updated_at"])
        record_change(
            tenant=tenant,
            event_source=VERIFICATION_SOURCE,
            event_name="CompleteErasure",
            actor=None,
            request_parameters={"erasureId": erasure.public_id},
            response_elements={
                "faces": erasure.progress["collections"]["deleted"],
                "objects": erasure.progress["objects"]["deleted"],
                "cachedResults": erasure.progress["cache"]["deleted"],
                "rows": erasure.progress["database"]["deleted"],
            },
            resources=[_subject_resource(tenant, erasure.subject)],
        )
    return locked


def _consent_history(subject: Subject) -> list[dict[str, Any]]:
    """What the subject agreed to and when it ended: the lawful basis of what was processed."""

    def moment(value: Any) -> str | None:
        return None if value is None else format_event_time(value)

    return [
        {
            "id": consent.public_id,
            "purpose": consent.purpose,
            "textVersion": consent.text_version,
            "method": consent.method,
            "grantedAt": moment(consent.granted_at),
            "expiresAt": moment(consent.expires_at),
            "withdrawnAt": moment(consent.withdrawn_at),
        }
        for consent in Consent.objects.filter(subject=subject).order_by("granted_at")
    ]


def _receipt_entry(progress: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in progress.items() if name != "done"}
