"""The verification flows, one step at a time: prepare (database) → run (engine) → record (database).

Every step goes through the same three services, which the worker (verification.tasks) calls
in turn, entering the tenant's scope around the two database phases only:

* ``verification_step_next`` picks the first step that has not passed, marks it running (its
  row exists before any engine call, so a crash is visible) and reads everything the engine
  phase needs into a ``PendingStep``: plain data, no model instances, no open transaction.
* ``verification_step_run`` makes the step's engine calls through ``vision.gateway.Gateway``
  and touches no database row: it runs outside any transaction (and scope).
* ``verification_step_record`` writes the step's outcome, the face changes it implies and, on
  the last or a failing step, the verification's final state, in one short transaction.

A step that was marked running by an earlier attempt and never recorded is run again, except
IndexFaces: its re-run first looks for the face the earlier attempt may have indexed (same
image, ExternalImageId = the subject) and adopts it, so a subject is never indexed twice. If
recording an indexing step fails, ``verification_step_undo`` deletes the face again.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from PIL import Image

from audit.identity import resource, verity_event_source
from audit.recording import record_system_event
from audit.redaction import KEEP, ListOf, register_event
from config.aws import aws_client
from config.errors import DomainError, UpstreamUnavailable
from tenants.models import Tenant
from tenants.scope import require_scope, scope_database
from tenants.selectors import effective_thresholds
from verification.models import (
    Face,
    FaceStatus,
    ImageRole,
    StepStatus,
    Subject,
    Verification,
    VerificationImage,
    VerificationStatus,
    VerificationStep,
    VerificationType,
)
from verification.selectors import consent_active, verification_settings
from vision.calls import fan_out
from vision.errors import InvalidParameter, RateLimited
from vision.gateway import Gateway
from vision.models import FaceCollection
from vision.services import shard_for

logger = logging.getLogger(__name__)


VERIFICATION_SOURCE = verity_event_source("verification")

FLOWS: dict[str, tuple[str, ...]] = {
    VerificationType.REGISTRATION: ("consent", "quality", "compare", "duplicate", "index"),
    VerificationType.AUTHENTICATION: ("consent", "quality", "authenticate"),
    VerificationType.PHOTO_UPDATE: ("consent", "quality", "authenticate", "index", "delete_old_face"),
    VerificationType.IDENTIFICATION: ("quality", "identify"),
}

# How many matches each shard returns for a duplicate check or an identification.
SEARCH_MAX_FACES = 10
# A re-run of IndexFaces looks for the face an earlier attempt indexed from the very same image.
SAME_IMAGE_SIMILARITY = 99.0

register_event(
    VERIFICATION_SOURCE,
    "RecordVerificationStep",
    details={
        "verificationId": KEEP,
        "step": KEEP,
        "status": KEEP,
        "reasonCode": KEEP,
        "subjectId": KEEP,
        "faceId": KEEP,
        "deletedFaceIds": ListOf(KEEP),
    },
)
register_event(
    VERIFICATION_SOURCE,
    "CompleteVerification",
    details={
        "verificationId": KEEP,
        "type": KEEP,
        "status": KEEP,
        "subjectId": KEEP,
        "reasonCodes": ListOf(KEEP),
    },
)


class StepAlreadyRecorded(Exception):
    """Another attempt recorded this step (or finished the verification) first."""


@dataclass(frozen=True)
class Shard:
    shard: int
    collection_id: str
    face_model_version: str
    thresholds: Mapping[str, float]


@dataclass(frozen=True)
class PendingStep:
    """What a step's engine phase needs, read in its prepare phase: plain data only.

    Only what the step uses is read (``_NEEDS``); the rest keeps its empty default.
    """

    tenant_id: int
    verification_id: int
    verification_public_id: str
    type: str
    name: str
    resumed: bool
    subject_public_id: str | None
    selfie: Mapping[str, Any] = field(default_factory=dict)
    document: Mapping[str, Any] | None = None
    consent_active: bool = False
    thresholds: Mapping[str, float] = field(default_factory=dict)
    shards: tuple[Shard, ...] = ()
    # registration: the subject's chosen shard; authentication and photo update: its face's shard
    target: Shard | None = None
    active_face_id: str | None = None
    known_face_ids: tuple[str, ...] = ()
    retired_face_ids: tuple[str, ...] = ()
    duplicate_action: str = ""


# What each step's engine phase reads, so that its prepare phase loads only that.
_NEEDS: dict[str, frozenset[str]] = {
    "consent": frozenset({"consent"}),
    "quality": frozenset({"selfie", "thresholds"}),
    "compare": frozenset({"selfie", "document", "shards"}),
    "duplicate": frozenset({"selfie", "shards", "settings"}),
    "authenticate": frozenset({"selfie", "shards", "faces"}),
    "index": frozenset({"selfie", "shards", "faces"}),
    "delete_old_face": frozenset({"shards", "faces"}),
    "identify": frozenset({"selfie", "shards"}),
}


@dataclass
class StepOutcome:
    passed: bool
    result: dict[str, Any] = field(default_factory=dict)
    reasons: list[dict[str, str]] = field(default_factory=list)
    # The verification's status when the step fails.
    failed_status: str = VerificationStatus.REJECTED
    indexed_face_id: str | None = None
    face_model_version: str = ""
    matches: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def failure(
        cls,
        code: str,
        detail: str,
        *,
        status: str = VerificationStatus.REJECTED,
        result: dict[str, Any] | None = None,
    ) -> StepOutcome:
        reasons = [{"code": code, "detail": detail}]
        return cls(passed=False, result=result or {}, reasons=reasons, failed_status=status)


# ---------------------------------------------------------------------------------------------
# Prepare


def verification_step_next(*, tenant: Tenant, verification_id: int) -> PendingStep | None:
    """Mark the verification's next step running and return what its engine phase needs; None when finished."""
    require_scope(tenant)
    with transaction.atomic(using=scope_database()):
        verification = (
            Verification.objects.select_for_update(of=("self",)).select_related("subject").get(pk=verification_id)
        )
        if verification.is_final:
            return None
        rows = {row.name: row for row in VerificationStep.objects.filter(verification=verification)}
        flow = FLOWS[verification.type]
        position, name = next(
            ((i, step) for i, step in enumerate(flow) if step not in rows or rows[step].status != StepStatus.PASSED),
            (len(flow), ""),
        )
        if not name or (rows.get(name) is not None and rows[name].status == StepStatus.FAILED):
            return None  # every step passed, or one failed: the record phase has finished it
        now = timezone.now()
        row = rows.get(name)
        resumed = row is not None
        if row is None:
            row = VerificationStep.objects.create(
                tenant=tenant, verification=verification, position=position, name=name, attempts=1, started_at=now
            )
        else:
            VerificationStep.objects.filter(pk=row.pk).update(attempts=row.attempts + 1, started_at=now)
        if verification.status == VerificationStatus.PENDING:
            verification.status = VerificationStatus.PROCESSING
            verification.started_at = now
        verification.save(update_fields=["status", "started_at", "updated_at"])
        subject = verification.subject
        if verification.type == VerificationType.REGISTRATION and subject is not None and subject.shard is None:
            # Chosen once, when the subject first registers, and never recomputed.
            subject.shard = shard_for(subject.public_id, tenant.shard_count)
            Subject.objects.filter(pk=subject.pk).update(shard=subject.shard)
        return _pending_step(tenant, verification, name, resumed=resumed)


def _image_member(image: VerificationImage | None) -> dict[str, Any] | None:
    if image is None:
        return None
    if image.s3_bucket:
        s3_object = {"Bucket": image.s3_bucket, "Name": image.s3_name}
        if image.s3_version:
            s3_object["Version"] = image.s3_version
        return {"S3Object": s3_object}
    return {"Bytes": bytes(image.data or b"")}


def _shards(collections: Iterable[FaceCollection]) -> dict[int, Shard]:
    thresholds: dict[str, Mapping[str, float]] = {}
    shards = {}
    for collection in collections:
        version = collection.face_model_version
        if version not in thresholds:
            thresholds[version] = effective_thresholds(face_model_version=version)
        shards[collection.shard] = Shard(collection.shard, collection.collection_id, version, thresholds[version])
    return shards


def _pending_step(tenant: Tenant, verification: Verification, name: str, *, resumed: bool) -> PendingStep:
    needs = _NEEDS[name]
    subject = verification.subject
    loaded: dict[str, Any] = {}
    if needs & {"selfie", "document"}:
        roles = [ImageRole.SELFIE] + ([ImageRole.ID_DOCUMENT] if "document" in needs else [])
        images = {i.role: i for i in VerificationImage.objects.filter(verification=verification, role__in=roles)}
        selfie = _image_member(images.get(ImageRole.SELFIE))
        if selfie is None:
            raise RuntimeError(f"Verification {verification.public_id} has no selfie.")
        loaded |= {"selfie": selfie, "document": _image_member(images.get(ImageRole.ID_DOCUMENT))}
    if "consent" in needs:
        loaded["consent_active"] = subject is not None and consent_active(subject=subject) is not None
    if "thresholds" in needs:
        loaded["thresholds"] = effective_thresholds()
    if "settings" in needs:
        loaded["duplicate_action"] = verification_settings().duplicate_action
    if "shards" in needs:
        shards = _shards(FaceCollection.objects.order_by("shard"))
        loaded["shards"] = tuple(shards.values())
        faces = list(Face.objects.filter(subject=subject).select_related("collection")) if subject else []
        active = next((face for face in faces if face.status == FaceStatus.ACTIVE), None)
        if active is not None and verification.type != VerificationType.REGISTRATION:
            loaded["target"] = next(
                (s for s in shards.values() if s.collection_id == active.collection.collection_id), None
            )
        elif subject is not None and subject.shard is not None:
            loaded["target"] = shards.get(subject.shard)
        if "faces" in needs:
            loaded |= {
                "active_face_id": active.face_id if active is not None else None,
                "known_face_ids": tuple(face.face_id for face in faces),
                "retired_face_ids": tuple(face.face_id for face in faces if face.status == FaceStatus.RETIRED),
            }
    return PendingStep(
        tenant_id=tenant.pk,
        verification_id=verification.pk,
        verification_public_id=verification.public_id,
        type=verification.type,
        name=name,
        resumed=resumed,
        subject_public_id=subject.public_id if subject is not None else None,
        **loaded,
    )


# ---------------------------------------------------------------------------------------------
# Run: engine calls only, no database


def verification_step_run(*, tenant: Tenant, step: PendingStep) -> StepOutcome:
    """The step's engine work. Retryable engine failures (throttling, outages, quota) are raised for
    the task to retry; any other engine refusal fails the verification with its code."""
    runner = _RUNNERS[step.name]
    try:
        return runner(Gateway(tenant), step)
    except (UpstreamUnavailable, RateLimited):
        raise
    except DomainError as error:
        return StepOutcome.failure(error.code, error.detail, status=VerificationStatus.FAILED)


def _consent(gateway: Gateway, step: PendingStep) -> StepOutcome:
    if step.consent_active:
        return StepOutcome(passed=True)
    return StepOutcome.failure("consent_required", "The subject's consent was withdrawn or has expired.")


def _image_size(gateway: Gateway, image: Mapping[str, Any]) -> tuple[int, int]:
    """Width and height of the image as the engine sees it (EXIF-upright, as the gateway sends it).

    For an S3 object only its first bytes are read, where JPEG and PNG keep their size; the whole
    object only when the header runs past them.
    """
    if "Bytes" in image:
        return _header_size(image["Bytes"])
    s3_object = image["S3Object"]
    arguments = {"Bucket": s3_object["Bucket"], "Key": s3_object["Name"]}
    if "Version" in s3_object:
        arguments["VersionId"] = s3_object["Version"]
    s3 = aws_client("s3", gateway.tenant.region)
    try:
        return _header_size(s3.get_object(Range=f"bytes=0-{_HEADER_BYTES - 1}", **arguments)["Body"].read())
    except (OSError, SyntaxError, ValueError):
        return _header_size(s3.get_object(**arguments)["Body"].read())


_HEADER_BYTES = 256 * 1024


def _header_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as opened:
        width, height = opened.size
        orientation = opened.getexif().get(0x0112, 1)
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def _quality(gateway: Gateway, step: PendingStep) -> StepOutcome:
    """One face, pose, sharpness, brightness, eyes, sunglasses and size within the tenant's limits.

    An attribute the engine does not return (the local engine has no eye or sunglasses model)
    is ``not_evaluated``: shown in the step, never counted as passed.
    """
    detected = gateway.call("DetectFaces", Image=dict(step.selfie), Attributes=["ALL"])["FaceDetails"]
    if not detected:
        return StepOutcome.failure("quality.no_face", "No face was found in the selfie.", result={"faces": 0})
    if len(detected) > 1:
        return StepOutcome.failure(
            "quality.multiple_faces",
            f"{len(detected)} faces were found; a selfie shows one.",
            result={"faces": len(detected)},
        )
    face, limits = detected[0], step.thresholds
    width, height = _image_size(gateway, step.selfie)
    pose, quality, box = face.get("Pose", {}), face.get("Quality", {}), face.get("BoundingBox", {})
    yaw, pitch = float(pose.get("Yaw", 0.0)), float(pose.get("Pitch", 0.0))
    sharpness, brightness = float(quality.get("Sharpness", 0.0)), float(quality.get("Brightness", 0.0))
    face_width, face_height = round(box.get("Width", 0.0) * width), round(box.get("Height", 0.0) * height)
    checks: dict[str, tuple[bool | None, str, str]] = {
        "pose": (
            abs(yaw) <= limits["QualityMaxYaw"] and limits["QualityMinPitch"] <= pitch <= limits["QualityMaxPitch"],
            "quality.pose",
            f"Yaw {yaw:.0f}° and pitch {pitch:.0f}° must be within ±{limits['QualityMaxYaw']:g}° and "
            f"{limits['QualityMinPitch']:g}°..{limits['QualityMaxPitch']:g}°.",
        ),
        "sharpness": (
            sharpness > limits["QualitySharpness"],
            "quality.sharpness",
            f"Sharpness {sharpness:.1f} is not above {limits['QualitySharpness']:g}.",
        ),
        "brightness": (
            brightness > limits["QualityBrightness"],
            "quality.brightness",
            f"Brightness {brightness:.1f} is not above {limits['QualityBrightness']:g}.",
        ),
        "eyes_open": (_attribute(face, "EyesOpen", expected=True), "quality.eyes_closed", "The eyes are closed."),
        "sunglasses": (_attribute(face, "Sunglasses", expected=False), "quality.sunglasses", "Sunglasses are worn."),
        "face_size": (
            min(face_width, face_height) >= limits["QualityMinFaceSize"],
            "quality.face_too_small",
            f"The face is {face_width}x{face_height} px; at least {limits['QualityMinFaceSize']:g} px a side.",
        ),
    }
    result = {
        "faces": 1,
        "yaw": round(yaw, 1),
        "pitch": round(pitch, 1),
        "sharpness": round(sharpness, 1),
        "brightness": round(brightness, 1),
        "face_width_px": face_width,
        "face_height_px": face_height,
        "checks": {
            name: "not_evaluated" if ok is None else "passed" if ok else "failed" for name, (ok, _, _) in checks.items()
        },
    }
    reasons = [{"code": code, "detail": detail} for ok, code, detail in checks.values() if ok is False]
    return StepOutcome(passed=not reasons, result=result, reasons=reasons)


def _attribute(face: Mapping[str, Any], name: str, *, expected: bool) -> bool | None:
    """Whether a boolean attribute has the expected value; None when the engine did not evaluate it."""
    value = face.get(name)
    if not isinstance(value, Mapping) or not isinstance(value.get("Value"), bool):
        return None
    return bool(value["Value"] == expected)


def _compare(gateway: Gateway, step: PendingStep) -> StepOutcome:
    if step.document is None or step.target is None:
        return StepOutcome.failure(
            "internal_error", "The step has no document or shard.", status=VerificationStatus.FAILED
        )
    threshold = step.target.thresholds["CompareFaces"]
    try:
        # Threshold 0: every face of the document comes back with its similarity, which the step records.
        answer = gateway.call(
            "CompareFaces", SourceImage=dict(step.selfie), TargetImage=dict(step.document), SimilarityThreshold=0.0
        )
    except InvalidParameter:
        answer = {"FaceMatches": [], "UnmatchedFaces": []}
    similarities = [float(match["Similarity"]) for match in answer.get("FaceMatches", [])]
    if not similarities:
        return StepOutcome.failure("compare.no_face_in_document", "No face was found in the ID document.")
    best = max(similarities)
    result = {
        "similarity": round(best, 2),
        "threshold": threshold,
        "face_model_version": step.target.face_model_version,
    }
    if best < threshold:
        return StepOutcome.failure(
            "compare.mismatch",
            f"The selfie and the ID document match at {best:.1f}, below {threshold:g}.",
            result=result,
        )
    return StepOutcome(passed=True, result=result)


def _search_all_shards(gateway: Gateway, step: PendingStep, threshold_name: str) -> list[dict[str, Any]]:
    """Every shard's matches, best first."""

    def search(shard: Shard) -> list[dict[str, Any]]:
        answer = gateway.call(
            "SearchFacesByImage",
            CollectionId=shard.collection_id,
            Image=dict(step.selfie),
            FaceMatchThreshold=shard.thresholds[threshold_name],
            MaxFaces=SEARCH_MAX_FACES,
        )
        return [{**match, "shard": shard.shard} for match in answer.get("FaceMatches", [])]

    found = [match for matches in fan_out(search, step.shards) for match in matches]
    return sorted(found, key=lambda match: -float(match["Similarity"]))


def _duplicate(gateway: Gateway, step: PendingStep) -> StepOutcome:
    matches = [
        match
        for match in _search_all_shards(gateway, step, "DuplicateSearch")
        # A face of this very subject (left by an interrupted attempt) is not someone else's.
        if match["Face"].get("ExternalImageId") != step.subject_public_id
    ]
    result: dict[str, Any] = {"shards_searched": len(step.shards)}
    if not matches:
        return StepOutcome(passed=True, result=result)
    best = matches[0]
    existing = best["Face"].get("ExternalImageId", "")
    result |= {"matched_subject": existing, "similarity": round(float(best["Similarity"]), 2)}
    return StepOutcome.failure(
        "duplicate.found",
        f"This face is already registered as subject {existing} (similarity {float(best['Similarity']):.1f}).",
        status=step.duplicate_action,
        result=result,
    )


def _authenticate(gateway: Gateway, step: PendingStep) -> StepOutcome:
    if step.target is None:
        return StepOutcome.failure(
            "subject_not_registered", "The subject has no face.", status=VerificationStatus.FAILED
        )
    threshold = step.target.thresholds["Authentication"]
    answer = gateway.call(
        "SearchFacesByImage",
        CollectionId=step.target.collection_id,
        Image=dict(step.selfie),
        FaceMatchThreshold=threshold,
        MaxFaces=SEARCH_MAX_FACES,
    )
    matches = sorted(answer.get("FaceMatches", []), key=lambda match: -float(match["Similarity"]))
    result: dict[str, Any] = {"threshold": threshold, "face_model_version": step.target.face_model_version}
    if not matches:
        return StepOutcome.failure("auth.no_match", f"No face matches at {threshold:g} or above.", result=result)
    top = matches[0]
    result |= {"similarity": round(float(top["Similarity"]), 2), "matched_subject": top["Face"].get("ExternalImageId")}
    if top["Face"]["FaceId"] != step.active_face_id:
        return StepOutcome.failure(
            "auth.subject_mismatch", "The best matching face is not the subject's reference face.", result=result
        )
    return StepOutcome(passed=True, result=result)


def _index(gateway: Gateway, step: PendingStep) -> StepOutcome:
    target = step.target
    if target is None:
        return StepOutcome.failure(
            "shard_unavailable", "The subject's shard has no collection yet.", status=VerificationStatus.FAILED
        )
    result: dict[str, Any] = {"shard": target.shard, "face_model_version": target.face_model_version}
    if step.resumed and (adopted := _face_indexed_earlier(gateway, step, target)):
        return StepOutcome(
            passed=True,
            result=result | {"adopted": True},
            indexed_face_id=adopted,
            face_model_version=target.face_model_version,
        )
    answer = gateway.call(
        "IndexFaces",
        CollectionId=target.collection_id,
        Image=dict(step.selfie),
        ExternalImageId=step.subject_public_id,
        MaxFaces=1,
        QualityFilter="HIGH",
        DetectionAttributes=["DEFAULT"],
    )
    records = answer.get("FaceRecords", [])
    if not records:
        unindexed = [reason for face in answer.get("UnindexedFaces", []) for reason in face.get("Reasons", [])]
        return StepOutcome.failure(
            "index.quality_filter", f"The face was not indexed: {', '.join(unindexed) or 'no face'}.", result=result
        )
    return StepOutcome(
        passed=True,
        result=result,
        indexed_face_id=records[0]["Face"]["FaceId"],
        face_model_version=answer.get("FaceModelVersion", target.face_model_version),
    )


def _face_indexed_earlier(gateway: Gateway, step: PendingStep, target: Shard) -> str | None:
    """The face an interrupted IndexFaces left for this subject and image, if any (extras are deleted)."""
    answer = gateway.call(
        "SearchFacesByImage",
        CollectionId=target.collection_id,
        Image=dict(step.selfie),
        FaceMatchThreshold=SAME_IMAGE_SIMILARITY,
        MaxFaces=SEARCH_MAX_FACES,
    )
    left = [
        match["Face"]["FaceId"]
        for match in answer.get("FaceMatches", [])
        if match["Face"].get("ExternalImageId") == step.subject_public_id
        and match["Face"]["FaceId"] not in step.known_face_ids
    ]
    if len(left) > 1:
        gateway.call("DeleteFaces", CollectionId=target.collection_id, FaceIds=left[1:])
    return left[0] if left else None


def _delete_old_face(gateway: Gateway, step: PendingStep) -> StepOutcome:
    if not step.retired_face_ids or step.target is None:
        return StepOutcome(passed=True, result={"deleted": 0})
    answer = gateway.call("DeleteFaces", CollectionId=step.target.collection_id, FaceIds=list(step.retired_face_ids))
    return StepOutcome(passed=True, result={"deleted": len(answer.get("DeletedFaces", []))})


def _identify(gateway: Gateway, step: PendingStep) -> StepOutcome:
    matches = _search_all_shards(gateway, step, "Identification")
    found = [
        {"face_id": match["Face"]["FaceId"], "similarity": round(float(match["Similarity"]), 2)} for match in matches
    ]
    result = {"shards_searched": len(step.shards), "faces_matched": len(found)}
    if not found:
        return StepOutcome.failure("identification.no_match", "No registered face matches.", result=result)
    return StepOutcome(passed=True, result=result, matches=found)


_RUNNERS: dict[str, Callable[[Gateway, PendingStep], StepOutcome]] = {
    "consent": _consent,
    "quality": _quality,
    "compare": _compare,
    "duplicate": _duplicate,
    "authenticate": _authenticate,
    "index": _index,
    "delete_old_face": _delete_old_face,
    "identify": _identify,
}


def verification_step_undo(*, tenant: Tenant, step: PendingStep, outcome: StepOutcome) -> None:
    """Compensation: delete a face the step indexed whose outcome could not be recorded."""
    if outcome.indexed_face_id and step.target is not None:
        Gateway(tenant).call("DeleteFaces", CollectionId=step.target.collection_id, FaceIds=[outcome.indexed_face_id])


# ---------------------------------------------------------------------------------------------
# Record


def verification_step_record(*, tenant: Tenant, step: PendingStep, outcome: StepOutcome) -> Verification:
    """Write the step's outcome and its consequences; finish the verification on failure or after the last step.

    Raises ``StepAlreadyRecorded`` when another attempt got there first (the caller then undoes
    what this attempt did in the engine).
    """
    require_scope(tenant)
    now = timezone.now()
    with transaction.atomic(using=scope_database()):
        verification = (
            Verification.objects.select_for_update(of=("self",)).select_related("subject").get(pk=step.verification_id)
        )
        row = VerificationStep.objects.get(verification=verification, name=step.name)
        if verification.is_final or row.status != StepStatus.RUNNING:
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
        if outcome.matches:
            verification.matches = _ranked_subjects(outcome.matches)
        _record_step_event(tenant, verification, row, details)
        flow = FLOWS[verification.type]
        if not outcome.passed:
            reasons = [{"code": r["code"], "step": step.name, "detail": r["detail"]} for r in outcome.reasons]
            _finish(tenant, verification, outcome.failed_status, reasons, now)
        elif step.name == flow[-1]:
            _finish(tenant, verification, VerificationStatus.APPROVED, [], now)
        else:
            verification.save(update_fields=["matches", "updated_at"])
    return verification


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
    verification.face = face
    verification.save(update_fields=["face", "updated_at"])
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
    verification.save(update_fields=["status", "reasons", "matches", "finished_at", "updated_at"])
    VerificationImage.objects.filter(verification=verification).delete()
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
