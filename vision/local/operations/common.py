"""What several operations share: image inputs, S3 access, quality bars, pagination tokens."""

from __future__ import annotations

import base64
import binascii
import fnmatch
import json
from dataclasses import dataclass
from io import BytesIO
from typing import Any, TypeVar

import numpy as np
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from PIL import Image

from config.aws import aws_client
from vision.local import faces, memo, moderation
from vision.local.imaging import MAX_PIXELS, ImageDecodeError, decode_image
from vision.local.protocol import (
    AccessDeniedError,
    Call,
    ImageTooLargeError,
    InvalidImageFormatError,
    InvalidPaginationTokenError,
    InvalidParameterError,
    InvalidS3ObjectError,
)

# Rekognition's limits: 5 MB for image bytes in the request, 15 MB for an image in S3.
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_S3_IMAGE_BYTES = 15 * 1024 * 1024

# What collections report as FaceModelVersion. Embeddings are only comparable within one model,
# so this must change whenever faces.MODEL_VERSION does: the lookup fails at import otherwise.
# Short, because Verity keys thresholds on it (tenants.Threshold.face_model_version, 16 chars).
_FACE_MODEL_VERSIONS = {"yunet-2023mar-int8bq+sface-2021dec-int8bq": "verity-sface-1"}
FACE_MODEL_VERSION = _FACE_MODEL_VERSIONS[faces.MODEL_VERSION]

# open_nsfw, reporting in the labels of Rekognition's moderation taxonomy version 7.0.
MODERATION_MODEL_VERSION = f"open-nsfw-taxonomy-{moderation.TAXONOMY_VERSION}"

T = TypeVar("T")

_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def load_image(image: dict[str, Any], region: str) -> np.ndarray:
    """A request's ``Image`` member ({Bytes} or {S3Object}) as a BGR array, with AWS's errors."""
    return decode(image_bytes(image, region))


def image_bytes(image: dict[str, Any], region: str) -> bytes:
    """A request's ``Image`` member's bytes (read from S3 for an S3Object), with AWS's errors."""
    if ("Bytes" in image) == ("S3Object" in image):
        raise InvalidParameterError("An image must have exactly one of Bytes or S3Object.")
    if "Bytes" in image:
        data: bytes = image["Bytes"]
        if len(data) > MAX_IMAGE_BYTES:
            raise ImageTooLargeError(f"Image bytes are {len(data)} bytes; the limit is {MAX_IMAGE_BYTES}.")
        return data
    return read_s3_image(image["S3Object"], region)


def analyse_image(image: dict[str, Any], call: Call) -> memo.AnalysedImage:
    """The image's pixels, faces and embeddings, each computed once per image (vision/local/memo.py)."""
    return memo.analysed(image_bytes(image, call.account.region), call.account, decode)


def decode(data: bytes) -> np.ndarray:
    """JPEG or PNG by magic bytes (never by name), within the pixel budget."""
    if not data.startswith((_JPEG_MAGIC, _PNG_MAGIC)):
        raise InvalidImageFormatError("Request has invalid image format")
    try:
        with Image.open(BytesIO(data)) as header:
            width, height = header.size
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise InvalidImageFormatError("Request has invalid image format") from exc
    if width * height > MAX_PIXELS:
        raise ImageTooLargeError(f"Image is {width}x{height} pixels; the limit is {MAX_PIXELS} pixels.")
    try:
        return decode_image(data)
    except ImageDecodeError as exc:
        raise InvalidImageFormatError("Request has invalid image format") from exc


def allowed(name: str, patterns: list[str]) -> bool:
    """Whether a bucket name or topic ARN matches one of the configured patterns (``*`` wildcards)."""
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def check_bucket(bucket: str) -> None:
    """The endpoint uses the platform's AWS credentials: only the configured buckets, never the caller's pick."""
    if not allowed(bucket, settings.VERITY_LOCAL_REKOGNITION_S3_BUCKETS):
        raise AccessDeniedError(
            f"The local endpoint may not use bucket {bucket!r} (see VERITY_LOCAL_REKOGNITION_S3_BUCKETS)."
        )


def s3_arguments(s3_object: dict[str, Any]) -> dict[str, str]:
    """A Rekognition ``S3Object`` member as the arguments of S3's GetObject / HeadObject.

    Every read of the caller's S3 objects goes through here, so this is where the bucket is checked.
    """
    check_bucket(s3_object["Bucket"])
    arguments = {"Bucket": s3_object["Bucket"], "Key": s3_object["Name"]}
    if "Version" in s3_object:
        arguments["VersionId"] = s3_object["Version"]
    return arguments


def read_s3_image(s3_object: dict[str, Any], region: str) -> bytes:
    """An image's bytes from S3 via the platform's AWS client (moto locally and in tests)."""
    try:
        response = aws_client("s3", region).get_object(**s3_arguments(s3_object))
    except (ClientError, BotoCoreError) as exc:
        raise InvalidS3ObjectError() from exc
    body = response["Body"]
    try:
        # The declared length first, then the bytes actually sent: never more than the limit in memory.
        data = b"" if response["ContentLength"] > MAX_S3_IMAGE_BYTES else body.read(MAX_S3_IMAGE_BYTES + 1)
    finally:
        body.close()
    if response["ContentLength"] > MAX_S3_IMAGE_BYTES or len(data) > MAX_S3_IMAGE_BYTES:
        raise ImageTooLargeError(f"The S3 object is larger than the limit of {MAX_S3_IMAGE_BYTES} bytes.")
    return data


def s3_object_size(s3_object: dict[str, Any], region: str) -> int:
    try:
        return int(aws_client("s3", region).head_object(**s3_arguments(s3_object))["ContentLength"])
    except (ClientError, BotoCoreError) as exc:
        raise InvalidS3ObjectError() from exc


def note_detail_attributes(call: Call, requested: list[str] | None) -> None:
    """Say which requested FaceDetail attributes are left out: the models cannot estimate them."""
    missing = [attribute for attribute in requested or [] if attribute != "DEFAULT"]
    if missing:
        call.notices.append(
            f"Attributes {', '.join(missing)} are not computed by the local endpoint's models; FaceDetail has "
            "only the DEFAULT attributes (BoundingBox, Confidence, Landmarks, Pose, Quality)."
        )


def note_moderation_coverage(call: Call) -> None:
    call.notices.append(
        "Only Explicit > Explicit Nudity is detected locally (open_nsfw); no other moderation category is "
        "checked, so an empty result means no explicit nudity was found, not that the content is safe."
    )


@dataclass(frozen=True)
class QualityBar:
    """The least a face must show to pass a QualityFilter level (our choice; AWS's is unpublished).

    Sharpness and Brightness are DetectFaces' 0-100 scores. HIGH equals Verity's registration
    gate (sharpness and brightness > 15, |yaw| ≤ 45, face ≥ 50 px); the clear fixture portraits
    score confidence 93-95 and sharpness 58-99, a 31-px Gaussian blur brings sharpness to 2-14.
    """

    min_confidence: float
    min_sharpness: float
    min_brightness: float
    min_face_pixels: float
    max_yaw: float
    max_pitch: float


QUALITY_BARS: dict[str, QualityBar] = {
    "LOW": QualityBar(70, 5, 5, 20, 75, 60),
    "MEDIUM": QualityBar(80, 10, 10, 32, 60, 45),
    "HIGH": QualityBar(90, 15, 15, 50, 45, 30),
}
QUALITY_BARS["AUTO"] = QUALITY_BARS["MEDIUM"]


def quality_reasons(face: faces.Face, quality_filter: str) -> list[str]:
    """UnindexedFace reasons why a face fails the filter; empty when it passes (or for NONE)."""
    bar = QUALITY_BARS.get(quality_filter)
    if bar is None:
        return []
    detail = face.detail
    pose, quality = detail["Pose"], detail["Quality"]
    reasons = []
    if abs(pose["Yaw"]) > bar.max_yaw or abs(pose["Pitch"]) > bar.max_pitch:
        reasons.append("EXTREME_POSE")
    if quality["Brightness"] < bar.min_brightness:
        reasons.append("LOW_BRIGHTNESS")
    if quality["Sharpness"] < bar.min_sharpness:
        reasons.append("LOW_SHARPNESS")
    if detail["Confidence"] < bar.min_confidence:
        reasons.append("LOW_CONFIDENCE")
    if min(float(face.box[2]), float(face.box[3])) < bar.min_face_pixels:
        reasons.append("SMALL_BOUNDING_BOX")
    return reasons


def encode_token(position: str | int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": position}).encode()).decode()


def decode_token(token: str, kind: type[T]) -> T:
    """The position a token resumes after; InvalidPaginationTokenException unless it is a ``kind``."""
    try:
        position = json.loads(base64.urlsafe_b64decode(token.encode()))["after"]
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise InvalidPaginationTokenError() from exc
    if not isinstance(position, kind) or isinstance(position, bool):
        raise InvalidPaginationTokenError()
    return position


def page_size(requested: int | None, *, default: int, maximum: int) -> int:
    """MaxResults as AWS treats it: absent or 0 means the default, above the maximum the maximum."""
    return min(requested or default, maximum)
