"""Writes for verification: subjects, consents, and new verifications (their flows run in verification.flows)."""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from celery import current_app
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.identity import resource
from audit.recording import record_aws_call, record_change
from audit.redaction import KEEP, register_event
from config.errors import Conflict, InvalidInput, UpstreamUnavailable
from config.ids import public_id
from config.metadata import validate_metadata
from tenants.envelope import seal, unseal
from tenants.models import Tenant
from tenants.scope import require_scope, scope_database
from tenants.storage import TenantStorage
from verification.errors import SubjectAlreadyRegistered, SubjectNotRegistered
from verification.flows import VERIFICATION_SOURCE
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
from verification.selectors import consent_require, face_active, subject_get, subject_not_erased
from vision.calls import fan_out
from vision.errors import InvalidS3Object
from vision.validation import check_image_bytes, check_s3_object

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


@dataclass(frozen=True)
class ImageInput:
    """An image as uploaded bytes, or as an object in the tenant's own bucket under its prefix."""

    data: bytes | None = None
    s3_bucket: str = ""
    s3_name: str = ""
    s3_version: str = ""


def checked_image(tenant: Tenant, image: ImageInput, role: str) -> dict[str, Any]:
    """The VerificationImage fields for ``image``, after the checks that need no AWS call."""
    if image.data is not None:
        checked = check_image_bytes(image.data)
        return {"role": role, "data": checked.data, "sha256": hashlib.sha256(checked.data).hexdigest()}
    s3_object = {"Bucket": image.s3_bucket, "Name": image.s3_name}
    # Bucket and prefix only: whether the object exists is checked when the worker sends it,
    # since no AWS call may happen inside the request's transaction.
    check_s3_object(s3_object, tenant=tenant, max_bytes=None)
    if not image.s3_name.startswith(tenant.storage_prefix):
        raise InvalidS3Object(f"Images must be stored under the tenant's prefix {tenant.storage_prefix!r}.")
    return {"role": role, "s3_bucket": image.s3_bucket, "s3_name": image.s3_name, "s3_version": image.s3_version}


def verification_create(
    *,
    tenant: Tenant,
    type: str,
    selfie: ImageInput,
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
    subject: Subject | None = None
    if type == VerificationType.IDENTIFICATION:
        if subject_id is not None:
            raise InvalidInput("An identification has no subject_id: it finds the subject.", code="unexpected_subject")
    elif subject_id is None:
        raise InvalidInput(f"A {type} needs a subject_id.", code="subject_required")
    else:
        subject = subject_get(public_id=subject_id)
    if type == VerificationType.REGISTRATION and id_document is None:
        raise InvalidInput("A registration needs an id_document image.", code="id_document_required")
    if type != VerificationType.REGISTRATION and id_document is not None:
        raise InvalidInput("Only a registration takes an id_document.", code="unexpected_id_document")
    images = [checked_image(tenant, selfie, ImageRole.SELFIE)]
    if id_document is not None:
        images.append(checked_image(tenant, id_document, ImageRole.ID_DOCUMENT))
    if subject is not None:
        consent_require(subject=subject)
        registered = face_active(subject=subject) is not None
        if type == VerificationType.REGISTRATION and registered:
            raise SubjectAlreadyRegistered(
                f"Subject {subject.public_id} already has a face; use a photo_update to replace it."
            )
        if type in (VerificationType.AUTHENTICATION, VerificationType.PHOTO_UPDATE) and not registered:
            raise SubjectNotRegistered(f"Subject {subject.public_id} has no face yet; register it first.")
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
                _storage_call(
                    tenant, "DeleteObject", image["s3_bucket"], image["s3_name"], TenantStorage(tenant).delete
                )
        raise
    return verification


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
        _audited(tenant, "PutObject", tenant.storage_bucket, key, error)
    if any(errors):
        for key, error in zip(keys, errors, strict=True):
            if error is None:
                with contextlib.suppress(UpstreamUnavailable):
                    _storage_call(tenant, "DeleteObject", tenant.storage_bucket, key, storage.delete)
        raise UpstreamUnavailable("The tenant's storage could not be reached.") from next(filter(None, errors))
    return [
        {key: value for key, value in image.items() if key != "data"}
        | {"s3_bucket": tenant.storage_bucket, "s3_name": storage.key(uploads[image["role"]]), "stored": True}
        if image["role"] in uploads
        else image
        for image in images
    ]


def _storage_call(tenant: Tenant, operation: str, bucket: str, key: str, call: Any) -> None:
    """One call on the tenant's storage, audited whatever its outcome."""
    try:
        call(TenantStorage(tenant).name_of(key))
    except (BotoCoreError, ClientError) as exc:
        _audited(tenant, operation, bucket, key, exc)
        raise UpstreamUnavailable("The tenant's storage could not be reached.") from exc
    _audited(tenant, operation, bucket, key, None)


def _audited(tenant: Tenant, operation: str, bucket: str, key: str, error: BotoCoreError | ClientError | None) -> None:
    """The storage call's audit event, with the error's code when it failed."""
    code = None
    if error is not None:
        code = error.response["Error"].get("Code", "") if isinstance(error, ClientError) else type(error).__name__
    record_aws_call(
        tenant=tenant,
        service="s3",
        operation=operation,
        request_parameters={"Bucket": bucket, "Key": key},
        response_elements=None,
        error_code=code,
    )
