"""Every bad image gets its own error before any engine call; EXIF-rotated images are sent upright."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from typing import Any

import pytest
from botocore.stub import ANY, Stubber
from PIL import Image

from config.aws import reset_clients
from config.errors import DomainError
from tenants.models import Tenant
from vision.calls import CallRecord
from vision.gateway import Gateway
from vision.validation import MAX_IMAGE_BYTES, MAX_S3_IMAGE_BYTES, check_image_bytes


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels (a decompression bomb's shape)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")


def _bad_images(make_image: Callable[..., bytes]) -> dict[str, tuple[bytes, str]]:
    jpeg, png = make_image(), make_image(fmt="PNG")
    buffer = io.BytesIO()
    Image.new("RGB", (100, 100)).save(buffer, "GIF")
    return {
        "text": (b"just some text, not an image" * 10, "invalid_image_format"),
        "gif": (buffer.getvalue(), "invalid_image_format"),
        "jpeg-named-bytes": (b"%PDF-1.7 pretending to be photo.jpg", "invalid_image_format"),
        "over-5-mb": (b"\xff\xd8\xff" + b"\0" * MAX_IMAGE_BYTES, "image_too_large"),
        "bomb": (_png_claiming(8000, 8000), "image_too_large"),
        "narrow": (make_image(79, 400), "image_too_small"),
        "tiny-png": (make_image(60, 60, fmt="PNG"), "image_too_small"),
        "truncated-jpeg": (jpeg[: len(jpeg) // 2], "image_corrupt"),
        "truncated-png": (png[: len(png) // 2], "image_corrupt"),
        "jpeg-magic-then-garbage": (b"\xff\xd8\xff" + b"\x13garbage" * 100, "image_corrupt"),
    }


BAD_IMAGE_KINDS = [
    "text", "gif", "jpeg-named-bytes", "over-5-mb", "bomb", "narrow", "tiny-png", "truncated-jpeg",
    "truncated-png", "jpeg-magic-then-garbage",
]  # fmt: skip


@pytest.mark.parametrize("kind", BAD_IMAGE_KINDS)
def test_a_bad_image_gets_its_error_and_no_engine_call(
    kind: str, tenant: Tenant, stub: Stubber, make_image: Callable[..., bytes], records: list[CallRecord]
) -> None:
    data, code = _bad_images(make_image)[kind]

    # The Stubber holds no answer: an engine call would fail with a different error.
    with pytest.raises(DomainError) as raised:
        Gateway(tenant).call("DetectFaces", Image={"Bytes": data})

    assert (raised.value.code, raised.value.status) == (code, 400)
    assert records[-1].attempts == 0
    assert records[-1].error_code == code


def test_every_listed_kind_is_exercised(make_image: Callable[..., bytes]) -> None:
    assert sorted(_bad_images(make_image)) == sorted(BAD_IMAGE_KINDS)


def test_each_image_of_compare_faces_is_checked(
    tenant: Tenant, stub: Stubber, photo: bytes, make_image: Callable[..., bytes]
) -> None:
    with pytest.raises(DomainError, match="at least 80"):
        Gateway(tenant).call("CompareFaces", SourceImage={"Bytes": photo}, TargetImage={"Bytes": make_image(50, 50)})


def test_an_upright_image_is_sent_untouched(tenant: Tenant, stub: Stubber, photo: bytes) -> None:
    stub.add_response("detect_faces", {"FaceDetails": []}, expected_params={"Image": {"Bytes": photo}})

    Gateway(tenant).call("DetectFaces", Image={"Bytes": photo})


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_an_exif_rotated_image_is_sent_upright_without_its_metadata(
    fmt: str, tenant: Tenant, stub: Stubber, make_image: Callable[..., bytes]
) -> None:
    # Stored 200x100 with its left half red; orientation 6 means "turn 90° clockwise to view",
    # so the upright picture is 100x200 with its top half red.
    sent: dict[str, Any] = {}
    stub.add_response("detect_faces", {"FaceDetails": []}, expected_params={"Image": {"Bytes": ANY}})
    stub.client.meta.events.register(
        "before-parameter-build.rekognition.DetectFaces", lambda params, **_: sent.update(params)
    )

    Gateway(tenant).call("DetectFaces", Image={"Bytes": make_image(200, 100, fmt=fmt, orientation=6)})

    upright = Image.open(io.BytesIO(sent["Image"]["Bytes"]))
    assert upright.format == fmt
    assert upright.size == (100, 200)
    assert 0x0112 not in upright.getexif()
    red, _, blue = upright.convert("RGB").getpixel((50, 20))
    assert red > 200
    assert blue < 60


def test_orientation_1_is_not_re_encoded(make_image: Callable[..., bytes]) -> None:
    data = make_image(200, 100, orientation=1)

    checked = check_image_bytes(data)

    assert checked.data is data
    assert not checked.reoriented


@pytest.fixture
def bucket(aws: None, tenant: Tenant) -> Any:
    """The tenant's bucket in moto, with clients rebuilt inside the mock."""
    from config.aws import aws_client

    reset_clients()
    s3 = aws_client("s3", tenant.region)
    s3.create_bucket(Bucket=tenant.storage_bucket)
    return s3


@pytest.fixture
def moto_stub(bucket: Any, tenant: Tenant) -> Any:
    from config.aws import aws_client

    with Stubber(aws_client("rekognition", tenant.region)) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def test_an_s3_image_in_the_tenants_bucket_is_checked_then_sent(
    tenant: Tenant, bucket: Any, moto_stub: Stubber, photo: bytes
) -> None:
    bucket.put_object(Bucket=tenant.storage_bucket, Key="verity/selfie.jpg", Body=photo)
    image = {"S3Object": {"Bucket": tenant.storage_bucket, "Name": "verity/selfie.jpg"}}
    moto_stub.add_response("detect_faces", {"FaceDetails": []}, expected_params={"Image": image})

    Gateway(tenant).call("DetectFaces", Image=image)


def test_an_s3_image_over_15_mb_is_refused(tenant: Tenant, bucket: Any, moto_stub: Stubber) -> None:
    bucket.put_object(
        Bucket=tenant.storage_bucket, Key="verity/huge.jpg", Body=b"\xff\xd8\xff" + b"\0" * MAX_S3_IMAGE_BYTES
    )

    with pytest.raises(DomainError) as raised:
        Gateway(tenant).call(
            "DetectFaces", Image={"S3Object": {"Bucket": tenant.storage_bucket, "Name": "verity/huge.jpg"}}
        )

    assert raised.value.code == "image_too_large"


def test_a_missing_s3_image_is_refused(tenant: Tenant, bucket: Any, moto_stub: Stubber) -> None:
    with pytest.raises(DomainError) as raised:
        Gateway(tenant).call("DetectFaces", Image={"S3Object": {"Bucket": tenant.storage_bucket, "Name": "nope.jpg"}})

    assert raised.value.code == "invalid_s3_object"


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("DetectFaces", {"Image": {"S3Object": {"Bucket": "someone-elses-bucket", "Name": "a.jpg"}}}),
        ("StartContentModeration", {"Video": {"S3Object": {"Bucket": "someone-elses-bucket", "Name": "a.mp4"}}}),
    ],
)
def test_objects_outside_the_tenants_bucket_are_refused(
    tenant: Tenant, stub: Stubber, operation: str, params: dict[str, Any]
) -> None:
    with pytest.raises(DomainError) as raised:
        Gateway(tenant).call(operation, **params)

    assert raised.value.code == "invalid_s3_object"


def test_an_image_needs_exactly_one_source(tenant: Tenant, stub: Stubber, photo: bytes) -> None:
    both = {"Bytes": photo, "S3Object": {"Bucket": tenant.storage_bucket, "Name": "a.jpg"}}

    with pytest.raises(DomainError) as raised:
        Gateway(tenant).call("DetectFaces", Image=both)

    assert raised.value.code == "invalid_parameter"
