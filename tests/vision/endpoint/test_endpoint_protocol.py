"""The JSON 1.1 protocol as botocore sees it: modeled errors, validation, unknown operations, faults."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.vision.endpoint.endpoint_helpers import (
    ENDPOINT_TESTS,
    new_access_key,
    post,
    rekognition_client,
)

pytestmark = ENDPOINT_TESTS

LocalCall = Callable[..., tuple[int, dict[str, Any]]]


def test_unknown_collection_raises_botocores_modeled_exception(rekognition: Any) -> None:
    with pytest.raises(rekognition.exceptions.ResourceNotFoundException) as caught:
        rekognition.describe_collection(CollectionId="missing")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "missing" in caught.value.response["Error"]["Message"]


def test_pattern_violations_are_invalid_parameter_errors(rekognition: Any) -> None:
    rekognition.create_collection(CollectionId="patterns")
    with pytest.raises(rekognition.exceptions.InvalidParameterException) as caught:
        rekognition.index_faces(CollectionId="patterns", Image={"Bytes": b"x"}, ExternalImageId="not allowed/space")
    assert "externalImageId" in caught.value.response["Error"]["Message"]
    with pytest.raises(rekognition.exceptions.InvalidParameterException):
        rekognition.create_collection(CollectionId="bad id!")


def test_range_and_required_members_are_checked_against_the_service_model(rekognition_endpoint: str) -> None:
    auth = new_access_key()
    status, body = post(rekognition_endpoint, "RekognitionService.DescribeCollection", b"{}", auth)
    assert (status, body["__type"]) == (400, "InvalidParameterException")
    assert "collectionId" in body["message"]
    status, body = post(
        rekognition_endpoint,
        "RekognitionService.SearchFaces",
        json.dumps({"CollectionId": "c", "FaceId": "11111111-1111-1111-1111-111111111111", "MaxFaces": 0}).encode(),
        auth,
    )
    assert (status, body["__type"]) == (400, "InvalidParameterException")
    assert "maxFaces" in body["message"]
    status, body = post(rekognition_endpoint, "RekognitionService.ListCollections", b"not json", auth)
    assert (status, body["__type"]) == (400, "SerializationException")


def test_unsigned_requests_are_refused(rekognition_endpoint: str) -> None:
    status, body = post(rekognition_endpoint, "RekognitionService.ListCollections", b"{}")
    assert (status, body["__type"]) == (403, "MissingAuthenticationTokenException")


def test_an_operation_it_does_not_implement_is_named_in_the_error(rekognition: Any) -> None:
    with pytest.raises(ClientError) as caught:
        rekognition.recognize_celebrities(Image={"Bytes": b"\xff\xd8\xff"})
    error = caught.value.response["Error"]
    assert error["Code"] == "UnsupportedOperationException"
    assert "RecognizeCelebrities" in error["Message"]
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_a_target_that_is_no_rekognition_operation_is_unknown(rekognition_endpoint: str) -> None:
    auth = new_access_key()
    status, body = post(rekognition_endpoint, "RekognitionService.MakeCoffee", b"{}", auth)
    assert (status, body["__type"]) == (400, "UnknownOperationException")
    assert "MakeCoffee" in body["message"]


@pytest.mark.parametrize(
    ("error", "status"), [("ProvisionedThroughputExceededException", 400), ("ThrottlingException", 500)]
)
def test_injected_throttling_is_retried_by_botocore_as_throttling(
    rekognition_endpoint: str, access_key: str, local_call: LocalCall, error: str, status: int
) -> None:
    assert local_call("SetFaults", {"ThrottleRate": 1, "ThrottleError": error})[0] == 200
    client = rekognition_client(rekognition_endpoint, access_key, attempts=3)
    with pytest.raises(ClientError) as caught:
        client.list_collections()
    response = caught.value.response
    assert response["Error"]["Code"] == error
    assert response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert response["ResponseMetadata"]["RetryAttempts"] == 2  # standard mode retried it as throttling
    assert isinstance(caught.value, getattr(client.exceptions, error))


def test_faults_apply_to_the_calling_access_key_and_the_chosen_operations(
    rekognition: Any, rekognition_endpoint: str, local_call: LocalCall
) -> None:
    status, body = local_call("SetFaults", {"LatencyMs": 400, "ThrottleRate": 1, "Operations": ["DescribeCollection"]})
    assert status == 200
    assert body["Operations"] == ["DescribeCollection"]
    with pytest.raises(rekognition.exceptions.ProvisionedThroughputExceededException):
        rekognition.describe_collection(CollectionId="any")

    started = time.perf_counter()
    rekognition.list_collections()  # not a chosen operation: neither delayed nor throttled
    assert time.perf_counter() - started < 0.4
    rekognition_client(rekognition_endpoint, new_access_key()).list_collections()  # another key: unaffected

    local_call("SetFaults", {"LatencyMs": 400})
    started = time.perf_counter()
    rekognition.list_collections()
    assert time.perf_counter() - started >= 0.4


def test_set_faults_rejects_nonsense(local_call: LocalCall) -> None:
    status, body = local_call("SetFaults", {"ThrottleRate": 2})
    assert (status, body["__type"]) == (400, "InvalidParameterException")
    status, body = local_call("SetFaults", {"ThrottleError": "AccessDeniedException"})
    assert (status, body["__type"]) == (400, "InvalidParameterException")
