"""The taxonomy mapping checked against known classifier scores, not against the code's own output."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from vision.local import moderation


@dataclass
class _Scores:
    nsfw: float


class FixedClassifier:
    """Answers a known probability and keeps the image it was given."""

    def __init__(self, nsfw: float) -> None:
        self.nsfw = nsfw
        self.seen: list[Any] = []

    def classify(self, image: Any) -> _Scores:
        self.seen.append(image)
        return _Scores(nsfw=self.nsfw)


@pytest.fixture
def classifier(monkeypatch: pytest.MonkeyPatch) -> FixedClassifier:
    fixed = FixedClassifier(nsfw=0.625)
    monkeypatch.setattr(moderation, "_classifier", lambda: fixed)
    return fixed


BLUE_BGR = np.zeros((4, 4, 3), dtype=np.uint8)
BLUE_BGR[..., 0] = 255


def test_a_score_of_0_625_gives_both_explicit_labels_at_62_5(classifier: FixedClassifier) -> None:
    assert moderation.detect_moderation_labels(BLUE_BGR) == [
        {"Confidence": 62.5, "Name": "Explicit", "ParentName": "", "TaxonomyLevel": 1},
        {"Confidence": 62.5, "Name": "Explicit Nudity", "ParentName": "Explicit", "TaxonomyLevel": 2},
    ]


def test_min_confidence_keeps_a_label_at_exactly_its_value_and_drops_it_just_above(
    classifier: FixedClassifier,
) -> None:
    assert len(moderation.detect_moderation_labels(BLUE_BGR, min_confidence=62.5)) == 2
    assert moderation.detect_moderation_labels(BLUE_BGR, min_confidence=62.6) == []


def test_the_default_min_confidence_is_rekognition_s_50(classifier: FixedClassifier) -> None:
    classifier.nsfw = 0.49
    assert moderation.detect_moderation_labels(BLUE_BGR) == []
    classifier.nsfw = 0.5
    assert [label["Confidence"] for label in moderation.detect_moderation_labels(BLUE_BGR)] == [50.0, 50.0]


def test_the_classifier_is_given_the_image_in_rgb_order(classifier: FixedClassifier) -> None:
    moderation.nsfw_probability(BLUE_BGR)
    [image] = classifier.seen
    assert image.mode == "RGB"
    assert image.getpixel((0, 0)) == (0, 0, 255)
