"""Run: a step's engine calls through the gateway, outside any transaction and scope; no database row."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from PIL import Image

from audit.recording import record_aws_call
from config.aws import aws_client
from config.errors import DomainError, UpstreamUnavailable
from tenants.models import Tenant
from verification.flows import (
    ADOPT_MAX_FACES,
    SAME_IMAGE_SIMILARITY,
    SEARCH_MAX_FACES,
    STORED,
    PendingStep,
    Shard,
    StepOutcome,
)
from verification.flows.liveness import liveness_check
from verification.models import (
    VerificationStatus,
)
from vision.calls import fan_out
from vision.errors import InvalidParameter, RateLimited
from vision.gateway import Gateway
from vision.testmode import Script


class StoredImages:
    """The uploads Verity stored for a verification, read from the tenant's storage once and kept
    in memory for the worker's run of its steps (at most a selfie and a document)."""

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self._read: dict[tuple[str, str], bytes] = {}

    def bytes_of(self, s3_object: Mapping[str, str]) -> bytes:
        key = (s3_object["Bucket"], s3_object["Name"])
        if key not in self._read:
            self._read[key] = _read_stored(self.tenant, s3_object)
        return self._read[key]


def verification_step_run(*, tenant: Tenant, step: PendingStep, images: StoredImages | None = None) -> StepOutcome:
    """The step's engine work. Retryable engine failures (throttling, outages, quota) are raised for
    the task to retry; any other engine refusal fails the verification with its code. ``images``
    keeps the stored uploads read by earlier steps of the same run."""
    runner = _RUNNERS[step.name]
    stored = images or StoredImages(tenant)
    step = _with_stored_images(stored, step)
    try:
        script = Script(step.test_outcome, step.subject_public_id, step.active_face_id) if step.test_outcome else None
        outcome = runner(Gateway(tenant, script=script), step)
        if outcome.reference_image is not None:  # read once: its digest now, its bytes for the next steps
            data = stored.bytes_of(outcome.reference_image)
            outcome.reference_image["sha256"] = hashlib.sha256(data).hexdigest()
        return outcome
    except (UpstreamUnavailable, RateLimited):
        raise
    except DomainError as error:
        return StepOutcome.failure(error.code, error.detail, status=VerificationStatus.FAILED)


def _with_stored_images(stored: StoredImages, step: PendingStep) -> PendingStep:
    """The step with each upload Verity stored read back from the tenant's storage, as bytes."""
    images: dict[str, Any] = {}
    for role in ("selfie", "document"):
        member = getattr(step, role)
        if member is not None and STORED in member:
            images[role] = {"Bytes": stored.bytes_of(member[STORED])}
    return replace(step, **images) if images else step


def _read_stored(tenant: Tenant, s3_object: Mapping[str, str]) -> bytes:
    parameters = {"Bucket": s3_object["Bucket"], "Key": s3_object["Name"]}
    try:
        data: bytes = aws_client("s3", tenant.region).get_object(**parameters)["Body"].read()
    except (BotoCoreError, ClientError) as exc:
        code = exc.response["Error"].get("Code", "") if isinstance(exc, ClientError) else type(exc).__name__
        record_aws_call(
            tenant=tenant,
            service="s3",
            operation="GetObject",
            request_parameters=parameters,
            response_elements=None,
            error_code=code,
        )
        raise UpstreamUnavailable("A stored image could not be read.") from exc
    record_aws_call(
        tenant=tenant, service="s3", operation="GetObject", request_parameters=parameters, response_elements=None
    )
    return data


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
        MaxFaces=ADOPT_MAX_FACES,
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
    "liveness": liveness_check,
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
