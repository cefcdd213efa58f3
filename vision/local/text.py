"""DetectText with RapidOCR, shaped like Rekognition's TextDetections.

The PP-OCRv6 detection/recognition models and the text-direction classifier ship inside the
``rapidocr`` 3.x wheel; they are passed to RapidOCR by explicit path, which skips its
download-on-first-use code entirely (verified with networking disabled).

Output follows Rekognition: every LINE first (Ids 0…n-1, reading order), then every WORD with
ParentId naming its line; Confidence 0-100; Geometry as ratios of the image size, Polygon
clockwise from top-left. Word boxes come from RapidOCR's character positions. If RapidOCR's word
list does not line up with its lines (it can drop lines without word boxes), words are instead cut
from the line's polygon in proportion to their character counts, so every line still has words.
RapidOCR drops text it scores below 0.5; DetectText's filters (WordFilter, RegionsOfInterest)
are the caller's to apply. Calls are serialised per process by a lock.
"""

import functools
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, NotRequired, TypedDict, cast

import numpy as np
import rapidocr
from rapidocr import RapidOCR
from rapidocr.utils.output import RapidOCROutput

from vision.local.imaging import BoundingBox, Point, ratio_box, ratio_point

_MODELS = Path(rapidocr.__file__).resolve().parent / "models"

# (text, score, 4x2 polygon) for one word; RapidOCR annotates word_results one level too shallow.
Word = tuple[str, float, Any]


class Geometry(TypedDict):
    BoundingBox: BoundingBox
    Polygon: list[Point]


class TextDetection(TypedDict):
    DetectedText: str
    Type: Literal["LINE", "WORD"]
    Id: int
    ParentId: NotRequired[int]
    Confidence: float
    Geometry: Geometry


_ocr_lock = threading.Lock()


@functools.cache
def _build_ocr() -> RapidOCR:
    return RapidOCR(
        params={
            "Global.log_level": "error",  # "warning" logs every image without text
            "Global.return_word_box": True,
            "Det.model_path": str(_MODELS / "PP-OCRv6_det_small.onnx"),
            "Cls.model_path": str(_MODELS / "ch_ppocr_mobile_v2.0_cls_mobile.onnx"),
            "Rec.model_path": str(_MODELS / "PP-OCRv6_rec_small.onnx"),
        }
    )


def load_models() -> None:
    """Build the OCR engine now (e.g. at worker start) instead of on the first request."""
    with _ocr_lock:
        _build_ocr()


def detect_text(image: np.ndarray) -> list[TextDetection]:
    """LINE and WORD detections for a BGR image."""
    with _ocr_lock:
        result = _build_ocr()(image)
    if not isinstance(result, RapidOCROutput) or not result.txts or result.scores is None:
        return []
    height, width = image.shape[:2]
    lines = list(zip(result.txts, result.scores, np.asarray(result.boxes), strict=True))
    word_groups = cast(Sequence[Sequence[Word]], result.word_results)
    aligned = len(word_groups) == len(lines) and all(box is not None for words in word_groups for _, _, box in words)
    if not aligned:
        word_groups = tuple(_split_words(text, score, quad) for text, score, quad in lines)

    detections = [
        _detection(text, "LINE", line_id, None, score, quad, width, height)
        for line_id, (text, score, quad) in enumerate(lines)
    ]
    for line_id, words in enumerate(word_groups):
        for text, score, quad in words:
            detections.append(_detection(text, "WORD", len(detections), line_id, score, quad, width, height))
    return detections


def _split_words(text: str, score: float, quad: np.ndarray) -> list[Word]:
    """Words cut from a line's quadrilateral in proportion to their character offsets."""
    top_left, top_right, bottom_right, bottom_left = np.asarray(quad, np.float64)
    words: list[Word] = []
    start = 0
    for word in text.split():
        start = text.index(word, start)
        a, b = start / len(text), (start + len(word)) / len(text)
        words.append(
            (
                word,
                score,
                np.array(
                    [
                        top_left + a * (top_right - top_left),
                        top_left + b * (top_right - top_left),
                        bottom_left + b * (bottom_right - bottom_left),
                        bottom_left + a * (bottom_right - bottom_left),
                    ]
                ),
            )
        )
        start += len(word)
    return words


def _detection(
    text: str,
    kind: Literal["LINE", "WORD"],
    detection_id: int,
    parent_id: int | None,
    score: float,
    quad: np.ndarray,
    width: int,
    height: int,
) -> TextDetection:
    points = np.asarray(quad, np.float64).reshape(4, 2)
    left, top = points.min(axis=0).tolist()
    right, bottom = points.max(axis=0).tolist()
    detection: TextDetection = {
        "DetectedText": text,
        "Type": kind,
        "Id": detection_id,
        "Confidence": float(score) * 100,
        "Geometry": {
            "BoundingBox": ratio_box(left, top, right - left, bottom - top, width, height),
            "Polygon": [ratio_point(x, y, width, height) for x, y in points.tolist()],
        },
    }
    if parent_id is not None:
        detection["ParentId"] = parent_id
    return detection
