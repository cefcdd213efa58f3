"""Collection lifecycle through boto3: create, describe, list with pagination, delete, accounts."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from tests.vision.endpoint.endpoint_helpers import ENDPOINT_TESTS, new_access_key, rekognition_client
from vision.local.operations.common import FACE_MODEL_VERSION

pytestmark = ENDPOINT_TESTS


def test_collection_lifecycle(rekognition: Any) -> None:
    created = rekognition.create_collection(CollectionId="shard-00")
    assert created["StatusCode"] == 200
    assert created["FaceModelVersion"] == FACE_MODEL_VERSION
    assert created["CollectionArn"].startswith("aws:rekognition:us-east-1:")  # no "arn:", as AWS answers
    assert created["CollectionArn"].endswith(":collection/shard-00")

    described = rekognition.describe_collection(CollectionId="shard-00")
    assert described["FaceCount"] == 0
    assert described["CollectionARN"] == "arn:" + created["CollectionArn"]
    assert described["FaceModelVersion"] == FACE_MODEL_VERSION
    age = datetime.datetime.now(datetime.UTC) - described["CreationTimestamp"]
    assert datetime.timedelta(0) <= age < datetime.timedelta(minutes=1)

    with pytest.raises(rekognition.exceptions.ResourceAlreadyExistsException):
        rekognition.create_collection(CollectionId="shard-00")

    assert rekognition.delete_collection(CollectionId="shard-00")["StatusCode"] == 200
    with pytest.raises(rekognition.exceptions.ResourceNotFoundException):
        rekognition.describe_collection(CollectionId="shard-00")
    with pytest.raises(rekognition.exceptions.ResourceNotFoundException):
        rekognition.delete_collection(CollectionId="shard-00")


def test_list_collections_pages_through_every_collection(rekognition: Any) -> None:
    names = [f"c{index}" for index in range(5)]
    for name in names:
        rekognition.create_collection(CollectionId=name)
    first = rekognition.list_collections(MaxResults=2)
    assert first["CollectionIds"] == ["c0", "c1"]
    assert first["FaceModelVersions"] == [FACE_MODEL_VERSION] * 2
    listed = [
        name
        for page in rekognition.get_paginator("list_collections").paginate(PaginationConfig={"PageSize": 2})
        for name in page["CollectionIds"]
    ]
    assert listed == names
    with pytest.raises(rekognition.exceptions.InvalidPaginationTokenException):
        rekognition.list_collections(NextToken="garbage")


def test_collections_are_namespaced_per_access_key(rekognition: Any, rekognition_endpoint: str) -> None:
    rekognition.create_collection(CollectionId="mine")
    other = rekognition_client(rekognition_endpoint, new_access_key())
    assert other.list_collections()["CollectionIds"] == []
    with pytest.raises(other.exceptions.ResourceNotFoundException):
        other.describe_collection(CollectionId="mine")
    other.create_collection(CollectionId="mine")  # the same name in another account is fine
