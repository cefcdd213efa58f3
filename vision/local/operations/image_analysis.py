"""The stateless image operations: DetectFaces, CompareFaces, DetectText, DetectModerationLabels."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from vision.local import faces, moderation, text
from vision.local.operations.common import (
    MODERATION_MODEL_VERSION,
    analyse_image,
    load_image,
    note_detail_attributes,
    note_moderation_coverage,
    quality_reasons,
)
from vision.local.protocol import Call, InvalidParameterError, UnsupportedOperationError

DEFAULT_SIMILARITY_THRESHOLD = 80.0
DEFAULT_WORD_MIN_CONFIDENCE = 80.0  # AWS's default for DetectTextFilters.WordFilter.MinConfidence
TEXT_MODEL_VERSION = "rapidocr-pp-ocrv6-small"


def detect_faces(call: Call) -> dict[str, Any]:
    note_detail_attributes(call, call.params.get("Attributes"))
    return {"FaceDetails": [face.detail for face in analyse_image(call.params["Image"], call).faces()]}


def compare_faces(call: Call) -> dict[str, Any]:
    """The largest source face against every target face, as AWS does."""
    params = call.params
    threshold = params.get("SimilarityThreshold", DEFAULT_SIMILARITY_THRESHOLD)
    quality_filter = params.get("QualityFilter", "NONE")
    source = analyse_image(params["SourceImage"], call)
    target = analyse_image(params["TargetImage"], call)

    source_faces = source.faces()
    if not source_faces:
        raise InvalidParameterError("There are no faces in the source image.")
    probe = source_faces[0]
    if quality_reasons(probe, quality_filter):
        raise InvalidParameterError("The largest face in the source image does not pass the quality filter.")
    target_faces = target.faces()
    if not target_faces:
        raise InvalidParameterError("There are no faces in the target image.")
    query = source.embedding(probe)

    matches: list[dict[str, Any]] = []
    unmatched: list[Any] = []
    for face in target_faces:
        if quality_reasons(face, quality_filter):
            continue  # filtered faces are neither matched nor unmatched
        similarity = faces.similarity(query, target.embedding(face))
        if similarity >= threshold:
            matches.append({"Similarity": similarity, "Face": face.detail})
        else:
            unmatched.append(face.detail)
    matches.sort(key=lambda match: -match["Similarity"])
    return {
        "SourceImageFace": {
            "BoundingBox": probe.detail["BoundingBox"],
            "Confidence": probe.detail["Confidence"],
        },
        "FaceMatches": matches,
        "UnmatchedFaces": unmatched,
    }


def detect_text(call: Call) -> dict[str, Any]:
    image = load_image(call.params["Image"], call.account.region)
    detections: list[Any] = text.detect_text(image)
    if "Filters" in call.params:
        detections = _filter_text(detections, call.params["Filters"])
    return {"TextDetections": detections, "TextModelVersion": TEXT_MODEL_VERSION}


def _filter_text(detections: list[Any], filters: dict[str, Any]) -> list[Any]:
    """DetectTextFilters on WORDs; a LINE stays while at least one of its words does.

    A word is in a region of interest when its bounding box's centre is (AWS documents "at
    least half of the word's area", which the centre approximates for boxes, not for slivers).
    """
    word_filter = filters.get("WordFilter")
    regions = filters.get("RegionsOfInterest") or []

    def keep(word: dict[str, Any]) -> bool:
        box = word["Geometry"]["BoundingBox"]
        if word_filter is not None and (
            word["Confidence"] < word_filter.get("MinConfidence", DEFAULT_WORD_MIN_CONFIDENCE)
            or box["Height"] < word_filter.get("MinBoundingBoxHeight", 0)
            or box["Width"] < word_filter.get("MinBoundingBoxWidth", 0)
        ):
            return False
        centre = (box["Left"] + box["Width"] / 2, box["Top"] + box["Height"] / 2)
        return not regions or any(_inside(region, centre) for region in regions)

    words = [item for item in detections if item["Type"] == "WORD" and keep(item)]
    kept_lines = {word["ParentId"] for word in words}
    return [item for item in detections if item["Type"] == "LINE" and item["Id"] in kept_lines] + words


def _inside(region: dict[str, Any], point: tuple[float, float]) -> bool:
    if "Polygon" in region:
        contour = np.array([[vertex["X"], vertex["Y"]] for vertex in region["Polygon"]], np.float32)
        return len(contour) >= 3 and cv2.pointPolygonTest(contour, point, measureDist=False) >= 0
    box = region.get("BoundingBox")
    if box is None:
        raise InvalidParameterError("A region of interest needs a BoundingBox or a Polygon.")
    x, y = point
    left, top = box.get("Left", 0.0), box.get("Top", 0.0)
    return bool(left <= x <= left + box.get("Width", 0.0) and top <= y <= top + box.get("Height", 0.0))


def detect_moderation_labels(call: Call) -> dict[str, Any]:
    params = call.params
    if "HumanLoopConfig" in params:
        raise UnsupportedOperationError("HumanLoopConfig (Amazon A2I human review) is not available locally.")
    if "ProjectVersion" in params:
        raise UnsupportedOperationError("Custom moderation adapters (ProjectVersion) are not available locally.")
    image = load_image(params["Image"], call.account.region)
    labels = moderation.detect_moderation_labels(
        image, min_confidence=params.get("MinConfidence", moderation.DEFAULT_MIN_CONFIDENCE)
    )
    note_moderation_coverage(call)
    return {"ModerationLabels": labels, "ModerationModelVersion": MODERATION_MODEL_VERSION}
