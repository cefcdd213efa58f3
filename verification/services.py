"""Writes for verification: subjects, consents, and new verifications (their flows run in verification.flows)."""

from __future__ import annotations

import contextlib
import json
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from celery import current_app
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.identity import resource
from audit.recording import record_change
from audit.redaction import KEEP, register_event
from config.errors import Conflict, InvalidInput, UpstreamUnavailable
from config.ids import public_id
from config.metadata import validate_metadata
from tenants.envelope import seal, unseal
from tenants.models import Tenant
from tenants.scope import require_scope, scope_database
from tenants.storage import TenantStorage
from verification.documents import document_open
from verification.errors import SubjectAlreadyRegistered, SubjectNotRegistered
from verification.flows import VERIFICATION_SOURCE
from verification.images import ImageInput, checked_image, storage_audited, storage_call
from verification.liveness import LivenessSubjectMismatch, liveness_session_consume
from verification.models import (
    Consent,
    ConsentMethod,
    ConsentPurpose,
    ImageRole,
    Subject,
    Verification,
    VerificationImage,
    VerificationType,
)
from verification.selectors import (
    consent_require,
    document_get,
    face_active,
    subject_get,
    subject_not_erased,
    verification_settings,
)
from vision.calls import fan_out

register_event(
    VERIFICATION_SOURCE,
    "GrantConsent",
    request={"subjectId": KEEP, "purpose": KEEP, "textVersion": KEEP, "method": KEEP, "expiresAt": KEEP},
    response={"consentId": KEEP},
)


def subject_create(
    *, tenant: Tenant, external_id: str | None = None, metadata: Any = None, sensitive_metadata: Any = None
) -> Subject:
    """A subject; ``sensitive_metadata`` is stored sealed under the tenant's KMS key (read it with
    ``subject_sensitive_metadata``)."""
    metadata = validate_metadata({} if metadata is None else metadata)
    sensitive = validate_metadata({} if sensitive_metadata is None else sensitive_metadata)
    if external_id is not None and Subject.objects.filter(external_id=external_id).exists():
        raise Conflict(f"A subject with external_id {external_id!r} already exists.", code="external_id_conflict")
    subject = Subject(tenant=tenant, external_id=external_id, metadata=metadata)
    if sensitive:  # sealed before the transaction: KMS is called with none open
        subject.sensitive_metadata = seal(tenant, json.dumps(sensitive).encode(), record=_sensitive_record(subject))
    try:
        with transaction.atomic(using=scope_database()):
            subject.save(force_insert=True)
            return subject
    except IntegrityError as exc:  # a concurrent request created it first
        raise Conflict(
            f"A subject with external_id {external_id!r} already exists.", code="external_id_conflict"
        ) from exc


def _sensitive_record(subject: Subject) -> str:
    return f"verification.subject/{subject.public_id}/sensitive_metadata"


def subject_sensitive_metadata(*, tenant: Tenant, subject: Subject) -> dict[str, Any]:
    """The subject's sensitive metadata, decrypted in memory ({} when it has none)."""
    require_scope(tenant)
    if not subject.sensitive_metadata:
        return {}
    opened: dict[str, Any] = json.loads(unseal(tenant, subject.sensitive_metadata, record=_sensitive_record(subject)))
    return opened


def consent_create(
    *,
    tenant: Tenant,
    subject: Subject,
    text_version: str,
    method: str,
    purpose: str = ConsentPurpose.BIOMETRIC_VERIFICATION,
    expires_at: datetime | None = None,
    source_ip: str | None = None,
    reference: str = "",
    actor: Any | None = None,
) -> Consent:
    """Record a subject's consent, given now from ``source_ip`` (``reference``: the tenant's own
    reference to its record of it, when it was given elsewhere)."""
    require_scope(tenant)
    subject_not_erased(subject=subject)
    if purpose not in ConsentPurpose.values:
        raise InvalidInput(f"purpose must be one of {ConsentPurpose.values}.", code="invalid_purpose")
    if method not in ConsentMethod.values:
        raise InvalidInput(f"method must be one of {ConsentMethod.values}.", code="invalid_method")
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        raise InvalidInput("expires_at must be in the future.", code="invalid_expiry")
    with transaction.atomic(using=scope_database()):
        consent = Consent.objects.create(
            tenant=tenant,
            subject=subject,
            purpose=purpose,
            text_version=text_version,
            method=method,
            granted_at=now,
            source_ip=source_ip,
            expires_at=expires_at,
            reference=reference,
        )
        record_change(
            tenant=tenant,
            event_source=VERIFICATION_SOURCE,
            event_name="GrantConsent",
            actor=actor,
            request_parameters={
                "subjectId": subject.public_id,
                "purpose": purpose,
                "textVersion": text_version,
                "method": method,
                "expiresAt": expires_at.isoformat() if expires_at else None,
            },
            response_elements={"consentId": consent.public_id},
            resources=[
                resource(tenant, service="verification", resource_type="subject", resource_id=subject.public_id)
            ],
        )
    return consent


def verification_create(
    *,
    tenant: Tenant,
    type: str,
    selfie: ImageInput | None = None,
    subject_id: str | None = None,
    id_document: ImageInput | None = None,
    liveness_session_id: str = "",
    document_id: str = "",
) -> Verification:
    """Check the request, store the verification and its images, and have a worker run it after commit.

    Refusals (bad input, unknown subject, no consent, wrong registration state) write nothing
    and call no engine.
    """
    require_scope(tenant)
    if type not in VerificationType.values:
        raise InvalidInput(f"type must be one of {VerificationType.values}.", code="invalid_type")
    with transaction.atomic(using=scope_database()):  # reads only: one transaction, not one per query
        subject = _subject_of(type, subject_id)
        _check_selfie_source(type, selfie, liveness_session_id)
    document_image = _document_page(tenant, type, document_id, id_document) if document_id else None
    if type == VerificationType.REGISTRATION and id_document is None and document_image is None:
        raise InvalidInput("A registration needs an id_document image.", code="id_document_required")
    if type != VerificationType.REGISTRATION and id_document is not None:
        raise InvalidInput("Only a registration takes an id_document.", code="unexpected_id_document")
    images = [checked_image(tenant, selfie, ImageRole.SELFIE)] if selfie is not None else []
    if id_document is not None:
        images.append(checked_image(tenant, id_document, ImageRole.ID_DOCUMENT))
    if document_image is not None:
        images.append(document_image)
    if subject is not None:
        with transaction.atomic(using=scope_database()):
            _check_subject_state(type, subject)
    verification_id = public_id("ver")
    images = _store_uploads(tenant, verification_id, images)  # no transaction open
    try:
        with transaction.atomic(using=scope_database()):
            verification = Verification.objects.create(
                tenant=tenant,
                public_id=verification_id,
                type=type,
                subject=subject,
                liveness_session_id=liveness_session_id,
                document_id=document_id,
            )
            if liveness_session_id:
                session = liveness_session_consume(session_public_id=liveness_session_id, verification=verification)
                if session.subject_id is not None and session.subject_id != getattr(subject, "pk", None):
                    raise LivenessSubjectMismatch(
                        f"Liveness session {liveness_session_id} was created for another subject."
                    )
            for image in images:
                VerificationImage.objects.create(tenant=tenant, verification=verification, **image)
            # By name: a service never imports its task (verification.tasks imports the flows).
            process = current_app.signature(
                "verification.tasks.process_verification", args=[tenant.pk, verification.pk]
            )
            transaction.on_commit(process.delay, robust=True)
    except BaseException:
        for image in images:  # nothing recorded: the uploads go too
            if image.get("stored"):
                storage_call(tenant, "DeleteObject", image["s3_bucket"], image["s3_name"], TenantStorage(tenant).delete)
        raise
    return verification


def _subject_of(type: str, subject_id: str | None) -> Subject | None:
    """The verification's subject; none for an identification."""
    if type == VerificationType.IDENTIFICATION:
        if subject_id is not None:
            raise InvalidInput("An identification has no subject_id: it finds the subject.", code="unexpected_subject")
        return None
    if subject_id is None:
        raise InvalidInput(f"A {type} needs a subject_id.", code="subject_required")
    return subject_get(public_id=subject_id)


def _check_subject_state(type: str, subject: Subject) -> None:
    """An active consent, and the registration state the verification's type needs."""
    consent_require(subject=subject)
    registered = face_active(subject=subject) is not None
    if type == VerificationType.REGISTRATION and registered:
        raise SubjectAlreadyRegistered(
            f"Subject {subject.public_id} already has a face; use a photo_update to replace it."
        )
    if type in (VerificationType.AUTHENTICATION, VerificationType.PHOTO_UPDATE) and not registered:
        raise SubjectNotRegistered(f"Subject {subject.public_id} has no face yet; register it first.")


def _document_page(tenant: Tenant, type: str, document_id: str, id_document: ImageInput | None) -> dict[str, Any]:
    """The page of a document read with POST /v1/documents, as a registration's ID document image.

    Its MRZ must be valid, unexpired and agree with the printed page (``document.invalid``,
    ``document.expired``, ``document.inconsistent``); the page, stored when it was read, is what
    the selfie is compared with. Decrypting the document's fields calls KMS: no transaction is open.
    """
    if type != VerificationType.REGISTRATION:
        raise InvalidInput("Only a registration takes a document_id.", code="unexpected_document")
    if id_document is not None:
        raise InvalidInput("Give the ID document once: document_id or id_document.", code="unexpected_id_document")
    document = document_open(tenant=tenant, document=document_get(public_id=document_id))
    problems = {problem["code"]: problem["detail"] for problem in document.problems}
    for code in ("document.no_mrz", "document.invalid", "document.expired", "document.inconsistent"):
        if code in problems:
            raise InvalidInput(
                f"Document {document_id} cannot be used: {problems[code]}",
                code="document.invalid" if code == "document.no_mrz" else code,
            )
    if not document.s3_bucket:
        raise InvalidInput(f"Document {document_id} was read before pages were kept.", code="document.no_image")
    return {
        "role": ImageRole.ID_DOCUMENT,
        "s3_bucket": document.s3_bucket,
        "s3_name": document.s3_name,
        "s3_version": document.s3_version,
        "sha256": document.image_sha256,
    }


def _check_selfie_source(type: str, selfie: ImageInput | None, liveness_session_id: str) -> None:
    """A selfie, or for a registration a liveness session whose reference image stands in for it.

    When the tenant requires liveness, a registration must name a session (``liveness.required``).
    """
    if liveness_session_id:
        if type != VerificationType.REGISTRATION:
            raise InvalidInput("Only a registration takes a liveness_session_id.", code="unexpected_liveness_session")
        if selfie is not None:
            raise InvalidInput(
                "With a liveness_session_id the session's reference image is the selfie: send no selfie.",
                code="unexpected_selfie",
            )
        return
    if type == VerificationType.REGISTRATION and verification_settings().liveness_required:
        raise InvalidInput(
            "This tenant requires liveness: name a completed session with liveness_session_id.",
            code="liveness.required",
        )
    if selfie is None:
        raise InvalidInput("A selfie is required.", code="selfie_required")


def _store_uploads(tenant: Tenant, verification_id: str, images: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each uploaded image put in the tenant's storage (SSE-KMS under its key), the uploads side by
    side; a reference stays as it is. When one upload fails, the others are deleted again."""
    storage = TenantStorage(tenant)
    uploads = {image["role"]: f"verifications/{verification_id}/{image['role']}" for image in images if "data" in image}

    def put(image: dict[str, Any]) -> BotoCoreError | ClientError | None:
        try:  # no database here: each call is audited below, by this thread
            TenantStorage(tenant).put(uploads[image["role"]], image["data"])
        except (BotoCoreError, ClientError) as exc:
            return exc
        return None

    pending = [image for image in images if image["role"] in uploads]
    keys = [storage.key(uploads[image["role"]]) for image in pending]
    errors = fan_out(put, pending)
    for key, error in zip(keys, errors, strict=True):
        storage_audited(tenant, "PutObject", {"Bucket": tenant.storage_bucket, "Key": key}, error)
    if any(errors):
        for key, error in zip(keys, errors, strict=True):
            if error is None:
                with contextlib.suppress(UpstreamUnavailable):
                    storage_call(tenant, "DeleteObject", tenant.storage_bucket, key, storage.delete)
        raise UpstreamUnavailable("The tenant's storage could not be reached.") from next(filter(None, errors))
    return [
        {key: value for key, value in image.items() if key != "data"}
        | {"s3_bucket": tenant.storage_bucket, "s3_name": storage.key(uploads[image["role"]]), "stored": True}
        if image["role"] in uploads
        else image
        for image in images
    ]
