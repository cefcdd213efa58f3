"""Test mode's engine: always the local Rekognition-compatible endpoint, never AWS; and scripted outcomes.

A test-mode tenant (``Tenant.livemode`` false) calls the endpoint named by
``VERITY_TEST_MODE_REKOGNITION_URL``, or, when that is unset, the process's own Rekognition
endpoint if it is a local one (``AWS_ENDPOINT_URL_REKOGNITION``, as ``make run`` sets it). With
neither, a test-mode engine call is refused (503 ``test_mode_unavailable``) rather than sent to AWS.

A **script** answers a call without any engine, in Rekognition's own shapes, so that the
platform's code runs unchanged: the verification flows give one to a test-mode verification
whose subject's ``external_id`` is a documented magic value (docs/test-mode.md), and its outcome
is then the same on every run, whatever the images show.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from config.aws import aws_client
from config.errors import UpstreamUnavailable


class TestModeUnavailable(UpstreamUnavailable):
    code = "test_mode_unavailable"
    title = "Test mode has no engine here"


def test_engine_client(region: str) -> Any:
    """The boto3 client of the local endpoint test mode uses; refuses when none is configured."""
    url = settings.VERITY_TEST_MODE_REKOGNITION_URL or os.environ.get("AWS_ENDPOINT_URL_REKOGNITION", "")
    if not url:
        raise TestModeUnavailable(
            "Test mode needs the local Rekognition endpoint (VERITY_TEST_MODE_REKOGNITION_URL); "
            "it never calls AWS. Ask the operator to configure it."
        )
    key, _, secret = settings.VERITY_TEST_MODE_REKOGNITION_CREDENTIALS.partition(":")
    return aws_client("rekognition", region, endpoint_url=url, credentials=(key, secret) if key else None)


# Magic subject external ids and the outcome each scripts (docs/test-mode.md).
MAGIC_OUTCOMES = {
    "test_approved": "approved",
    "test_quality_no_face": "quality.no_face",
    "test_quality_pose": "quality.pose",
    "test_compare_mismatch": "compare.mismatch",
    "test_duplicate": "duplicate.found",
    "test_liveness_failed": "liveness.failed",
    "test_auth_no_match": "auth.no_match",
}
# Magic moderation external_refs: the labels each scripts (Violence at 70 reviews and at 95
# rejects under the default policy; the tenant's policy decides, as it does for real labels).
MAGIC_MODERATION_CONFIDENCE: dict[str, float | None] = {
    "test_moderation_approve": None,
    "test_moderation_review": 70.0,
    "test_moderation_reject": 95.0,
}
# The subject a scripted duplicate names (no such subject exists).
SCRIPTED_DUPLICATE_SUBJECT = "sub_testduplicate0000000000"


@dataclass(frozen=True)
class Script:
    """Scripted answers: ``outcome`` is a value of MAGIC_OUTCOMES, or a key of MAGIC_MODERATION_CONFIDENCE."""

    outcome: str
    subject_id: str | None = None
    face_id: str | None = None  # the subject's active face, for searches that must find it

    def answer(self, operation: str, request: dict[str, Any]) -> dict[str, Any] | None:
        """Rekognition's answer to ``operation``, or None: this operation goes to the engine."""
        handler = getattr(self, f"_{operation}", None)
        if operation == "GetFaceLivenessSessionResults" and self.outcome != "liveness.failed":
            return None  # a real session of the local endpoint decides
        return None if handler is None else {**handler(request), "ResponseMetadata": {"RequestId": "scripted"}}

    def _DetectModerationLabels(self, request: dict[str, Any]) -> dict[str, Any]:
        confidence = MAGIC_MODERATION_CONFIDENCE.get(self.outcome)
        labels = []
        if confidence is not None:
            labels = [
                {"Name": "Violence", "ParentName": "", "TaxonomyLevel": 1, "Confidence": confidence},
                {"Name": "Graphic Violence", "ParentName": "Violence", "TaxonomyLevel": 2, "Confidence": confidence},
            ]
        return {"ModerationLabels": labels, "ModerationModelVersion": "7.0"}

    def _DetectFaces(self, request: dict[str, Any]) -> dict[str, Any]:
        if self.outcome == "quality.no_face":
            return {"FaceDetails": []}
        yaw = 70.0 if self.outcome == "quality.pose" else 2.0
        face = {
            "BoundingBox": {"Width": 0.6, "Height": 0.7, "Left": 0.2, "Top": 0.15},
            "Confidence": 99.9,
            "Pose": {"Yaw": yaw, "Pitch": 1.0, "Roll": 0.0},
            "Quality": {"Sharpness": 80.0, "Brightness": 70.0},
            "EyesOpen": {"Value": True, "Confidence": 99.0},
            "Sunglasses": {"Value": False, "Confidence": 99.0},
        }
        return {"FaceDetails": [face]}

    def _CompareFaces(self, request: dict[str, Any]) -> dict[str, Any]:
        similarity = 12.0 if self.outcome == "compare.mismatch" else 99.5
        match = {"Similarity": similarity, "Face": {"BoundingBox": {}, "Confidence": 99.9}}
        return {"SourceImageFace": {"Confidence": 99.9}, "FaceMatches": [match], "UnmatchedFaces": []}

    def _SearchFacesByImage(self, request: dict[str, Any]) -> dict[str, Any]:
        matches = []
        if self.outcome == "duplicate.found":
            matches = [self._match("0" * 8 + "-dup0-0000-0000-" + "0" * 12, SCRIPTED_DUPLICATE_SUBJECT, 99.2)]
        elif self.outcome != "auth.no_match" and self.face_id:
            matches = [self._match(self.face_id, self.subject_id or "", 99.4)]
        return {"SearchedFaceConfidence": 99.9, "FaceMatches": matches, "FaceModelVersion": "6.0"}

    def _IndexFaces(self, request: dict[str, Any]) -> dict[str, Any]:
        face = {"FaceId": str(uuid.uuid4()), "ExternalImageId": request.get("ExternalImageId"), "Confidence": 99.9}
        return {"FaceRecords": [{"Face": face}], "UnindexedFaces": [], "FaceModelVersion": "6.0"}

    def _DeleteFaces(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"DeletedFaces": list(request.get("FaceIds", []))}

    def _ListFaces(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"Faces": [], "FaceModelVersion": "6.0"}

    def _GetFaceLivenessSessionResults(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"SessionId": request.get("SessionId"), "Status": "SUCCEEDED", "Confidence": 8.0}

    @staticmethod
    def _match(face_id: str, subject_id: str, similarity: float) -> dict[str, Any]:
        return {
            "Similarity": similarity,
            "Face": {"FaceId": face_id, "ExternalImageId": subject_id, "Confidence": 99.9},
        }
