"""The Rekognition operations the local endpoint implements, by X-Amz-Target operation name.

Each handler takes a validated ``Call`` and returns the response members; anything it cannot
answer honestly it refuses with an error. Operations missing here answer
UnsupportedOperationException (see ``vision.local.server``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vision.local.operations import collection_lifecycle, face_collection, image_analysis, liveness, video_moderation
from vision.local.protocol import Call

Handler = Callable[[Call], dict[str, Any]]

OPERATIONS: dict[str, Handler] = {
    "CreateCollection": collection_lifecycle.create_collection,
    "DescribeCollection": collection_lifecycle.describe_collection,
    "ListCollections": collection_lifecycle.list_collections,
    "DeleteCollection": collection_lifecycle.delete_collection,
    "IndexFaces": face_collection.index_faces,
    "ListFaces": face_collection.list_faces,
    "DeleteFaces": face_collection.delete_faces,
    "SearchFaces": face_collection.search_faces,
    "SearchFacesByImage": face_collection.search_faces_by_image,
    "CompareFaces": image_analysis.compare_faces,
    "DetectFaces": image_analysis.detect_faces,
    "DetectText": image_analysis.detect_text,
    "DetectModerationLabels": image_analysis.detect_moderation_labels,
    "CreateFaceLivenessSession": liveness.create_face_liveness_session,
    "GetFaceLivenessSessionResults": liveness.get_face_liveness_session_results,
    "StartContentModeration": video_moderation.start_content_moderation,
    "GetContentModeration": video_moderation.get_content_moderation,
}

# Local-only operations (X-Amz-Target: VerityLocal.<name>), not part of Rekognition's API.
LOCAL_OPERATIONS: dict[str, Handler] = {
    "CompleteFaceLivenessSession": liveness.complete_face_liveness_session,
}
