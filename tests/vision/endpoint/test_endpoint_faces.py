"""IndexFaces, searches, ListFaces and DeleteFaces through boto3 on the licensed fixture photos."""

from __future__ import annotations

from typing import Any

import boto3
import cv2
import numpy as np
import pytest

from tests.vision.endpoint.endpoint_helpers import ENDPOINT_TESTS, REGION, image, jpeg, photo

pytestmark = ENDPOINT_TESTS


def two_faces() -> bytes:
    """person_b_1 (larger) and impostor_1 (smaller) side by side."""
    left = image("person_b_1")
    right = image("impostor_1")
    right = cv2.resize(right, None, fx=0.6, fy=0.6)
    canvas = np.full((left.shape[0], left.shape[1] + right.shape[1], 3), 255, np.uint8)
    canvas[:, : left.shape[1]] = left
    canvas[: right.shape[0], left.shape[1] :] = right
    return jpeg(canvas)


@pytest.fixture
def gallery(rekognition: Any) -> dict[str, str]:
    """A collection with one face of each of four people; returns ExternalImageId -> FaceId."""
    rekognition.create_collection(CollectionId="gallery")
    face_ids = {}
    for name in ("person_a_1", "person_b_1", "impostor_1", "impostor_2"):
        indexed = rekognition.index_faces(
            CollectionId="gallery", Image={"Bytes": photo(name)}, ExternalImageId=name, QualityFilter="NONE"
        )
        [record] = indexed["FaceRecords"]
        face_ids[name] = record["Face"]["FaceId"]
    return face_ids


def test_index_faces_records_the_face_with_its_detail(rekognition: Any) -> None:
    rekognition.create_collection(CollectionId="one")
    indexed = rekognition.index_faces(
        CollectionId="one", Image={"Bytes": photo("person_b_2")}, ExternalImageId="sub_123:selfie"
    )
    [record] = indexed["FaceRecords"]
    face = record["Face"]
    assert face["ExternalImageId"] == "sub_123:selfie"
    assert face["Confidence"] > 90
    assert face["BoundingBox"] == record["FaceDetail"]["BoundingBox"]
    assert {landmark["Type"] for landmark in record["FaceDetail"]["Landmarks"]} >= {"eyeLeft", "nose"}
    assert indexed["UnindexedFaces"] == []
    assert indexed["FaceModelVersion"] == rekognition.describe_collection(CollectionId="one")["FaceModelVersion"]
    assert rekognition.describe_collection(CollectionId="one")["FaceCount"] == 1


@pytest.mark.parametrize(("probe", "expected"), [("person_a_2", "person_a_1"), ("person_b_2", "person_b_1")])
def test_search_by_image_finds_the_same_person_years_later(
    rekognition: Any, gallery: dict[str, str], probe: str, expected: str
) -> None:
    found = rekognition.search_faces_by_image(CollectionId="gallery", Image={"Bytes": photo(probe)})
    [match] = found["FaceMatches"]
    assert match["Face"]["ExternalImageId"] == expected
    assert match["Face"]["FaceId"] == gallery[expected]
    assert match["Similarity"] >= 95
    assert found["SearchedFaceConfidence"] > 90
    assert 0 < found["SearchedFaceBoundingBox"]["Width"] < 1


def test_search_by_image_ranks_every_face_when_the_threshold_is_low(rekognition: Any, gallery: dict[str, str]) -> None:
    found = rekognition.search_faces_by_image(
        CollectionId="gallery", Image={"Bytes": photo("person_a_2")}, FaceMatchThreshold=0, MaxFaces=3
    )
    similarities = [match["Similarity"] for match in found["FaceMatches"]]
    assert len(similarities) == 3
    assert similarities == sorted(similarities, reverse=True)
    assert found["FaceMatches"][0]["Face"]["ExternalImageId"] == "person_a_1"
    assert similarities[1] < 80  # the others are different people


def test_search_faces_by_face_id_excludes_the_face_itself(rekognition: Any, gallery: dict[str, str]) -> None:
    rekognition.index_faces(CollectionId="gallery", Image={"Bytes": photo("person_b_2")}, ExternalImageId="b2")
    found = rekognition.search_faces(CollectionId="gallery", FaceId=gallery["person_b_1"])
    assert found["SearchedFaceId"] == gallery["person_b_1"]
    assert [match["Face"]["ExternalImageId"] for match in found["FaceMatches"]] == ["b2"]
    with pytest.raises(rekognition.exceptions.InvalidParameterException):
        rekognition.search_faces(CollectionId="gallery", FaceId="00000000-0000-4000-8000-000000000000")


def test_an_image_without_a_face_cannot_be_searched(rekognition: Any, gallery: dict[str, str]) -> None:
    blank = jpeg(np.full((200, 200, 3), 128, np.uint8))
    with pytest.raises(rekognition.exceptions.InvalidParameterException) as caught:
        rekognition.search_faces_by_image(CollectionId="gallery", Image={"Bytes": blank})
    assert "no faces" in caught.value.response["Error"]["Message"]


def test_max_faces_indexes_the_largest_and_reports_the_rest(rekognition: Any) -> None:
    rekognition.create_collection(CollectionId="crowd")
    indexed = rekognition.index_faces(
        CollectionId="crowd", Image={"Bytes": two_faces()}, MaxFaces=1, QualityFilter="NONE"
    )
    [record] = indexed["FaceRecords"]
    [unindexed] = indexed["UnindexedFaces"]
    assert unindexed["Reasons"] == ["EXCEEDS_MAX_FACES"]
    assert record["Face"]["BoundingBox"]["Width"] > unindexed["FaceDetail"]["BoundingBox"]["Width"]
    assert record["Face"]["ImageId"]


def test_quality_filter_keeps_blurred_faces_out(rekognition: Any) -> None:
    rekognition.create_collection(CollectionId="quality")
    blurred = jpeg(cv2.GaussianBlur(image("person_b_1"), (31, 31), 0))
    strict = rekognition.index_faces(CollectionId="quality", Image={"Bytes": blurred}, QualityFilter="HIGH")
    assert strict["FaceRecords"] == []
    [unindexed] = strict["UnindexedFaces"]
    assert "LOW_SHARPNESS" in unindexed["Reasons"]
    lenient = rekognition.index_faces(CollectionId="quality", Image={"Bytes": blurred}, QualityFilter="NONE")
    assert len(lenient["FaceRecords"]) == 1


def test_list_faces_pages_in_face_id_order_and_delete_faces_reports_misses(rekognition: Any) -> None:
    rekognition.create_collection(CollectionId="pages")
    for name in ("person_a_1", "person_a_2", "person_b_1", "person_b_2", "impostor_1"):
        rekognition.index_faces(CollectionId="pages", Image={"Bytes": photo(name)}, ExternalImageId=name)
    first = rekognition.list_faces(CollectionId="pages", MaxResults=2)
    assert len(first["Faces"]) == 2
    assert "NextToken" in first
    pages = list(
        rekognition.get_paginator("list_faces").paginate(CollectionId="pages", PaginationConfig={"PageSize": 2})
    )
    assert [len(page["Faces"]) for page in pages] == [2, 2, 1]
    face_ids = [face["FaceId"] for page in pages for face in page["Faces"]]
    assert face_ids == sorted(face_ids)
    assert {face["ExternalImageId"] for page in pages for face in page["Faces"]} == {
        "person_a_1",
        "person_a_2",
        "person_b_1",
        "person_b_2",
        "impostor_1",
    }

    missing = "00000000-0000-4000-8000-000000000000"
    deleted = rekognition.delete_faces(CollectionId="pages", FaceIds=[face_ids[0], missing])
    assert deleted["DeletedFaces"] == [face_ids[0]]
    assert deleted["UnsuccessfulFaceDeletions"] == [{"FaceId": missing, "Reasons": ["FACE_NOT_FOUND"]}]
    assert rekognition.describe_collection(CollectionId="pages")["FaceCount"] == 4
    assert face_ids[0] not in [face["FaceId"] for face in rekognition.list_faces(CollectionId="pages")["Faces"]]


def test_searches_follow_faces_indexed_and_deleted_after_the_first_search(
    rekognition: Any, gallery: dict[str, str]
) -> None:
    def top_match(name: str) -> str | None:
        found = rekognition.search_faces_by_image(CollectionId="gallery", Image={"Bytes": photo(name)})
        return found["FaceMatches"][0]["Face"]["FaceId"] if found["FaceMatches"] else None

    assert top_match("person_a_2") == gallery["person_a_1"]  # loads the collection's vectors
    rekognition.delete_faces(CollectionId="gallery", FaceIds=[gallery["person_a_1"]])
    assert top_match("person_a_2") is None
    assert top_match("impostor_2") == gallery["impostor_2"]  # the last row, moved into the hole
    again = rekognition.index_faces(CollectionId="gallery", Image={"Bytes": photo("person_a_1")})
    assert top_match("person_a_2") == again["FaceRecords"][0]["Face"]["FaceId"]

    rekognition.delete_collection(CollectionId="gallery")
    rekognition.create_collection(CollectionId="gallery")  # same name, new collection: empty
    assert top_match("person_a_2") is None


def test_index_faces_reads_images_from_s3(rekognition: Any, aws: None) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="verity-selfies")
    s3.put_object(Bucket="verity-selfies", Key="a/1.jpg", Body=photo("person_a_1"))
    rekognition.create_collection(CollectionId="from-s3")
    indexed = rekognition.index_faces(
        CollectionId="from-s3",
        Image={"S3Object": {"Bucket": "verity-selfies", "Name": "a/1.jpg"}},
        ExternalImageId="a1",
    )
    assert len(indexed["FaceRecords"]) == 1
    with pytest.raises(rekognition.exceptions.InvalidS3ObjectException):
        rekognition.index_faces(
            CollectionId="from-s3", Image={"S3Object": {"Bucket": "verity-selfies", "Name": "nope.jpg"}}
        )
