"""Face Liveness sessions: created for the tenant's user, read back, and consumed once by a registration.

Each engine call (CreateFaceLivenessSession, GetFaceLivenessSessionResults) happens outside any
transaction; what it answered is recorded in a short one afterwards. The session's reference
image is written by Rekognition itself to the tenant's bucket, under its prefix ``liveness/``
and its KMS key; Verity keeps its location, never its bytes, and a registration that uses the
session compares and indexes that image (``verification.flows``).

Whether a person was live is Rekognition's judgement. The local endpoint only emulates it and
says so (``X-Verity-Local-Notice``): it makes no anti-spoofing check at all.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.identity import resource
from audit.recording import record_change
from audit.redaction import KEEP, register_event
from config.errors import Conflict, NotFound
from config.ids import public_id
from tenants.models import Tenant
from tenants.scope import require_scope, scope_database
from verification.flows import VERIFICATION_SOURCE
from verification.models import LivenessSession, Subject, Verification
from verification.models.liveness import LIVENESS_SESSION_LIFETIME_SECONDS
from verification.selectors import consent_require, subject_get
from vision.gateway import Gateway

LIVENESS_FOLDER = "liveness"

register_event(VERIFICATION_SOURCE, "RecordLivenessSession", request={"livenessSessionId": KEEP, "subjectId": KEEP})


class LivenessSessionReused(Conflict):
    """The session was already used by another verification: a session proves one capture, once."""

    code = "liveness.reused"


class LivenessSubjectMismatch(Conflict):
    """The session was created for another subject than the registration's."""

    code = "liveness.subject_mismatch"


def liveness_session_create(*, tenant: Tenant, subject_id: str | None = None, actor: Any = None) -> LivenessSession:
    """A new session for the user's device to complete; a named subject must have an active consent."""
    require_scope(tenant)
    subject: Subject | None = None
    if subject_id is not None:
        subject = subject_get(public_id=subject_id)
        consent_require(subject=subject)  # before any engine call
    session_public_id = public_id("liv")
    settings: dict[str, Any] = {
        "OutputConfig": {"S3Bucket": tenant.storage_bucket, "S3KeyPrefix": f"{tenant.storage_prefix}{LIVENESS_FOLDER}"}
    }
    parameters: dict[str, Any] = {"ClientRequestToken": session_public_id, "Settings": settings}
    if tenant.kms_key_arn:
        parameters["KmsKeyId"] = tenant.kms_key_arn
    created_at = timezone.now()
    answer = Gateway(tenant).call("CreateFaceLivenessSession", **parameters)  # no transaction open
    with transaction.atomic(using=scope_database()):
        session = LivenessSession.objects.create(
            tenant=tenant,
            public_id=session_public_id,
            session_id=answer["SessionId"],
            subject=subject,
            created_at=created_at,
            expires_at=created_at + timedelta(seconds=LIVENESS_SESSION_LIFETIME_SECONDS),
        )
        record_change(
            tenant=tenant,
            event_source=VERIFICATION_SOURCE,
            event_name="RecordLivenessSession",
            actor=actor,
            request_parameters={
                "livenessSessionId": session.public_id,
                "subjectId": subject.public_id if subject is not None else None,
            },
            resources=[liveness_resource(tenant, session.public_id)],
        )
    return session


def liveness_session_refresh(*, tenant: Tenant, session: LivenessSession) -> LivenessSession:
    """The session with Rekognition's latest result recorded (once final, it is not asked again)."""
    require_scope(tenant)
    if session.is_final:
        return session
    answer = Gateway(tenant).call("GetFaceLivenessSessionResults", SessionId=session.session_id)
    with transaction.atomic(using=scope_database()):
        return liveness_result_record(session_pk=session.pk, answer=answer)


def liveness_result_record(*, session_pk: int, answer: dict[str, Any]) -> LivenessSession:
    """Record a GetFaceLivenessSessionResults answer on the session, in the caller's transaction."""
    session = LivenessSession.objects.select_for_update().get(pk=session_pk)
    if session.is_final:
        return session
    session.status = str(answer.get("Status", session.status))
    confidence = answer.get("Confidence")
    session.confidence = float(confidence) if confidence is not None else session.confidence
    s3_object = (answer.get("ReferenceImage") or {}).get("S3Object") or {}
    session.reference_bucket = str(s3_object.get("Bucket", ""))
    session.reference_name = str(s3_object.get("Name", ""))
    session.reference_version = str(s3_object.get("Version", ""))
    session.checked_at = timezone.now()
    session.save()
    return session


def liveness_session_consume(*, session_public_id: str, verification: Verification) -> LivenessSession:
    """Bind the session to ``verification``, in the caller's transaction: 404 when unknown to the
    tenant, 409 ``liveness.reused`` when another verification has it (a conditional update, so two
    requests at once cannot both take it)."""
    session = LivenessSession.objects.filter(public_id=session_public_id).first()
    if session is None:
        raise NotFound(f"No liveness session {session_public_id!r}.")
    taken = LivenessSession.objects.filter(pk=session.pk, consumed_by__isnull=True).update(consumed_by=verification)
    if not taken:
        raise LivenessSessionReused(f"Liveness session {session_public_id} was already used by another verification.")
    return session


def liveness_resource(tenant: Tenant, session_public_id: str) -> Any:
    return resource(tenant, service="verification", resource_type="liveness-session", resource_id=session_public_id)
