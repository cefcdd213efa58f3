"""Stateless answers are cached per tenant; collection operations never are."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from botocore.stub import Stubber

from config.errors import DomainError
from tenants.models import Tenant
from tests.factories import TenantFactory
from vision import cache
from vision.calls import CallRecord
from vision.gateway import Gateway

FACES = {"FaceDetails": [{"Confidence": 99.5}]}


def test_a_repeated_detect_faces_is_answered_from_the_cache(
    tenant: Tenant, stub: Stubber, photo: bytes, records: list[CallRecord]
) -> None:
    stub.add_response("detect_faces", FACES | {"ResponseMetadata": {"RequestId": "req-1"}})

    first = Gateway(tenant).call("DetectFaces", Image={"Bytes": photo}, Attributes=["ALL"])
    second = Gateway(tenant).call("DetectFaces", Image={"Bytes": photo}, Attributes=["ALL"])

    assert first["FaceDetails"] == second["FaceDetails"] == FACES["FaceDetails"]
    assert "ResponseMetadata" not in second  # it belonged to the first request only
    assert [(r.cached, r.attempts, r.request_id) for r in records] == [(False, 1, "req-1"), (True, 0, None)]


def test_other_parameters_or_another_image_miss_the_cache(
    tenant: Tenant, stub: Stubber, photo: bytes, make_image: Callable[..., bytes]
) -> None:
    for _ in range(3):
        stub.add_response("detect_faces", FACES)

    Gateway(tenant).call("DetectFaces", Image={"Bytes": photo}, Attributes=["ALL"])
    Gateway(tenant).call("DetectFaces", Image={"Bytes": photo}, Attributes=["DEFAULT"])
    Gateway(tenant).call("DetectFaces", Image={"Bytes": make_image()}, Attributes=["ALL"])


def test_the_cache_is_per_tenant(tenant: Tenant, stub: Stubber, photo: bytes) -> None:
    other = TenantFactory()
    stub.add_response("compare_faces", {"FaceMatches": [], "UnmatchedFaces": []})
    stub.add_response("compare_faces", {"FaceMatches": [], "UnmatchedFaces": []})

    Gateway(tenant).call("CompareFaces", SourceImage={"Bytes": photo}, TargetImage={"Bytes": photo})
    Gateway(other).call("CompareFaces", SourceImage={"Bytes": photo}, TargetImage={"Bytes": photo})


def test_collection_operations_are_never_cached(tenant: Tenant, stub: Stubber, photo: bytes) -> None:
    search = {"CollectionId": "verity-demo-s00", "Image": {"Bytes": photo}, "MaxFaces": 5}
    for _ in range(2):
        stub.add_response("search_faces_by_image", {"FaceMatches": []})

    Gateway(tenant).call("SearchFacesByImage", **search)
    Gateway(tenant).call("SearchFacesByImage", **search)


def test_failures_are_not_cached(tenant: Tenant, stub: Stubber, photo: bytes) -> None:
    stub.add_client_error("detect_text", "InvalidParameterException", "no", 400)
    stub.add_response("detect_text", {"TextDetections": []})

    with pytest.raises(DomainError, match="no"):
        Gateway(tenant).call("DetectText", Image={"Bytes": photo})
    assert Gateway(tenant).call("DetectText", Image={"Bytes": photo})["TextDetections"] == []


def test_forgetting_an_image_deletes_every_answer_computed_from_it_and_only_those(
    tenant: Tenant, stub: Stubber, photo: bytes, make_image: Callable[..., bytes]
) -> None:
    """What an erasure relies on: answers are found by image, for one tenant, without a scan."""
    other_tenant, other_image = TenantFactory(), make_image()
    calls = [
        (tenant, "DetectFaces", {"Image": {"Bytes": photo}}),
        (tenant, "CompareFaces", {"SourceImage": {"Bytes": other_image}, "TargetImage": {"Bytes": photo}}),
        (tenant, "DetectFaces", {"Image": {"Bytes": other_image}}),
        (other_tenant, "DetectFaces", {"Image": {"Bytes": photo}}),
    ]
    for _, operation, _params in calls:
        if operation == "DetectFaces":
            stub.add_response("detect_faces", FACES)
        else:
            stub.add_response("compare_faces", {"FaceMatches": [], "UnmatchedFaces": []})
    for owner, operation, params in calls:
        Gateway(owner).call(operation, **params)

    deleted = cache.forget_images(tenant_key=tenant.public_id, images=[hashlib.sha256(photo).hexdigest()])

    assert deleted == 2  # the DetectFaces of the photo and the CompareFaces it took part in
    stub.add_response("detect_faces", FACES)  # asked again, the photo goes to the engine
    Gateway(tenant).call("DetectFaces", Image={"Bytes": photo})
    stub.assert_no_pending_responses()
    # The other image's own answer and the other tenant's answer for the same photo stay cached.
    Gateway(tenant).call("DetectFaces", Image={"Bytes": other_image})
    Gateway(other_tenant).call("DetectFaces", Image={"Bytes": photo})
    assert cache.forget_images(tenant_key=tenant.public_id, images=["0" * 64]) == 0
