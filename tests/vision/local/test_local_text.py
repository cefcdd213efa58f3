"""DetectText on printed text generated with Pillow's bundled font."""

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from vision.local import text

LINES = ["REPUBLIQUE FRANCAISE", "Passport No 12AB34567", "P<FRAMARTIN<<PAUL<<<<<<<<"]
TOPS = [30, 100, 170]


@pytest.fixture(scope="module")
def printed() -> np.ndarray:
    image = Image.new("RGB", (900, 260), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=40)
    for line, top in zip(LINES, TOPS, strict=True):
        draw.text((30, top), line, fill="black", font=font)
    return cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2BGR)


@pytest.fixture(scope="module")
def detections(printed: np.ndarray) -> list[text.TextDetection]:
    return text.detect_text(printed)


def test_reads_each_printed_line(detections: list[text.TextDetection]) -> None:
    lines = [item for item in detections if item["Type"] == "LINE"]
    assert [item["DetectedText"] for item in lines] == LINES
    assert all(item["Confidence"] > 90 for item in lines)


def test_lines_come_first_then_words_pointing_at_their_line(
    detections: list[text.TextDetection],
) -> None:
    assert [item["Id"] for item in detections] == list(range(len(detections)))
    kinds = [item["Type"] for item in detections]
    assert kinds == sorted(kinds)  # every LINE before every WORD
    lines = {item["Id"]: item for item in detections if item["Type"] == "LINE"}
    words = [item for item in detections if item["Type"] == "WORD"]
    assert all("ParentId" not in line for line in lines.values())
    for line_id, line in lines.items():
        own_words = [word["DetectedText"] for word in words if word["ParentId"] == line_id]
        assert own_words == line["DetectedText"].split()


def test_geometry_is_in_image_ratios_where_the_text_was_drawn(
    detections: list[text.TextDetection], printed: np.ndarray
) -> None:
    height = printed.shape[0]
    lines = [item for item in detections if item["Type"] == "LINE"]
    for line, top in zip(lines, TOPS, strict=True):
        box = line["Geometry"]["BoundingBox"]
        assert box["Top"] == pytest.approx(top / height, abs=0.05)
        assert 0.02 < box["Left"] < 0.06
        polygon = line["Geometry"]["Polygon"]
        assert len(polygon) == 4
        for point in polygon:
            assert box["Left"] - 1e-9 <= point["X"] <= box["Left"] + box["Width"] + 1e-9
            assert box["Top"] - 1e-9 <= point["Y"] <= box["Top"] + box["Height"] + 1e-9
    for word in (item for item in detections if item["Type"] == "WORD"):
        parent = detections[word["ParentId"]]["Geometry"]["BoundingBox"]
        box = word["Geometry"]["BoundingBox"]
        assert parent["Left"] - 0.01 <= box["Left"]
        assert box["Left"] + box["Width"] <= parent["Left"] + parent["Width"] + 0.01


def test_upside_down_text_is_still_read(printed: np.ndarray) -> None:
    lines = [
        item["DetectedText"] for item in text.detect_text(cv2.rotate(printed, cv2.ROTATE_180)) if item["Type"] == "LINE"
    ]
    assert sorted(lines) == sorted(LINES)


def test_blank_image_has_no_text() -> None:
    assert text.detect_text(np.full((200, 300, 3), 255, np.uint8)) == []


def test_split_words_cuts_the_line_polygon_by_character_offsets() -> None:
    quad = np.array([[0, 0], [170, 0], [170, 10], [0, 10]])
    words = text._split_words("Passport No  12AB", 0.9, quad)
    assert [word for word, _, _ in words] == ["Passport", "No", "12AB"]
    assert all(score == 0.9 for _, score, _ in words)
    assert words[1][2][:, 0].tolist() == [90, 110, 110, 90]
    assert words[2][2][:, 0].tolist() == [130, 170, 170, 130]
