"""Stateless answers are cached per tenant; collection operations never are."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from botocore.stub import Stubber

from config.errors import DomainError
from tenants.models import Tenant
from tests.factories import TenantFactory
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
