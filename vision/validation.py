"""Image checks made before any engine call, so a bad image costs no quota and no engine time.

Rekognition's limits: JPEG or PNG, at most 5 MB as bytes and 15 MB as an S3 object, at least
80 pixels a side. The format is read from the magic bytes (never a name or a declared type).
A decompression-bomb guard refuses images whose header claims more pixels than any real photo
has, before a single pixel is decoded.

EXIF orientation: Rekognition reads it for some operations and not others (bounding boxes and
landmarks may come back in the sensor's frame, not the upright one), and the local endpoint
always applies it. To make every operation and both engines agree, an image with a non-trivial
orientation is rotated upright here and re-encoded without its metadata (which also keeps its
GPS position and camera details from leaving the platform). Upright images are sent untouched.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from PIL import Image, ImageOps

from config.aws import aws_client
from config.errors import UpstreamUnavailable
from tenants.models import Tenant
from vision.errors import (
    ImageCorrupt,
    ImageTooLarge,
    ImageTooSmall,
    InvalidImageFormat,
    InvalidParameter,
    InvalidS3Object,
)

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_S3_IMAGE_BYTES = 15 * 1024 * 1024
MIN_IMAGE_SIDE = 80
# Above 50 MP a single decode costs more than 150 MB of pixels; a 5 MB file can claim gigapixels.
MAX_PIXELS = 50_000_000
IMAGE_PARAMETERS = ("Image", "SourceImage", "TargetImage")

_MAGIC = {b"\xff\xd8\xff": "JPEG", b"\x89PNG\r\n\x1a\n": "PNG"}
_EXIF_ORIENTATION = 0x0112
_ROTATED_ORIENTATIONS = range(2, 9)
_REENCODE_JPEG_QUALITY = 95
# Pillow reports broken files as any of these, depending on the format plugin and the damage.
_BROKEN = (OSError, SyntaxError, ValueError, EOFError)
_MISSING_OBJECT_CODES = {"404", "NoSuchKey", "NotFound", "403", "AccessDenied", "Forbidden"}


@dataclass(frozen=True)
class CheckedImage:
    """Bytes that passed every check, ready to send (rotated upright if they needed it)."""

    data: bytes
    format: str
    width: int
    height: int
    reoriented: bool


def image_format(data: bytes) -> str | None:
    """``"JPEG"`` or ``"PNG"`` from the magic bytes, else None."""
    for magic, name in _MAGIC.items():
        if data.startswith(magic):
            return name
    return None


def check_image_bytes(data: bytes) -> CheckedImage:
    """Validate image bytes; raise the matching error or return what to send.

    The same bytes are decoded once: a verification sends its selfie to several calls (every
    shard's search among them). The few last good results are kept, keyed by the bytes
    themselves (compared in full on a hit, never by a digest alone); a refusal is not kept.
    """
    return _checked_image(bytes(data), MAX_IMAGE_BYTES, MAX_PIXELS, MIN_IMAGE_SIDE)


# At most 8 × 5 MB (MAX_IMAGE_BYTES) held per process, and that only with eight maximal images in a
# row. The limits are part of the key: a result stands only for the limits it was checked against.
@functools.lru_cache(maxsize=8)
def _checked_image(data: bytes, max_bytes: int, max_pixels: int, min_side: int) -> CheckedImage:
    fmt = image_format(data)
    if fmt is None:
        raise InvalidImageFormat("The image is not a JPEG or PNG file.")
    if len(data) > max_bytes:
        raise ImageTooLarge(f"The image is {len(data)} bytes; at most {max_bytes} bytes are accepted.")
    try:
        image = Image.open(io.BytesIO(data), formats=(fmt,))
    except Image.DecompressionBombError as exc:  # Pillow's own, higher limit
        raise ImageTooLarge(f"The image claims too many pixels: {exc}") from exc
    except _BROKEN as exc:
        raise ImageCorrupt(f"The {fmt} image cannot be read: {exc}") from exc
    with image:
        width, height = image.size
        if width * height > max_pixels:
            raise ImageTooLarge(f"The image is {width}x{height} pixels; at most {max_pixels} pixels are accepted.")
        if min(width, height) < min_side:
            raise ImageTooSmall(f"The image is {width}x{height} pixels; each side must be at least {min_side}.")
        try:
            orientation = image.getexif().get(_EXIF_ORIENTATION, 1)
            if fmt == "JPEG":
                # Decoding at 1/8 scale still reads every compressed byte (truncation is caught)
                # while skipping most of the pixel work.
                image.draft("RGB", (width // 8, height // 8))
            image.load()
        except _BROKEN as exc:
            raise ImageCorrupt(f"The {fmt} image data is damaged: {exc}") from exc
    if orientation in _ROTATED_ORIENTATIONS:
        return _upright(data, fmt, max_bytes)
    return CheckedImage(data=data, format=fmt, width=width, height=height, reoriented=False)


def _upright(data: bytes, fmt: str, max_bytes: int) -> CheckedImage:
    with Image.open(io.BytesIO(data), formats=(fmt,)) as image:
        upright = ImageOps.exif_transpose(image)
        buffer = io.BytesIO()
        if fmt == "JPEG":
            upright.save(buffer, "JPEG", quality=_REENCODE_JPEG_QUALITY, icc_profile=image.info.get("icc_profile"))
        else:
            upright.save(buffer, "PNG")
    rotated = buffer.getvalue()
    if len(rotated) > max_bytes:
        raise ImageTooLarge(f"The image, turned upright, is {len(rotated)} bytes; at most {max_bytes} are accepted.")
    return CheckedImage(data=rotated, format=fmt, width=upright.width, height=upright.height, reoriented=True)


def check_s3_object(s3_object: Mapping[str, Any], *, tenant: Tenant, max_bytes: int | None) -> None:
    """Refuse objects outside the tenant's bucket (the engine reads with the platform's rights),
    and, for images, objects that are missing or larger than ``max_bytes``."""
    bucket, name = s3_object.get("Bucket"), s3_object.get("Name")
    if not isinstance(bucket, str) or not isinstance(name, str) or not name:
        raise InvalidParameter("An S3Object needs a Bucket and a Name.")
    if not tenant.storage_bucket or bucket != tenant.storage_bucket:
        raise InvalidS3Object("Images and videos must be stored in the tenant's own bucket.")
    if max_bytes is None:
        return
    head_args = {"Bucket": bucket, "Key": name}
    if version := s3_object.get("Version"):
        head_args["VersionId"] = version
    try:
        head = aws_client("s3", tenant.region).head_object(**head_args)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _MISSING_OBJECT_CODES:
            raise InvalidS3Object(f"s3://{bucket}/{name} does not exist or cannot be read.") from exc
        raise UpstreamUnavailable("Object storage could not be reached.") from exc
    except BotoCoreError as exc:
        raise UpstreamUnavailable("Object storage could not be reached.") from exc
    size = int(head["ContentLength"])
    if size > max_bytes:
        raise ImageTooLarge(f"s3://{bucket}/{name} is {size} bytes; at most {max_bytes} bytes are accepted.")


def prepare_request(params: Mapping[str, Any], *, tenant: Tenant) -> dict[str, Any]:
    """Check every image (and video location) in a request; return the parameters to send."""
    prepared = dict(params)
    for key in IMAGE_PARAMETERS:
        if key in params:
            prepared[key] = _prepare_image(params[key], tenant=tenant)
    video = params.get("Video")
    if isinstance(video, Mapping) and "S3Object" in video:
        check_s3_object(video["S3Object"], tenant=tenant, max_bytes=None)
    return prepared


def _prepare_image(image: Any, *, tenant: Tenant) -> dict[str, Any]:
    if not isinstance(image, Mapping) or ("Bytes" in image) == ("S3Object" in image):
        raise InvalidParameter("An image is given either as Bytes or as an S3Object, exactly one of them.")
    if "S3Object" in image:
        check_s3_object(image["S3Object"], tenant=tenant, max_bytes=MAX_S3_IMAGE_BYTES)
        return dict(image)
    data = image["Bytes"]
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise InvalidParameter("Image Bytes must be binary data.")
    return {"Bytes": check_image_bytes(bytes(data)).data}
