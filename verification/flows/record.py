"""Record: a step's outcome, the face changes it implies and the final state, in one short transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.identity import resource
from audit.recording import record_system_event
from tenants.models import Tenant
from tenants.scope import require_scope, scope_database
from verification.flows import (
    DATABASE_STEPS,
    VERIFICATION_SOURCE,
    PendingStep,
    StepAlreadyRecorded,
    StepOutcome,
    flow_of,
)
from verification.flows.prepare import STARTED_FIELDS, step_start
from verification.liveness import liveness_result_record
from verification.models import (
    Face,
    FaceStatus,
    ImageRole,
    StepStatus,
    Verification,
    VerificationImage,
    VerificationStatus,
    VerificationStep,
)
from vision.models import FaceCollection
from webhooks.models import EventType
from webhooks.outbox import event_emit


def verification_step_next(*, tenant: Tenant, verification_id: int) -> PendingStep | None:
    """Mark the verification's next step running and return what its engine phase needs; None when finished."""
    require_scope(tenant)
    with transaction.atomic(using=scope_database()):
        verification = _locked(verification_id)
        return _start_next(tenant, verification, _rows(verification), carried=None)


def verification_step_advance(*, tenant: Tenant, step: PendingStep, outcome: StepOutcome) -> PendingStep | None:
    """Record the step's outcome and start the next step, in one short transaction: the next step's
    ``PendingStep`` (as ``verification_step_next`` returns it), or None when the verification is finished.

    Raises ``StepAlreadyRecorded`` when another attempt got there first (the caller then undoes
    what this attempt did in the engine).
    """
    require_scope(tenant)
    with transaction.atomic(using=scope_database()):
        verification = _locked(step.verification_id)
        rows = _rows(verification)
        _record(tenant, verification, step, outcome, rows)
        return _start_next(tenant, verification, rows, carried=step)


def _locked(verification_id: int) -> Verification:
    return Verification.objects.select_for_update(of=("self",)).select_related("subject").get(pk=verification_id)


def _rows(verification: Verification) -> dict[str, VerificationStep]:
    return {row.name: row for row in VerificationStep.objects.filter(verification=verification)}


def _start_next(
    tenant: Tenant, verification: Verification, rows: dict[str, VerificationStep], carried: PendingStep | None
) -> PendingStep | None:
    """The next step with an engine phase, started; steps decided from the database alone
    (``DATABASE_STEPS``) on the way are decided and recorded here, in the same transaction."""
    step = step_start(tenant, verification, rows, carried)
    while step is not None and step.name in DATABASE_STEPS:
        _record(tenant, verification, step, DATABASE_STEPS[step.name](step), rows)
        step = step_start(tenant, verification, rows, carried=step)
    if not verification.is_final:
        verification.save(update_fields=STARTED_FIELDS)
    return step


def _record(
    tenant: Tenant,
    verification: Verification,
    step: PendingStep,
    outcome: StepOutcome,
    rows: dict[str, VerificationStep],
) -> None:
    """The step's outcome and its consequences on the locked verification, finished on failure or
    after the last step; otherwise the caller saves the verification."""
    now = timezone.now()
    row = rows.get(step.name)
    if verification.is_final or row is None or row.status != StepStatus.RUNNING:
        raise StepAlreadyRecorded(f"{verification.public_id}: step {step.name} is already recorded.")
    row.status = StepStatus.PASSED if outcome.passed else StepStatus.FAILED
    row.reason_code = outcome.reasons[0]["code"] if outcome.reasons else ""
    row.result = outcome.result
    row.finished_at = now
    row.save(update_fields=["status", "reason_code", "result", "finished_at"])
    details: dict[str, Any] = {}
    if outcome.passed and step.name == "index":
        details["faceId"] = _record_indexed_face(tenant, verification, step, outcome, now)
    if outcome.passed and step.name == "delete_old_face":
        details["deletedFaceIds"] = list(step.retired_face_ids)
        Face.objects.filter(subject=verification.subject, face_id__in=step.retired_face_ids).update(
            status=FaceStatus.DELETED, deleted_at=now
        )
    if step.name == "liveness" and step.liveness is not None and outcome.liveness_answer is not None:
        liveness_result_record(session_pk=step.liveness["pk"], answer=outcome.liveness_answer)
    if outcome.passed and outcome.reference_image is not None:
        # The session's reference image is the selfie the later steps compare and index.
        reference = outcome.reference_image
        VerificationImage.objects.create(
            tenant=tenant,
            verification=verification,
            role=ImageRole.SELFIE,
            s3_bucket=reference["Bucket"],
            s3_name=reference["Name"],
            s3_version=reference.get("Version", ""),
            sha256=reference.get("sha256", ""),
            stored=True,
        )
    if outcome.matches:
        verification.matches = _ranked_subjects(outcome.matches)
    _record_step_event(tenant, verification, row, details)
    flow = flow_of(verification)
    if not outcome.passed:
        reasons = [{"code": r["code"], "step": step.name, "detail": r["detail"]} for r in outcome.reasons]
        _finish(tenant, verification, outcome.failed_status, reasons, now)
    elif step.name == flow[-1]:
        _finish(tenant, verification, VerificationStatus.APPROVED, [], now)


def _record_indexed_face(
    tenant: Tenant, verification: Verification, step: PendingStep, outcome: StepOutcome, now: Any
) -> str:
    """The new face becomes the subject's active one; a photo update retires the old one in the same transaction."""
    assert step.target is not None
    assert outcome.indexed_face_id is not None
    assert verification.subject is not None
    Face.objects.filter(subject=verification.subject, status=FaceStatus.ACTIVE).update(
        status=FaceStatus.RETIRED, retired_at=now
    )
    selfie = VerificationImage.objects.filter(verification=verification, role=ImageRole.SELFIE).first()
    face = Face.objects.create(
        tenant=tenant,
        subject=verification.subject,
        collection=FaceCollection.objects.get(collection_id=step.target.collection_id),
        face_id=outcome.indexed_face_id,
        face_model_version=outcome.face_model_version,
        image_location=selfie.location if selfie is not None else "",
    )
    verification.face = face  # saved with the verification, by the caller
    return face.face_id


def _ranked_subjects(matches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each matched subject once, at its best similarity, best first; only faces Verity holds as active."""
    subjects = dict(
        Face.objects.filter(face_id__in=[m["face_id"] for m in matches], status=FaceStatus.ACTIVE).values_list(
            "face_id", "subject__public_id"
        )
    )
    best: dict[str, float] = {}
    for match in matches:
        subject = subjects.get(match["face_id"])
        if subject is not None and match["similarity"] > best.get(subject, -1.0):
            best[subject] = match["similarity"]
    return [{"subject_id": s, "similarity": v} for s, v in sorted(best.items(), key=lambda item: -item[1])]


def _record_step_event(
    tenant: Tenant, verification: Verification, row: VerificationStep, details: dict[str, Any]
) -> None:
    record_system_event(
        tenant=tenant,
        event_source=VERIFICATION_SOURCE,
        event_name="RecordVerificationStep",
        details={
            "verificationId": verification.public_id,
            "step": row.name,
            "status": row.status,
            "reasonCode": row.reason_code,
            "subjectId": verification.subject.public_id if verification.subject else None,
            **details,
        },
        resources=[_verification_resource(tenant, verification)],
    )


def _verification_resource(tenant: Tenant, verification: Verification) -> Any:
    return resource(tenant, service="verification", resource_type="verification", resource_id=verification.public_id)


def _finish(tenant: Tenant, verification: Verification, status: str, reasons: list[dict[str, str]], now: Any) -> None:
    """The final state, its audit event, and the uploaded images deleted: they are kept only while needed."""
    verification.status = status
    verification.reasons = reasons
    verification.finished_at = now
    images = VerificationImage.objects.filter(verification=verification)
    verification.processed_images = [
        {"role": image.role, "sha256": image.sha256, "location": image.location, "version": image.s3_version}
        for image in images.only("role", "sha256", "s3_bucket", "s3_name", "s3_version")
    ]
    verification.save(
        update_fields=["status", "reasons", "matches", "face", "processed_images", "finished_at", "updated_at"]
    )
    images.delete()
    record_system_event(
        tenant=tenant,
        event_source=VERIFICATION_SOURCE,
        event_name="CompleteVerification",
        details={
            "verificationId": verification.public_id,
            "type": verification.type,
            "status": status,
            "subjectId": verification.subject.public_id if verification.subject else None,
            "reasonCodes": [reason["code"] for reason in reasons],
        },
        resources=[_verification_resource(tenant, verification)],
    )
    event_emit(
        tenant=tenant,
        type=EventType.VERIFICATION_COMPLETED,
        data={
            "object": "verification",
            "id": verification.public_id,
            "type": verification.type,
            "status": status,
            "subject_id": verification.subject.public_id if verification.subject else None,
            "reasons": [{"code": reason["code"], "step": reason["step"]} for reason in reasons],
        },
    )


def verification_fail(*, tenant: Tenant, verification_id: int, code: str, detail: str) -> Verification | None:
    """Give up on an unfinished verification (retries exhausted, or stuck): ``failed`` with a reason."""
    require_scope(tenant)
    now = timezone.now()
    with transaction.atomic(using=scope_database()):
        verification = (
            Verification.objects.select_for_update(of=("self",))
            .select_related("subject")
            .filter(pk=verification_id)
            .first()
        )
        if verification is None or verification.is_final:
            return verification
        running = VerificationStep.objects.filter(verification=verification, status=StepStatus.RUNNING).first()
        step = running.name if running is not None else ""
        if running is not None:
            running.status, running.reason_code, running.finished_at = StepStatus.FAILED, code, now
            running.save(update_fields=["status", "reason_code", "finished_at"])
        _finish(tenant, verification, VerificationStatus.FAILED, [{"code": code, "step": step, "detail": detail}], now)
    return verification
