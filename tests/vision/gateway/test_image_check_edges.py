"""Image checks at their edges: each limit is inclusive, each refusal says exactly what was wrong, and
the checked image reports the format and size that will be sent (upright when it was rotated)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from PIL import Image, ImageCms

from config.aws import aws_client, reset_clients
from config.errors import DomainError
from tenants.models import Tenant
from vision import validation
from vision.validation import check_image_bytes, check_s3_object


def _refusal(data: bytes) -> str:
    with pytest.raises(DomainError) as refused:
        check_image_bytes(data)
    return refused.value.detail


def test_an_image_exactly_at_each_limit_is_accepted(
    make_image: Callable[..., bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = make_image(80, 100)
    monkeypatch.setattr(validation, "MAX_IMAGE_BYTES", len(data))
    monkeypatch.setattr(validation, "MAX_PIXELS", 80 * 100)
    assert validation.MIN_IMAGE_SIDE == 80
    assert check_image_bytes(data).data is data


def test_each_refusal_says_exactly_what_was_wrong(
    make_image: Callable[..., bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _refusal(b"GIF89a" + bytes(200)) == "The image is not a JPEG or PNG file."
    assert _refusal(b"\xff\xd8\xff" + bytes(200)).startswith("The JPEG image cannot be read: ")
    assert _refusal(make_image(fmt="PNG")[:-200]).startswith("The PNG image data is damaged: ")

    data = make_image(80, 100)
    monkeypatch.setattr(validation, "MAX_PIXELS", 80 * 100 - 1)
    assert _refusal(data) == f"The image is 80x100 pixels; at most {80 * 100 - 1} pixels are accepted."
    monkeypatch.setattr(validation, "MAX_IMAGE_BYTES", len(data) - 1)
    assert _refusal(data) == f"The image is {len(data)} bytes; at most {len(data) - 1} bytes are accepted."


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_an_upright_image_reports_its_format_and_size(fmt: str, make_image: Callable[..., bytes]) -> None:
    checked = check_image_bytes(make_image(200, 100, fmt=fmt))
    assert (checked.format, checked.width, checked.height, checked.reoriented) == (fmt, 200, 100, False)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_rotated_image_reports_its_upright_format_and_size(fmt: str, make_image: Callable[..., bytes]) -> None:
    checked = check_image_bytes(make_image(200, 100, fmt=fmt, orientation=6))
    assert (checked.format, checked.width, checked.height, checked.reoriented) == (fmt, 100, 200, True)


def test_a_rotated_jpeg_keeps_its_colour_profile() -> None:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    Image.new("RGB", (200, 100), (10, 200, 30)).save(buffer, "JPEG", exif=exif.tobytes(), icc_profile=profile)

    checked = check_image_bytes(buffer.getvalue())

    assert checked.reoriented
    assert Image.open(io.BytesIO(checked.data)).info.get("icc_profile") == profile


def test_an_image_too_large_once_turned_upright_is_refused_at_the_limit_not_before(
    make_image: Callable[..., bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = make_image(400, 300, orientation=6)
    upright_size = len(check_image_bytes(data).data)
    assert len(data) < upright_size  # re-encoding at a higher quality makes it larger

    monkeypatch.setattr(validation, "MAX_IMAGE_BYTES", upright_size)
    assert len(check_image_bytes(data).data) == upright_size
    monkeypatch.setattr(validation, "MAX_IMAGE_BYTES", upright_size - 1)
    assert _refusal(data) == (
        f"The image, turned upright, is {upright_size} bytes; at most {upright_size - 1} are accepted."
    )


@pytest.fixture
def versioned_bucket(aws: None, tenant: Tenant) -> Any:
    reset_clients()
    s3 = aws_client("s3", tenant.region)
    s3.create_bucket(Bucket=tenant.storage_bucket)
    s3.put_bucket_versioning(Bucket=tenant.storage_bucket, VersioningConfiguration={"Status": "Enabled"})
    return s3


def _s3_refusal_code(s3_object: dict[str, Any], tenant: Tenant, max_bytes: int | None) -> str:
    with pytest.raises(DomainError) as refused:
        check_s3_object(s3_object, tenant=tenant, max_bytes=max_bytes)
    return refused.value.code


def test_an_s3_object_needs_a_string_bucket_and_a_non_empty_name(tenant: Tenant) -> None:
    assert _s3_refusal_code({"Bucket": tenant.storage_bucket, "Name": ""}, tenant, None) == "invalid_parameter"
    assert _s3_refusal_code({"Bucket": 5, "Name": "a.jpg"}, tenant, None) == "invalid_parameter"


def test_the_size_checked_is_that_of_the_version_named_and_the_limit_is_inclusive(
    tenant: Tenant, versioned_bucket: Any
) -> None:
    old = versioned_bucket.put_object(Bucket=tenant.storage_bucket, Key="a.jpg", Body=b"x" * 2000)
    versioned_bucket.put_object(Bucket=tenant.storage_bucket, Key="a.jpg", Body=b"x" * 1000)
    latest = {"Bucket": tenant.storage_bucket, "Name": "a.jpg"}

    check_s3_object(latest, tenant=tenant, max_bytes=1000)
    assert _s3_refusal_code({**latest, "Version": old["VersionId"]}, tenant, 1000) == "image_too_large"


def _s3_refusal(s3_object: dict[str, Any], tenant: Tenant, max_bytes: int | None) -> tuple[str, str]:
    with pytest.raises(DomainError) as refused:
        check_s3_object(s3_object, tenant=tenant, max_bytes=max_bytes)
    return refused.value.code, refused.value.detail


def test_each_s3_refusal_says_what_was_wrong(tenant: Tenant, versioned_bucket: Any) -> None:
    bucket = tenant.storage_bucket
    versioned_bucket.put_object(Bucket=bucket, Key="big.jpg", Body=b"x" * 11)

    assert _s3_refusal({"Bucket": bucket}, tenant, None) == (
        "invalid_parameter",
        "An S3Object needs a Bucket and a Name.",
    )
    assert _s3_refusal({"Bucket": "someone-elses", "Name": "a.jpg"}, tenant, None) == (
        "invalid_s3_object",
        "Images and videos must be stored in the tenant's own bucket.",
    )
    assert _s3_refusal({"Bucket": bucket, "Name": "absent.jpg"}, tenant, 10) == (
        "invalid_s3_object",
        f"s3://{bucket}/absent.jpg does not exist or cannot be read.",
    )
    assert _s3_refusal({"Bucket": bucket, "Name": "big.jpg"}, tenant, 10) == (
        "image_too_large",
        f"s3://{bucket}/big.jpg is 11 bytes; at most 10 bytes are accepted.",
    )


@pytest.mark.parametrize(
    "error",
    [
        ClientError({"Error": {"Code": "InternalError", "Message": "boom"}}, "HeadObject"),
        EndpointConnectionError(endpoint_url="http://s3.invalid"),
    ],
)
def test_object_storage_out_of_reach_is_unavailable_not_a_missing_object(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    class Unreachable:
        def head_object(self, **params: Any) -> Any:
            raise error

    monkeypatch.setattr(validation, "aws_client", lambda service, region=None: Unreachable())

    assert _s3_refusal({"Bucket": tenant.storage_bucket, "Name": "a.jpg"}, tenant, 10) == (
        "upstream_unavailable",
        "Object storage could not be reached.",
    )


@pytest.mark.parametrize(
    ("image", "detail"),
    [
        ({}, "An image is given either as Bytes or as an S3Object, exactly one of them."),
        ({"Bytes": b"x", "S3Object": {}}, "An image is given either as Bytes or as an S3Object, exactly one of them."),
        ({"Bytes": "not bytes"}, "Image Bytes must be binary data."),
    ],
)
def test_each_malformed_image_parameter_says_what_was_wrong(tenant: Tenant, image: dict[str, Any], detail: str) -> None:
    with pytest.raises(DomainError) as refused:
        validation.prepare_request({"Image": image}, tenant=tenant)

    assert (refused.value.code, refused.value.detail) == ("invalid_parameter", detail)


def test_a_decompression_bomb_is_refused_as_too_many_pixels(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    data = io.BytesIO()
    Image.new("RGB", (200, 200)).save(data, "PNG")

    with pytest.raises(DomainError) as refused:
        check_image_bytes(data.getvalue())

    assert refused.value.code == "image_too_large"
    assert refused.value.detail.startswith("The image claims too many pixels: Image size (40000 pixels) exceeds limit")


def test_the_same_bytes_are_decoded_once_and_checked_again_under_other_limits(
    make_image: Callable[..., bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[int] = []
    real_open = Image.open

    def counting_open(*args: Any, **kwargs: Any) -> Any:
        opened.append(1)
        return real_open(*args, **kwargs)

    monkeypatch.setattr(validation.Image, "open", counting_open)
    data = make_image(211, 163)

    first = check_image_bytes(data)
    again = check_image_bytes(bytes(bytearray(data)))  # equal bytes, another object

    assert (again.format, again.width, again.height, again.data) == ("JPEG", 211, 163, data)
    assert first == again
    assert len(opened) == 1
    monkeypatch.setattr(validation, "MIN_IMAGE_SIDE", 200)
    assert _refusal(data) == "The image is 211x163 pixels; each side must be at least 200."
    assert len(opened) == 2


def test_a_refusal_is_not_kept(make_image: Callable[..., bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    data = make_image(90, 90)
    monkeypatch.setattr(validation, "MIN_IMAGE_SIDE", 100)
    assert "each side must be at least 100" in _refusal(data)
    opened: list[int] = []
    real_open = Image.open
    monkeypatch.setattr(validation.Image, "open", lambda *a, **k: opened.append(1) or real_open(*a, **k))
    assert "each side must be at least 100" in _refusal(data)
    assert len(opened) == 1
