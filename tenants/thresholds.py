"""Threshold and rate-quota specifications: names, valid ranges and defaults, in one place.

Similarity thresholds use Rekognition's 0–100 scale. Quality gates (sharpness, brightness)
use the 0–100 scale of DetectFaces' Quality fields; pose limits are degrees, face size pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class ThresholdSpec:
    minimum: float
    maximum: float
    default: float
    description: str


THRESHOLDS: dict[str, ThresholdSpec] = {
    "CompareFaces": ThresholdSpec(80.0, 99.9, 95.0, "Selfie vs ID document similarity at registration."),
    "DuplicateSearch": ThresholdSpec(70.0, 99.9, 90.0, "Similarity above which a registration is a duplicate."),
    "Authentication": ThresholdSpec(80.0, 99.9, 95.0, "Similarity needed to log a subject in by face."),
    "Identification": ThresholdSpec(50.0, 99.9, 90.0, "Lowest similarity returned when identifying a face."),
    "QualitySharpness": ThresholdSpec(0.0, 100.0, 15.0, "Lowest accepted DetectFaces Quality.Sharpness."),
    "QualityBrightness": ThresholdSpec(0.0, 100.0, 15.0, "Lowest accepted DetectFaces Quality.Brightness."),
    "QualityMaxYaw": ThresholdSpec(0.0, 90.0, 45.0, "Largest accepted |Pose.Yaw|, in degrees."),
    "QualityMinPitch": ThresholdSpec(-90.0, 0.0, -30.0, "Lowest accepted Pose.Pitch, in degrees."),
    "QualityMaxPitch": ThresholdSpec(0.0, 90.0, 45.0, "Highest accepted Pose.Pitch, in degrees."),
    "QualityMinFaceSize": ThresholdSpec(20.0, 2000.0, 50.0, "Smallest accepted face width and height, in pixels."),
}
OPERATION_CHOICES = [(name, name) for name in THRESHOLDS]

# Transactions per second per Rekognition operation, like an AWS account's default quotas.
DEFAULT_RATE_QUOTAS: dict[str, int] = {
    "CompareFaces": 25,
    "DetectFaces": 25,
    "DetectText": 25,
    "DetectModerationLabels": 25,
    "IndexFaces": 25,
    "SearchFaces": 25,
    "SearchFacesByImage": 25,
    "DeleteFaces": 25,
    "ListFaces": 5,
    "CreateFaceLivenessSession": 25,
    "GetFaceLivenessSessionResults": 25,
    "StartContentModeration": 5,
    "GetContentModeration": 5,
}
MAX_RATE_QUOTA = 10_000


def validate_threshold(operation: str, value: Any) -> None:
    spec = THRESHOLDS.get(operation)
    if spec is None:
        raise ValidationError(f"Unknown threshold operation {operation!r}.", code="unknown_operation")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError("A threshold is a number.", code="invalid")
    if not spec.minimum <= float(value) <= spec.maximum:
        raise ValidationError(
            f"{operation} must be between {spec.minimum:g} and {spec.maximum:g}.", code="out_of_range"
        )


def validate_rate_quotas(value: Any) -> None:
    if not isinstance(value, dict):
        raise ValidationError("Rate quotas are an object of operation → transactions per second.", code="invalid")
    for operation, tps in value.items():
        if operation not in DEFAULT_RATE_QUOTAS:
            raise ValidationError(f"Unknown Rekognition operation {operation!r}.", code="unknown_operation")
        if isinstance(tps, bool) or not isinstance(tps, int) or not 1 <= tps <= MAX_RATE_QUOTA:
            raise ValidationError(
                f"The quota for {operation} must be a whole number from 1 to {MAX_RATE_QUOTA}.", code="out_of_range"
            )
