"""CompareFaces, DetectFaces, DetectText, DetectModerationLabels and image errors through boto3."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from tests.vision.endpoint.endpoint_helpers import ENDPOINT_TESTS, jpeg, photo

pytestmark = ENDPOINT_TESTS

SAME_PERSON = [("person_a_1", "person_a_2"), ("person_b_1", "person_b_2")]
DIFFERENT_PEOPLE = [("person_a_2", "person_b_2"), ("person_b_1", "impostor_1"), ("impostor_1", "impostor_2")]


@pytest.mark.parametrize(("source", "target"), SAME_PERSON)
def test_compare_faces_matches_the_same_person_years_apart(rekognition: Any, source: str, target: str) -> None:
    compared = rekognition.compare_faces(SourceImage={"Bytes": photo(source)}, TargetImage={"Bytes": photo(target)})
    [match] = compared["FaceMatches"]
    assert match["Similarity"] >= 80
    assert compared["UnmatchedFaces"] == []
    assert compared["SourceImageFace"]["Confidence"] > 90
    assert set(match["Face"]) >= {"BoundingBox", "Confidence", "Landmarks", "Pose", "Quality"}


@pytest.mark.parametrize(("source", "target"), DIFFERENT_PEOPLE)
def test_compare_faces_does_not_match_different_people(rekognition: Any, source: str, target: str) -> None:
    compared = rekognition.compare_faces(SourceImage={"Bytes": photo(source)}, TargetImage={"Bytes": photo(target)})
    assert compared["FaceMatches"] == []
    [unmatched] = compared["UnmatchedFaces"]
    assert unmatched["Confidence"] > 90


def test_compare_faces_threshold_decides_what_matches(rekognition: Any) -> None:
    images = {"SourceImage": {"Bytes": photo("person_a_2")}, "TargetImage": {"Bytes": photo("impostor_2")}}
    everything = rekognition.compare_faces(SimilarityThreshold=0, **images)
    [match] = everything["FaceMatches"]
    assert 0 < match["Similarity"] < 80
    with pytest.raises(rekognition.exceptions.InvalidParameterException):
        rekognition.compare_faces(
            SourceImage={"Bytes": jpeg(np.zeros((200, 200, 3), np.uint8))}, **{"TargetImage": images["TargetImage"]}
        )


def test_detect_faces_finds_one_face_with_sane_pose_and_quality(rekognition: Any) -> None:
    detected = rekognition.detect_faces(Image={"Bytes": photo("person_b_1")})
    [face] = detected["FaceDetails"]
    assert face["Confidence"] > 90
    assert all(abs(face["Pose"][angle]) < 20 for angle in ("Roll", "Yaw", "Pitch"))
    assert face["Quality"]["Sharpness"] > 50
    assert 20 < face["Quality"]["Brightness"] < 80
    assert len(face["Landmarks"]) == 5
    assert "X-Verity-Local-Notice".lower() not in detected["ResponseMetadata"]["HTTPHeaders"]


def test_detect_faces_says_which_requested_attributes_it_cannot_compute(rekognition: Any) -> None:
    detected = rekognition.detect_faces(Image={"Bytes": photo("person_b_1")}, Attributes=["ALL"])
    [face] = detected["FaceDetails"]
    assert "Emotions" not in face
    assert "AgeRange" not in face
    assert "not computed" in detected["ResponseMetadata"]["HTTPHeaders"]["x-verity-local-notice"]


def test_detect_text_reads_printed_text(rekognition: Any) -> None:
    canvas = Image.new("RGB", (900, 220), "white")
    font = ImageFont.load_default(size=56)
    draw = ImageDraw.Draw(canvas)
    draw.text((40, 30), "VERITY LOCAL", fill="black", font=font)
    draw.text((40, 120), "PASSPORT 2031", fill="black", font=font)
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")

    detected = rekognition.detect_text(Image={"Bytes": buffer.getvalue()})
    lines = [item for item in detected["TextDetections"] if item["Type"] == "LINE"]
    words = [item for item in detected["TextDetections"] if item["Type"] == "WORD"]
    assert [line["DetectedText"] for line in lines] == ["VERITY LOCAL", "PASSPORT 2031"]
    assert [word["DetectedText"] for word in words] == ["VERITY", "LOCAL", "PASSPORT", "2031"]
    assert {word["ParentId"] for word in words} == {line["Id"] for line in lines}
    assert detected["TextModelVersion"]

    lower_half = {"RegionsOfInterest": [{"BoundingBox": {"Left": 0, "Top": 0.5, "Width": 1, "Height": 0.5}}]}
    filtered = rekognition.detect_text(Image={"Bytes": buffer.getvalue()}, Filters=lower_half)
    assert [item["DetectedText"] for item in filtered["TextDetections"]] == ["PASSPORT 2031", "PASSPORT", "2031"]


def test_moderation_labels_for_a_portrait_are_low(rekognition: Any) -> None:
    moderated = rekognition.detect_moderation_labels(Image={"Bytes": photo("person_a_2")})
    assert moderated["ModerationLabels"] == []
    assert moderated["ModerationModelVersion"]
    everything = rekognition.detect_moderation_labels(Image={"Bytes": photo("person_a_2")}, MinConfidence=0)
    assert [label["Name"] for label in everything["ModerationLabels"]] == ["Explicit", "Explicit Nudity"]
    assert all(label["Confidence"] < 20 for label in everything["ModerationLabels"])
    assert everything["ModerationLabels"][1]["ParentName"] == "Explicit"


def gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (100, 100), "red").save(buffer, format="GIF")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data", [gif(), b"definitely not an image", b"\xff\xd8\xff\xe0 truncated jpeg"], ids=["gif", "garbage", "corrupt"]
)
def test_what_is_not_a_jpeg_or_png_is_an_invalid_image_format(rekognition: Any, data: bytes) -> None:
    with pytest.raises(rekognition.exceptions.InvalidImageFormatException):
        rekognition.detect_faces(Image={"Bytes": data})


def test_images_over_five_megabytes_are_too_large(rekognition: Any) -> None:
    oversized = photo("person_a_1") + b"\0" * (5 * 1024 * 1024)
    with pytest.raises(rekognition.exceptions.ImageTooLargeException):
        rekognition.detect_faces(Image={"Bytes": oversized})


def test_a_decompression_bomb_is_too_large(rekognition: Any) -> None:
    buffer = io.BytesIO()
    Image.new("1", (10_000, 6_000)).save(buffer, format="PNG")  # 60 MP in a few kilobytes
    with pytest.raises(rekognition.exceptions.ImageTooLargeException):
        rekognition.detect_faces(Image={"Bytes": buffer.getvalue()})


def test_an_image_needs_exactly_one_source(rekognition: Any) -> None:
    with pytest.raises(rekognition.exceptions.InvalidParameterException):
        rekognition.detect_faces(Image={})
