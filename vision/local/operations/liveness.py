"""Face Liveness as an EMULATION: sessions, results and their expiry, but no anti-spoofing at all.

On AWS a session is completed by the Amplify FaceLivenessDetector streaming video to
Rekognition, which judges whether a live person was present. Locally nothing streams: the
local-only ``VerityLocal.CompleteFaceLivenessSession`` call supplies the reference image and the
Confidence to report, and this module stores them. It checks that the image shows a face
(otherwise the session FAILED, as AWS fails a session with no visible face) and nothing else:
a printed photo or a screen replay "passes" with whatever Confidence the caller supplied. Every
liveness response says so in the ``X-Verity-Local-Notice`` header.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import uuid
from typing import Any

import cv2
import numpy as np
from botocore.exceptions import BotoCoreError, ClientError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tenants.aws import aws_client
from vision.local import faces
from vision.local.models import LivenessSession
from vision.local.operations.common import MAX_IMAGE_BYTES, check_bucket, decode
from vision.local.protocol import (
    Account,
    Call,
    ImageTooLargeError,
    InvalidParameterError,
    InvalidS3ObjectError,
    SessionNotFoundError,
)

SESSION_TTL = datetime.timedelta(minutes=3)  # AWS: a session not completed within 3 minutes expires
MAX_REFERENCE_BYTES = 204_800  # the service model's LivenessImageBlob limit
DEFAULT_CONFIDENCE = 100.0
NOTICE = (
    "Face Liveness is emulated by the Verity local endpoint: no anti-spoofing check was made. "
    "Status and Confidence are what VerityLocal.CompleteFaceLivenessSession supplied."
)


def create_face_liveness_session(call: Call) -> dict[str, Any]:
    """A new session, or the one already created with the same ClientRequestToken."""
    call.notices.append(NOTICE)
    params, account = call.params, call.account
    token = params.get("ClientRequestToken", "")
    output = params.get("Settings", {}).get("OutputConfig", {})
    if token and (existing := _by_token(account, token)) is not None:
        return {"SessionId": str(existing.session_id)}
    if output.get("S3Bucket"):
        check_bucket(output["S3Bucket"])
    try:
        with transaction.atomic():
            session = LivenessSession.objects.create(
                account=account.access_key_id,
                region=account.region,
                client_request_token=token,
                kms_key_id=params.get("KmsKeyId", ""),
                output_bucket=output.get("S3Bucket", ""),
                output_key_prefix=output.get("S3KeyPrefix", ""),
            )
    except IntegrityError:  # the same token, created concurrently
        existing = _by_token(account, token)
        if existing is None:
            raise
        session = existing
    return {"SessionId": str(session.session_id)}


def get_face_liveness_session_results(call: Call) -> dict[str, Any]:
    call.notices.append(NOTICE)
    session = _session(call.account, call.params["SessionId"])
    if _expired(session):
        return {"SessionId": str(session.session_id), "Status": "EXPIRED"}
    response: dict[str, Any] = {"SessionId": str(session.session_id), "Status": session.status}
    if session.status == LivenessSession.Status.SUCCEEDED:
        reference: dict[str, Any] = {"BoundingBox": session.reference_bounding_box}
        if session.reference_s3_key:
            reference["S3Object"] = {"Bucket": session.output_bucket, "Name": session.reference_s3_key}
        else:
            reference["Bytes"] = bytes(session.reference_image or b"")
        response |= {"Confidence": session.confidence, "ReferenceImage": reference, "AuditImages": []}
    return response


def complete_face_liveness_session(call: Call) -> dict[str, Any]:
    """Local-only: finish a session with a reference image, as the Amplify component would.

    ``{"SessionId": str, "ReferenceImage": {"Bytes": base64}, "Confidence": 0-100 (default 100)}``.
    """
    call.notices.append(NOTICE)
    session_id, image_bytes, confidence = _completion_params(call.params)
    image = decode(image_bytes)
    detected = faces.detect_faces(image)
    with transaction.atomic():
        session = _session(call.account, session_id, lock=True)
        if _expired(session):
            raise InvalidParameterError(f"Session {session_id} has expired (sessions last {SESSION_TTL}).")
        if session.status != LivenessSession.Status.CREATED:
            raise InvalidParameterError(f"Session {session_id} is already {session.status}.")
        session.completed_at = timezone.now()
        if not detected:
            session.status = LivenessSession.Status.FAILED
        else:
            reference = _reference_jpeg(image)
            session.status = LivenessSession.Status.SUCCEEDED
            session.confidence = confidence
            session.reference_bounding_box = dict(detected[0].detail["BoundingBox"])
            if session.output_bucket:
                session.reference_s3_key = _write_reference(session, reference)
            else:
                session.reference_image = reference
        session.save()
    return {"SessionId": str(session.session_id), "Status": session.status}


def _completion_params(params: dict[str, Any]) -> tuple[str, bytes, float]:
    session_id = params.get("SessionId")
    try:
        uuid.UUID(str(session_id))
    except ValueError:
        raise InvalidParameterError("SessionId must be the UUID returned by CreateFaceLivenessSession.") from None
    reference = params.get("ReferenceImage")
    encoded = reference.get("Bytes") if isinstance(reference, dict) else None
    try:
        image_bytes = base64.b64decode(encoded, validate=True) if isinstance(encoded, str) else b""
    except binascii.Error:
        image_bytes = b""
    if not image_bytes:
        raise InvalidParameterError('ReferenceImage must be {"Bytes": <base64 JPEG or PNG>}.')
    if len(image_bytes) > MAX_IMAGE_BYTES:
        raise ImageTooLargeError(f"ReferenceImage is larger than {MAX_IMAGE_BYTES} bytes.")
    confidence = params.get("Confidence", DEFAULT_CONFIDENCE)
    if isinstance(confidence, bool) or not isinstance(confidence, int | float) or not 0 <= confidence <= 100:
        raise InvalidParameterError("Confidence must be a number from 0 to 100.")
    return str(session_id), image_bytes, float(confidence)


def _by_token(account: Account, token: str) -> LivenessSession | None:
    return LivenessSession.objects.filter(
        account=account.access_key_id, region=account.region, client_request_token=token
    ).first()


def _session(account: Account, session_id: str, *, lock: bool = False) -> LivenessSession:
    sessions = LivenessSession.objects.select_for_update() if lock else LivenessSession.objects.all()
    session = sessions.filter(account=account.access_key_id, region=account.region, session_id=session_id).first()
    if session is None:
        raise SessionNotFoundError(f"Session {session_id} was not found.")
    return session


def _expired(session: LivenessSession) -> bool:
    return session.status == LivenessSession.Status.CREATED and timezone.now() - session.created_at > SESSION_TTL


def _reference_jpeg(image: np.ndarray) -> bytes:
    """The reference image as AWS gives it: a JPEG within the 200 KB the service model allows."""
    while True:
        ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
        if not ok:
            raise InvalidParameterError("The reference image could not be encoded as JPEG.")
        if len(encoded) <= MAX_REFERENCE_BYTES:
            return encoded.tobytes()
        image = cv2.resize(image, None, fx=0.75, fy=0.75, interpolation=cv2.INTER_AREA)


def _write_reference(session: LivenessSession, reference: bytes) -> str:
    """Store the reference image where the session's OutputConfig says, under its KMS key if any."""
    prefix = session.output_key_prefix
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    key = f"{prefix}{session.session_id}/reference.jpg"
    check_bucket(session.output_bucket)
    request: dict[str, Any] = {"Bucket": session.output_bucket, "Key": key, "Body": reference}
    if session.kms_key_id:
        request |= {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": session.kms_key_id}
    try:
        aws_client("s3", session.region).put_object(ContentType="image/jpeg", **request)
    except (ClientError, BotoCoreError) as exc:
        raise InvalidS3ObjectError(
            f"Unable to write the reference image to s3://{session.output_bucket}/{key}."
        ) from exc
    return key
