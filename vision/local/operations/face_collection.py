"""IndexFaces, ListFaces, DeleteFaces, SearchFaces and SearchFacesByImage on a collection."""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np
from django.db import transaction

from vision.local import faces
from vision.local.models import Collection, Face
from vision.local.operations.collection_lifecycle import get_collection
from vision.local.operations.common import (
    FACE_MODEL_VERSION,
    analyse_image,
    decode_token,
    encode_token,
    note_detail_attributes,
    page_size,
    quality_reasons,
)
from vision.local.operations.vector_index import embedding_bytes, embedding_from_bytes, vector_index
from vision.local.protocol import Call, InvalidPaginationTokenError, InvalidParameterError, UnsupportedOperationError

LIST_DEFAULT, LIST_MAXIMUM = 1000, 4096
DEFAULT_MATCH_THRESHOLD = 80.0
# AWS does not document a default MaxFaces for searches; without one we return every face above
# the threshold, up to the largest MaxFaces the service model allows.
SEARCH_MAX_FACES = 4096


def face_output(face: Face) -> dict[str, Any]:
    """A stored face as Rekognition's ``Face`` structure."""
    output: dict[str, Any] = {
        "FaceId": str(face.face_id),
        "BoundingBox": face.bounding_box,
        "ImageId": str(face.image_id),
        "Confidence": face.confidence,
    }
    if face.external_image_id:
        output["ExternalImageId"] = face.external_image_id
    return output


def index_faces(call: Call) -> dict[str, Any]:
    params = call.params
    collection = get_collection(call.account, params["CollectionId"])
    if collection.face_model_version != FACE_MODEL_VERSION:
        raise InvalidParameterError(
            f"Collection {collection.collection_id} holds {collection.face_model_version} faces; "
            f"this endpoint indexes {FACE_MODEL_VERSION}."
        )
    note_detail_attributes(call, params.get("DetectionAttributes"))
    image = analyse_image(params["Image"], call)
    quality_filter = params.get("QualityFilter", "AUTO")
    max_faces = params.get("MaxFaces")

    accepted: list[faces.Face] = []
    unindexed: list[dict[str, Any]] = []
    for face in image.faces():  # largest first, so MaxFaces keeps the largest
        reasons = quality_reasons(face, quality_filter)
        if not reasons and max_faces is not None and len(accepted) >= max_faces:
            reasons = ["EXCEEDS_MAX_FACES"]
        if reasons:
            unindexed.append({"Reasons": reasons, "FaceDetail": face.detail})
        else:
            accepted.append(face)
    vectors = [image.embedding(face) for face in accepted]

    image_id = uuid.uuid4()
    with transaction.atomic():
        collection = get_collection(call.account, call.params["CollectionId"], lock=True)
        rows = Face.objects.bulk_create(
            Face(
                collection=collection,
                image_id=image_id,
                external_image_id=params.get("ExternalImageId", ""),
                bounding_box=face.detail["BoundingBox"],
                confidence=face.detail["Confidence"],
                embedding=embedding_bytes(vector),
            )
            for face, vector in zip(accepted, vectors, strict=True)
        )
        added = [(row.pk, vector) for row, vector in zip(rows, vectors, strict=True)]
        transaction.on_commit(lambda: vector_index.add(collection.pk, added))
    return {
        "FaceRecords": [
            {"Face": face_output(row), "FaceDetail": face.detail} for row, face in zip(rows, accepted, strict=True)
        ],
        "FaceModelVersion": collection.face_model_version,
        "UnindexedFaces": unindexed,
    }


def list_faces(call: Call) -> dict[str, Any]:
    """Faces in FaceId order (as AWS lists them); NextToken carries the last FaceId."""
    params = call.params
    if "UserId" in params:
        raise UnsupportedOperationError("ListFaces by UserId: users are not implemented by the local endpoint.")
    collection = get_collection(call.account, params["CollectionId"])
    limit = page_size(params.get("MaxResults"), default=LIST_DEFAULT, maximum=LIST_MAXIMUM)
    listed = collection.faces.defer("embedding").order_by("face_id")
    if "FaceIds" in params:
        listed = listed.filter(face_id__in=params["FaceIds"])
    if "NextToken" in params:
        try:
            after = uuid.UUID(decode_token(params["NextToken"], str))
        except ValueError:
            raise InvalidPaginationTokenError() from None
        listed = listed.filter(face_id__gt=after)
    page = list(listed[: limit + 1])
    response: dict[str, Any] = {
        "Faces": [face_output(face) for face in page[:limit]],
        "FaceModelVersion": collection.face_model_version,
    }
    if len(page) > limit:
        response["NextToken"] = encode_token(str(page[limit - 1].face_id))
    return response


def delete_faces(call: Call) -> dict[str, Any]:
    requested = list(dict.fromkeys(call.params["FaceIds"]))
    with transaction.atomic():
        collection = get_collection(call.account, call.params["CollectionId"], lock=True)
        found = dict(collection.faces.filter(face_id__in=requested).values_list("face_id", "pk"))
        collection.faces.filter(pk__in=found.values()).delete()
        removed = list(found.values())
        transaction.on_commit(lambda: vector_index.remove(collection.pk, removed))
    deleted = {str(face_id) for face_id in found}
    return {
        "DeletedFaces": [face_id for face_id in requested if face_id in deleted],
        "UnsuccessfulFaceDeletions": [
            {"FaceId": face_id, "Reasons": ["FACE_NOT_FOUND"]} for face_id in requested if face_id not in deleted
        ],
    }


def search_faces(call: Call) -> dict[str, Any]:
    params = call.params
    collection = get_collection(call.account, params["CollectionId"])
    try:
        face = Face.objects.only("pk", "embedding").get(collection=collection, face_id=params["FaceId"])
    except Face.DoesNotExist:
        raise InvalidParameterError(
            f"Face {params['FaceId']} is not in collection {collection.collection_id}."
        ) from None
    return {
        "SearchedFaceId": params["FaceId"],
        "FaceMatches": _matches(call, collection, embedding_from_bytes(face.embedding), exclude=face.pk),
        "FaceModelVersion": collection.face_model_version,
    }


def search_faces_by_image(call: Call) -> dict[str, Any]:
    """Searches with the largest face in the image, as AWS does."""
    params = call.params
    collection = get_collection(call.account, params["CollectionId"])
    image = analyse_image(params["Image"], call)
    detected = image.faces()
    if not detected:
        raise InvalidParameterError("There are no faces in the image. Should be at least 1.")
    probe = detected[0]
    if quality_reasons(probe, params.get("QualityFilter", "NONE")):
        raise InvalidParameterError("The largest face in the image does not pass the quality filter.")
    return {
        "SearchedFaceBoundingBox": probe.detail["BoundingBox"],
        "SearchedFaceConfidence": probe.detail["Confidence"],
        "FaceMatches": _matches(call, collection, image.embedding(probe)),
        "FaceModelVersion": collection.face_model_version,
    }


def _matches(call: Call, collection: Collection, query: np.ndarray, *, exclude: int | None = None) -> list[Any]:
    """FaceMatches at or above FaceMatchThreshold, most similar first, at most MaxFaces."""
    threshold = call.params.get("FaceMatchThreshold", DEFAULT_MATCH_THRESHOLD)
    hits = vector_index.search(
        collection.pk,
        query,
        call.params.get("MaxFaces", SEARCH_MAX_FACES),
        min_cosine=_cosine_floor(threshold),
        exclude=exclude,
    )
    similar = [(key, faces.similarity_from_cosine(cosine)) for key, cosine in hits]
    similar = [(key, similarity) for key, similarity in similar if similarity >= threshold]
    rows = Face.objects.defer("embedding").in_bulk([key for key, _ in similar])
    # A face deleted since the search started is simply not reported.
    return [{"Similarity": similarity, "Face": face_output(rows[key])} for key, similarity in similar if key in rows]


def _cosine_floor(similarity: float) -> float:
    """A cosine just below the least one that reaches ``similarity``, found by bisection.

    The calibration (faces.similarity_from_cosine) is monotonic, so this prefilter loses no
    match; the exact similarity check follows.
    """
    low, high = -1.0, 1.0
    if faces.similarity_from_cosine(low) >= similarity:
        return low
    for _ in range(40):
        middle = (low + high) / 2
        if faces.similarity_from_cosine(middle) >= similarity:
            high = middle
        else:
            low = middle
    return low
