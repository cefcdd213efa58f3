"""Image decoding for the local endpoint: orientation, transparency, and what it refuses."""

from io import BytesIO

import numpy as np
import pytest
from PIL import Image

from vision.local.imaging import MAX_PIXELS, ImageDecodeError, decode_image, ratio_box

RED_BGR = [0, 0, 255]


def encode(image: Image.Image, image_format: str, **options: object) -> bytes:
    buffer = BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def left_half_red(width: int = 40, height: int = 20) -> Image.Image:
    image = Image.new("RGB", (width, height), "white")
    image.paste((255, 0, 0), (0, 0, width // 2, height))
    return image


def test_jpeg_decodes_to_bgr() -> None:
    decoded = decode_image(encode(left_half_red(), "JPEG", quality=95))
    assert decoded.shape == (20, 40, 3)
    assert decoded.dtype == np.uint8
    assert np.allclose(decoded[10, 5], RED_BGR, atol=10)
    assert np.allclose(decoded[10, 35], [255, 255, 255], atol=10)


def test_exif_orientation_is_applied() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    decoded = decode_image(encode(left_half_red(), "JPEG", quality=95, exif=exif))
    assert decoded.shape == (40, 20, 3)
    assert np.allclose(decoded[5, 10], RED_BGR, atol=10)  # the left half is now on top
    assert np.allclose(decoded[35, 10], [255, 255, 255], atol=10)


def test_transparent_png_areas_become_white() -> None:
    image = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    image.paste((0, 0, 255, 255), (0, 0, 5, 10))
    decoded = decode_image(encode(image, "PNG"))
    assert decoded[5, 2].tolist() == [255, 0, 0]
    assert decoded[5, 8].tolist() == [255, 255, 255]


def test_grayscale_png_decodes_to_three_channels() -> None:
    decoded = decode_image(encode(Image.new("L", (8, 6), 100), "PNG"))
    assert decoded.shape == (6, 8, 3)
    assert decoded[0, 0].tolist() == [100, 100, 100]


def test_decompression_bomb_is_refused_before_decoding() -> None:
    side = 8000  # 64 MP of one-bit pixels compresses to a few kilobytes
    assert side * side > MAX_PIXELS
    bomb = encode(Image.new("1", (side, side)), "PNG")
    assert len(bomb) < 100_000
    with pytest.raises(ImageDecodeError, match="more than"):
        decode_image(bomb)


def test_pixel_limit_is_configurable() -> None:
    with pytest.raises(ImageDecodeError):
        decode_image(encode(left_half_red(), "PNG"), max_pixels=799)
    assert decode_image(encode(left_half_red(), "PNG"), max_pixels=800).shape == (20, 40, 3)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not an image at all",
        encode(left_half_red(), "GIF"),
        encode(left_half_red(), "JPEG")[:200],
    ],
    ids=["empty", "text", "gif", "truncated-jpeg"],
)
def test_other_bytes_are_refused(data: bytes) -> None:
    with pytest.raises(ImageDecodeError):
        decode_image(data)


def test_ratio_box_divides_by_image_size() -> None:
    assert ratio_box(10, 20, 30, 40, 100, 200) == {
        "Width": 0.3,
        "Height": 0.2,
        "Left": 0.1,
        "Top": 0.1,
    }
