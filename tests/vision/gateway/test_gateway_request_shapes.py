"""Every operation Verity sends, in the shape Verity sends it, checked against Rekognition's service model.

botocore's Stubber validates both the parameters (against the real input shape, and equal to
``expected_params``) and the canned answer (against the real output shape).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore import xform_name
from botocore.stub import Stubber

from tenants.models import Tenant
from vision.calls import CallRecord
from vision.gateway import Gateway

FACE_ID = "11111111-2222-3333-4444-555555555555"
ARN = "aws:rekognition:us-east-1:123456789012:collection/verity-demo-s00"
BOX = {"Width": 0.4, "Height": 0.5, "Left": 0.3, "Top": 0.2}


def _cases(tenant: Tenant, photo: bytes) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(operation, parameters, answer) for each operation the platform uses."""
    collection = "verity-demo-s00"
    image = {"Bytes": photo}
    # fmt: off
    return [
        ("CreateCollection", {"CollectionId": collection, "Tags": {"verity:tenant": tenant.slug}},
         {"StatusCode": 200, "CollectionArn": ARN, "FaceModelVersion": "7.0"}),
        ("DescribeCollection", {"CollectionId": collection},
         {"FaceCount": 3, "FaceModelVersion": "7.0", "CollectionARN": ARN, "CreationTimestamp": datetime.now(UTC)}),
        ("DeleteCollection", {"CollectionId": collection}, {"StatusCode": 200}),
        ("ListCollections", {"MaxResults": 100},
         {"CollectionIds": [collection], "FaceModelVersions": ["7.0"]}),
        ("IndexFaces",
         {"CollectionId": collection, "Image": image, "ExternalImageId": "sub_0123456789abcdefghijklmn",
          "MaxFaces": 1, "QualityFilter": "HIGH", "DetectionAttributes": ["DEFAULT"]},
         {"FaceRecords": [{"Face": {"FaceId": FACE_ID, "BoundingBox": BOX, "Confidence": 99.9}}],
          "FaceModelVersion": "7.0", "UnindexedFaces": []}),
        ("SearchFacesByImage",
         {"CollectionId": collection, "Image": image, "MaxFaces": 5, "FaceMatchThreshold": 90.0,
          "QualityFilter": "HIGH"},
         {"SearchedFaceBoundingBox": BOX, "SearchedFaceConfidence": 99.9,
          "FaceMatches": [{"Similarity": 97.5, "Face": {"FaceId": FACE_ID}}], "FaceModelVersion": "7.0"}),
        ("SearchFaces", {"CollectionId": collection, "FaceId": FACE_ID, "MaxFaces": 5, "FaceMatchThreshold": 90.0},
         {"SearchedFaceId": FACE_ID, "FaceMatches": [], "FaceModelVersion": "7.0"}),
        ("CompareFaces",
         {"SourceImage": image, "TargetImage": image, "SimilarityThreshold": 95.0, "QualityFilter": "HIGH"},
         {"SourceImageFace": {"BoundingBox": BOX, "Confidence": 99.9},
          "FaceMatches": [{"Similarity": 99.0, "Face": {"BoundingBox": BOX, "Confidence": 99.9}}],
          "UnmatchedFaces": []}),
        ("DetectFaces", {"Image": image, "Attributes": ["ALL"]},
         {"FaceDetails": [{"BoundingBox": BOX, "Confidence": 99.9, "Pose": {"Roll": 1.0, "Yaw": -3.0, "Pitch": 2.0},
                           "Quality": {"Brightness": 70.0, "Sharpness": 80.0},
                           "EyesOpen": {"Value": True, "Confidence": 98.0},
                           "Sunglasses": {"Value": False, "Confidence": 97.0}}]}),
        ("DetectText", {"Image": image, "Filters": {"WordFilter": {"MinConfidence": 80.0}}},
         {"TextDetections": [{"DetectedText": "P<UTOERIKSSON", "Type": "LINE", "Id": 0, "Confidence": 99.0}],
          "TextModelVersion": "3.0"}),
        ("DetectModerationLabels", {"Image": image, "MinConfidence": 50.0},
         {"ModerationLabels": [{"Confidence": 60.0, "Name": "Suggestive", "ParentName": "", "TaxonomyLevel": 1}],
          "ModerationModelVersion": "7.0"}),
        ("DeleteFaces", {"CollectionId": collection, "FaceIds": [FACE_ID]}, {"DeletedFaces": [FACE_ID]}),
        ("ListFaces", {"CollectionId": collection, "MaxResults": 1000, "NextToken": "page-2"},
         {"Faces": [{"FaceId": FACE_ID, "ExternalImageId": "sub_0123456789abcdefghijklmn"}],
          "FaceModelVersion": "7.0"}),
        ("CreateFaceLivenessSession",
         {"KmsKeyId": tenant.kms_key_arn, "ClientRequestToken": "ver_0123456789abcdefghijklmn",
          "Settings": {"OutputConfig": {"S3Bucket": tenant.storage_bucket, "S3KeyPrefix": "verity/liveness/"},
                       "AuditImagesLimit": 2}},
         {"SessionId": "22222222-3333-4444-5555-666666666666"}),
        ("GetFaceLivenessSessionResults", {"SessionId": "22222222-3333-4444-5555-666666666666"},
         {"SessionId": "22222222-3333-4444-5555-666666666666", "Status": "SUCCEEDED", "Confidence": 95.0,
          "ReferenceImage": {"Bytes": b"\xff\xd8\xffreference", "BoundingBox": BOX}}),
        ("StartContentModeration",
         {"Video": {"S3Object": {"Bucket": tenant.storage_bucket, "Name": "verity/videos/clip.mp4"}},
          "MinConfidence": 50.0, "ClientRequestToken": "mod_0123456789abcdefghijklmn",
          "NotificationChannel": {"SNSTopicArn": "arn:aws:sns:us-east-1:123456789012:verity-video",
                                  "RoleArn": "arn:aws:iam::123456789012:role/verity-rekognition"},
          "JobTag": "mod_0123456789abcdefghijklmn"},
         {"JobId": "a" * 64}),
        ("GetContentModeration",
         {"JobId": "a" * 64, "MaxResults": 1000, "SortBy": "TIMESTAMP", "NextToken": "page-2"},
         {"JobStatus": "SUCCEEDED", "ModerationLabels": [{"Timestamp": 1000,
          "ModerationLabel": {"Confidence": 70.0, "Name": "Suggestive", "ParentName": "", "TaxonomyLevel": 1}}]}),
    ]
    # fmt: on


# fmt: off
OPERATIONS = [
    "CreateCollection", "DescribeCollection", "DeleteCollection", "ListCollections", "IndexFaces",
    "SearchFacesByImage", "SearchFaces", "CompareFaces", "DetectFaces", "DetectText", "DetectModerationLabels",
    "DeleteFaces", "ListFaces", "CreateFaceLivenessSession", "GetFaceLivenessSessionResults",
    "StartContentModeration", "GetContentModeration",
]
# fmt: on


def _image_digests(value: Any) -> Any:
    """What the audit record should hold: each image's SHA-256 and size instead of its bytes."""
    if isinstance(value, bytes):
        return {"sha256": hashlib.sha256(value).hexdigest(), "size": len(value)}
    if isinstance(value, dict):
        return {key: _image_digests(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_image_digests(item) for item in value]
    return value


@pytest.mark.parametrize("operation", OPERATIONS)
def test_operation_is_sent_in_the_service_models_shape_and_recorded_without_image_bytes(
    operation: str, tenant: Tenant, stub: Stubber, photo: bytes, records: list[CallRecord]
) -> None:
    params, answer = next((p, a) for name, p, a in _cases(tenant, photo) if name == operation)
    # The Stubber refuses any request that differs from ``params`` or breaks the service model.
    stub.add_response(xform_name(operation), answer, expected_params=params)

    Gateway(tenant).call(operation, **params)

    [record] = records
    assert (record.tenant_id, record.operation, record.attempts, record.error_code) == (tenant.pk, operation, 1, None)
    assert record.request_parameters == _image_digests(params)


def test_every_case_is_listed() -> None:
    names = [name for name, _, _ in _cases(Tenant(slug="x", kms_key_arn="k", storage_bucket="b"), b"")]
    assert names == OPERATIONS


def test_an_unknown_operation_is_a_programming_error(tenant: Tenant) -> None:
    with pytest.raises(ValueError, match="no operation 'DetectFacez'"):
        Gateway(tenant).call("DetectFacez", Image={"Bytes": b""})
