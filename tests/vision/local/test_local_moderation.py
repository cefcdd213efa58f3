"""open_nsfw mapped onto Rekognition's moderation taxonomy."""

from pathlib import Path

import numpy as np
import pytest

from vision.local import moderation
from vision.local.imaging import decode_image

PHOTOS = Path(__file__).resolve().parents[2] / "fixtures" / "faces"


@pytest.fixture(scope="module")
def portrait() -> np.ndarray:
    return decode_image((PHOTOS / "person_b_1.jpg").read_bytes())


def test_portrait_scores_as_safe(portrait: np.ndarray) -> None:
    assert moderation.nsfw_probability(portrait) < 0.2
    assert moderation.detect_moderation_labels(portrait) == []


@pytest.mark.parametrize("min_confidence", [-1, 100.5])
def test_min_confidence_outside_0_to_100_is_refused(portrait: np.ndarray, min_confidence: float) -> None:
    with pytest.raises(ValueError, match="min_confidence"):
        moderation.detect_moderation_labels(portrait, min_confidence=min_confidence)
