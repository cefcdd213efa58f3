"""YuNet/SFace behaviour on the licensed fixture photos (see tests/fixtures/faces/CREDITS.md)."""

from pathlib import Path

import cv2
import numpy as np
import pytest

from vision.local import faces
from vision.local.imaging import decode_image

PHOTOS = Path(__file__).resolve().parents[2] / "fixtures" / "faces"
NAMES = ("person_a_1", "person_a_2", "person_b_1", "person_b_2", "impostor_1", "impostor_2")
SAME_PERSON = [("person_a_1", "person_a_2"), ("person_b_1", "person_b_2")]
DIFFERENT_PEOPLE = [(a, b) for i, a in enumerate(NAMES) for b in NAMES[i + 1 :] if (a, b) not in SAME_PERSON]
QUALITY_GATE = 15  # the registration gate's Sharpness and Brightness minimum


@pytest.fixture(scope="module")
def photos() -> dict[str, np.ndarray]:
    return {name: decode_image((PHOTOS / f"{name}.jpg").read_bytes()) for name in NAMES}


@pytest.fixture(scope="module")
def detected(photos: dict[str, np.ndarray]) -> dict[str, list[faces.Face]]:
    return {name: faces.detect_faces(image) for name, image in photos.items()}


@pytest.fixture(scope="module")
def embeddings(photos: dict[str, np.ndarray], detected: dict[str, list[faces.Face]]) -> dict[str, np.ndarray]:
    return {name: faces.embed(photos[name], detected[name][0]) for name in NAMES}


def landmark(detail: faces.FaceDetail, kind: str) -> tuple[float, float]:
    point = next(item for item in detail["Landmarks"] if item["Type"] == kind)
    return point["X"], point["Y"]


@pytest.mark.parametrize("name", NAMES)
def test_portrait_has_one_confident_face_with_frontal_pose(name: str, detected: dict[str, list[faces.Face]]) -> None:
    [face] = detected[name]
    detail = face.detail
    box = detail["BoundingBox"]
    assert detail["Confidence"] > 90
    assert 0 <= box["Left"] < box["Left"] + box["Width"] <= 1
    assert 0 <= box["Top"] < box["Top"] + box["Height"] <= 1
    assert abs(detail["Pose"]["Roll"]) < 10
    assert abs(detail["Pose"]["Yaw"]) < 20
    assert abs(detail["Pose"]["Pitch"]) < 15
    assert detail["Quality"]["Sharpness"] > 50
    assert 30 < detail["Quality"]["Brightness"] < 70


@pytest.mark.parametrize("name", NAMES)
def test_landmarks_sit_inside_the_box_in_anatomical_order(name: str, detected: dict[str, list[faces.Face]]) -> None:
    detail = detected[name][0].detail
    box = detail["BoundingBox"]
    for point in detail["Landmarks"]:
        assert box["Left"] <= point["X"] <= box["Left"] + box["Width"]
        assert box["Top"] <= point["Y"] <= box["Top"] + box["Height"]
    eye_left, eye_right = landmark(detail, "eyeLeft"), landmark(detail, "eyeRight")
    mouth_left, mouth_right = landmark(detail, "mouthLeft"), landmark(detail, "mouthRight")
    nose = landmark(detail, "nose")
    # Like Rekognition's, eyeLeft/mouthLeft are on the image's left for an upright face.
    assert eye_left[0] < nose[0] < eye_right[0]
    assert mouth_left[0] < mouth_right[0]
    assert max(eye_left[1], eye_right[1]) < nose[1] < min(mouth_left[1], mouth_right[1])


def test_embedding_is_unit_length_128_float32(embeddings: dict[str, np.ndarray]) -> None:
    vector = embeddings["person_a_1"]
    assert vector.shape == (128,)
    assert vector.dtype == np.float32
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize(("a", "b"), SAME_PERSON)
def test_same_person_years_apart_matches_above_default_threshold(
    a: str, b: str, embeddings: dict[str, np.ndarray]
) -> None:
    assert faces.similarity(embeddings[a], embeddings[b]) > 80


@pytest.mark.parametrize(("a", "b"), DIFFERENT_PEOPLE)
def test_different_people_stay_below_default_threshold(a: str, b: str, embeddings: dict[str, np.ndarray]) -> None:
    assert faces.similarity(embeddings[a], embeddings[b]) < 80


def test_similarity_calibration_anchors() -> None:
    assert faces.similarity_from_cosine(faces.SFACE_THRESHOLD) == pytest.approx(80)
    assert faces.similarity_from_cosine(faces.VERIFICATION_COSINE) == pytest.approx(99)
    cosines = np.linspace(-1, 1, 41)
    scores = [faces.similarity_from_cosine(value) for value in cosines]
    assert scores == sorted(scores)
    assert 0 <= scores[0] < 0.1
    assert 99.99 < scores[-1] <= 100


@pytest.mark.parametrize("name", ["person_b_1", "impostor_2"])
def test_blur_drops_sharpness_below_the_gate(name: str, photos: dict[str, np.ndarray]) -> None:
    [face] = faces.detect_faces(cv2.GaussianBlur(photos[name], (31, 31), 0))
    assert face.detail["Quality"]["Sharpness"] < QUALITY_GATE


@pytest.mark.parametrize("name", ["person_b_1", "impostor_1"])
def test_darkening_drops_brightness_below_the_gate(
    name: str, photos: dict[str, np.ndarray], detected: dict[str, list[faces.Face]]
) -> None:
    dark = (photos[name] * 0.2).astype(np.uint8)
    [face] = faces.detect_faces(dark)
    brightness = face.detail["Quality"]["Brightness"]
    assert brightness < QUALITY_GATE
    assert brightness < detected[name][0].detail["Quality"]["Brightness"] / 3


def test_sideways_and_upside_down_faces_are_aligned_and_still_match(
    photos: dict[str, np.ndarray], embeddings: dict[str, np.ndarray]
) -> None:
    upright = embeddings["person_b_1"]
    for turn, roll in [(cv2.ROTATE_90_CLOCKWISE, 90), (cv2.ROTATE_180, 180)]:
        image = cv2.rotate(photos["person_b_1"], turn)
        [face] = faces.detect_faces(image)
        assert abs(face.detail["Pose"]["Roll"]) == pytest.approx(roll, abs=15)
        assert faces.similarity(faces.embed(image, face), upright) > 99


def test_mirrored_photo_mirrors_yaw_and_roll(
    photos: dict[str, np.ndarray], detected: dict[str, list[faces.Face]]
) -> None:
    pose = detected["person_a_2"][0].detail["Pose"]
    [mirrored] = faces.detect_faces(cv2.flip(photos["person_a_2"], 1))
    mirrored_pose = mirrored.detail["Pose"]
    # In this photo the face is visibly turned so the nose points to the image's left.
    assert pose["Yaw"] < -5 < 5 < mirrored_pose["Yaw"]
    assert pose["Yaw"] + mirrored_pose["Yaw"] == pytest.approx(0, abs=5)
    assert pose["Roll"] + mirrored_pose["Roll"] == pytest.approx(0, abs=5)
    assert pose["Pitch"] == pytest.approx(mirrored_pose["Pitch"], abs=5)


def test_two_people_side_by_side_give_two_faces_largest_first(
    photos: dict[str, np.ndarray], embeddings: dict[str, np.ndarray]
) -> None:
    left = photos["person_b_1"]
    right = photos["impostor_1"]
    right = cv2.resize(right, (right.shape[1] * left.shape[0] // right.shape[0], left.shape[0]))
    both = np.hstack([left, right])
    found = faces.detect_faces(both)
    assert len(found) == 2
    areas = [face.box[2] * face.box[3] for face in found]
    assert areas == sorted(areas, reverse=True)
    by_position = sorted(found, key=lambda face: face.detail["BoundingBox"]["Left"])
    split = left.shape[1] / both.shape[1]
    assert by_position[0].detail["BoundingBox"]["Left"] < split
    assert by_position[1].detail["BoundingBox"]["Left"] > split
    left_vector = faces.embed(both, by_position[0])
    right_vector = faces.embed(both, by_position[1])
    assert faces.similarity(left_vector, embeddings["person_b_1"]) > 99
    assert faces.similarity(right_vector, embeddings["impostor_1"]) > 99


def test_blank_image_has_no_face() -> None:
    assert faces.detect_faces(np.full((480, 640, 3), 128, np.uint8)) == []
