"""Decode JPEG/PNG bytes into the BGR arrays the models take, and express pixel geometry as
Rekognition does: ratios of the image's width and height."""

from io import BytesIO
from typing import TypedDict

import cv2
import numpy as np
from PIL import Image, ImageOps

# 50 MP covers full-resolution 50-MP phone photos; above it one decode costs > 150 MB of
# BGR pixels, which is the point of a decompression-bomb guard (a 5 MB file can claim
# gigapixels in its header).
MAX_PIXELS = 50_000_000


class ImageDecodeError(ValueError):
    """The bytes are not a decodable JPEG/PNG image within the size limit."""


class BoundingBox(TypedDict):
    Width: float
    Height: float
    Left: float
    Top: float


class Point(TypedDict):
    X: float
    Y: float


def decode_image(data: bytes, *, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Return an HxWx3 uint8 BGR array, upright per the EXIF orientation.

    The size is checked from the header before any pixel is decompressed. Transparent PNG
    areas are composited on white, so dark text on a transparent background stays readable.
    """
    # Pillow reports broken files as OSError, SyntaxError or ValueError depending on the plugin.
    broken = (OSError, SyntaxError, ValueError, Image.DecompressionBombError)
    try:
        img = Image.open(BytesIO(data), formats=("JPEG", "PNG"))
    except broken as exc:
        raise ImageDecodeError(f"not a JPEG/PNG image: {exc}") from exc
    with img:
        if img.width * img.height > max_pixels:
            raise ImageDecodeError(f"image is {img.width}x{img.height}, more than {max_pixels} pixels")
        try:
            img.load()
            upright = ImageOps.exif_transpose(img)
        except broken as exc:
            raise ImageDecodeError(f"corrupt image data: {exc}") from exc
    if upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info:
        white = Image.new("RGBA", upright.size, (255, 255, 255, 255))
        upright = Image.alpha_composite(white, upright.convert("RGBA"))
    rgb = np.asarray(upright.convert("RGB"))
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)


def ratio_box(x: float, y: float, w: float, h: float, width: int, height: int) -> BoundingBox:
    """A pixel box as Rekognition's BoundingBox; like Rekognition's, it may extend past the edges."""
    return {"Width": w / width, "Height": h / height, "Left": x / width, "Top": y / height}


def ratio_point(x: float, y: float, width: int, height: int) -> Point:
    return {"X": x / width, "Y": y / height}
