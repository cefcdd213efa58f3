"""Engine errors become domain errors; throttling, 5xx and connection failures are retried, within bounds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError, ReadTimeoutError
from botocore.stub import Stubber
from prometheus_client import REGISTRY

from config.aws import aws_client
from config.errors import DomainError
from tenants.models import Tenant
from vision.calls import CallRecord
from vision.gateway import Gateway

COLLECTION = {"CollectionId": "verity-demo-s00"}
DETECTED = {"FaceDetails": []}


def _detect(tenant: Tenant, photo: bytes) -> dict[str, Any]:
    return Gateway(tenant).call("DetectFaces", Image={"Bytes": photo})


def _retries(tenant: Tenant, reason: str) -> float:
    labels = {"operation": "DetectFaces", "tenant": tenant.slug, "reason": reason}
    return REGISTRY.get_sample_value("verity_vision_retries_total", labels) or 0.0


# (operation, method, parameters, engine error code, engine HTTP status, domain code, domain status)
MAPPED_ERRORS = [
    ("DescribeCollection", "describe_collection", COLLECTION, "ResourceNotFoundException", 400,
     "collection_not_found", 404),
    ("GetContentModeration", "get_content_moderation", {"JobId": "a" * 64}, "ResourceNotFoundException", 400,
     "resource_not_found", 404),
    ("GetFaceLivenessSessionResults", "get_face_liveness_session_results",
     {"SessionId": "22222222-3333-4444-5555-666666666666"}, "SessionNotFoundException", 400, "resource_not_found", 404),
    ("DescribeCollection", "describe_collection", COLLECTION, "InvalidParameterException", 400,
     "invalid_parameter", 400),
    ("ListFaces", "list_faces", {**COLLECTION, "NextToken": "stale"}, "InvalidPaginationTokenException", 400,
     "invalid_pagination_token", 400),
    ("CreateCollection", "create_collection", COLLECTION, "ResourceAlreadyExistsException", 400,
     "resource_already_exists", 409),
    ("DescribeCollection", "describe_collection", COLLECTION, "AccessDeniedException", 400,
     "engine_access_denied", 502),
    ("CreateCollection", "create_collection", COLLECTION, "ServiceQuotaExceededException", 400, "engine_error", 502),
]  # fmt: skip

IMAGE_ERRORS = [
    ("ImageTooLargeException", "image_too_large", 400),
    ("InvalidImageFormatException", "invalid_image_format", 400),
    ("InvalidS3ObjectException", "invalid_s3_object", 400),
    ("InvalidParameterException", "invalid_parameter", 400),
    ("AccessDeniedException", "engine_access_denied", 502),
]


@pytest.mark.parametrize(
    ("operation", "method", "params", "engine_code", "http_status", "code", "status"), MAPPED_ERRORS
)
def test_engine_errors_map_to_domain_errors_without_retry(
    tenant: Tenant,
    stub: Stubber,
    records: list[CallRecord],
    operation: str,
    method: str,
    params: dict[str, Any],
    engine_code: str,
    http_status: int,
    code: str,
    status: int,
) -> None:
    stub.add_client_error(method, engine_code, "engine says no", http_status, expected_params=params)

    with pytest.raises(DomainError) as raised:
        Gateway(tenant).call(operation, **params)

    assert (raised.value.code, raised.value.status) == (code, status)
    assert records[-1].attempts == 1
    assert records[-1].error_code == code


@pytest.mark.parametrize(("engine_code", "code", "status"), IMAGE_ERRORS)
def test_image_errors_from_the_engine_keep_their_meaning(
    tenant: Tenant, stub: Stubber, photo: bytes, engine_code: str, code: str, status: int
) -> None:
    stub.add_client_error("detect_faces", engine_code, "bad image", 400)

    with pytest.raises(DomainError) as raised:
        _detect(tenant, photo)

    assert (raised.value.code, raised.value.status) == (code, status)


@pytest.mark.parametrize(
    ("engine_code", "http_status"),
    [("ThrottlingException", 500), ("ProvisionedThroughputExceededException", 400), ("InternalServerError", 500)],
)
def test_transient_engine_errors_are_retried_until_success(
    tenant: Tenant, stub: Stubber, photo: bytes, records: list[CallRecord], engine_code: str, http_status: int
) -> None:
    retries_before = _retries(tenant, "throttled")
    stub.add_client_error("detect_faces", engine_code, "slow down", http_status)
    stub.add_client_error("detect_faces", engine_code, "slow down", http_status)
    stub.add_response("detect_faces", DETECTED)

    assert _detect(tenant, photo)["FaceDetails"] == []

    assert records[-1].attempts == 3
    assert records[-1].error_code is None
    if engine_code != "InternalServerError":
        assert _retries(tenant, "throttled") == retries_before + 2


def test_limit_exceeded_on_video_jobs_is_retried(tenant: Tenant, stub: Stubber, records: list[CallRecord]) -> None:
    video = {"Video": {"S3Object": {"Bucket": tenant.storage_bucket, "Name": "verity/clip.mp4"}}}
    stub.add_client_error("start_content_moderation", "LimitExceededException", "20 jobs running", 400)
    stub.add_response("start_content_moderation", {"JobId": "j" * 64})

    assert Gateway(tenant).call("StartContentModeration", **video)["JobId"] == "j" * 64
    assert records[-1].attempts == 2


@pytest.mark.parametrize(
    ("engine_code", "http_status", "code"),
    [("ThrottlingException", 500, "engine_throttled"), ("InternalServerError", 500, "engine_unavailable")],
)
def test_retries_are_bounded_then_the_error_is_raised(
    settings: Any,
    tenant: Tenant,
    stub: Stubber,
    photo: bytes,
    records: list[CallRecord],
    engine_code: str,
    http_status: int,
    code: str,
) -> None:
    settings.VERITY_VISION_MAX_ATTEMPTS = 3
    for _ in range(3):
        stub.add_client_error("detect_faces", engine_code, "still failing", http_status)

    with pytest.raises(DomainError) as raised:
        _detect(tenant, photo)

    assert (raised.value.code, raised.value.status) == (code, 503)
    assert records[-1].attempts == 3


def test_the_time_budget_stops_retries_early(
    settings: Any, tenant: Tenant, stub: Stubber, photo: bytes, records: list[CallRecord]
) -> None:
    settings.VERITY_VISION_RETRY_BUDGET = 0.0
    stub.add_client_error("detect_faces", "ThrottlingException", "slow down", 500)

    with pytest.raises(DomainError, match="throttled"):
        _detect(tenant, photo)

    assert records[-1].attempts == 1


def test_a_non_retryable_error_fails_at_once(
    tenant: Tenant, stub: Stubber, photo: bytes, records: list[CallRecord]
) -> None:
    stub.add_client_error("detect_faces", "InvalidParameterException", "bad Attributes", 400)

    with pytest.raises(DomainError) as raised:
        _detect(tenant, photo)

    assert raised.value.code == "invalid_parameter"
    assert records[-1].attempts == 1  # and the Stubber holds no second answer


def _fail_first(tenant: Tenant, operation: str, failures: list[Exception]) -> Callable[..., None]:
    """Raise the given connection errors on the first calls, before the Stubber answers the next ones."""
    pending = list(failures)

    def handler(model: Any, **_: Any) -> None:
        if model.name == operation and pending:
            raise pending.pop(0)

    # The Stubber answers on ``before-call.*.*``; only a handler registered first on the same
    # event runs before it (a more specific event name would run after it).
    aws_client("rekognition", tenant.region).meta.events.register_first("before-call.*.*", handler)
    return handler


@pytest.mark.parametrize(
    "failure",
    [
        EndpointConnectionError(endpoint_url="http://127.0.0.1:5050"),
        ConnectionClosedError(endpoint_url="http://127.0.0.1:5050"),
        ReadTimeoutError(endpoint_url="http://127.0.0.1:5050"),
    ],
    ids=["endpoint-connection", "connection-closed", "read-timeout"],
)
def test_connection_errors_are_retried(
    tenant: Tenant, stub: Stubber, photo: bytes, records: list[CallRecord], failure: Exception
) -> None:
    _fail_first(tenant, "DetectFaces", [failure, failure])
    stub.add_response("detect_faces", DETECTED)

    assert _detect(tenant, photo)["FaceDetails"] == []
    assert records[-1].attempts == 3


def test_connection_errors_that_outlast_the_retries_mean_unavailable(
    settings: Any, tenant: Tenant, photo: bytes, records: list[CallRecord]
) -> None:
    settings.VERITY_VISION_MAX_ATTEMPTS = 2
    _fail_first(tenant, "DetectFaces", [EndpointConnectionError(endpoint_url="http://x")] * 2)

    with pytest.raises(DomainError) as raised:
        _detect(tenant, photo)

    assert (raised.value.code, raised.value.status) == ("engine_unavailable", 503)
    assert records[-1].attempts == 2


def test_index_faces_is_not_resent_when_its_answer_was_lost(
    tenant: Tenant, photo: bytes, records: list[CallRecord]
) -> None:
    _fail_first(tenant, "IndexFaces", [ReadTimeoutError(endpoint_url="http://x")])

    with pytest.raises(DomainError) as raised:
        Gateway(tenant).call("IndexFaces", CollectionId="verity-demo-s00", Image={"Bytes": photo})

    assert raised.value.code == "engine_outcome_unknown"
    assert records[-1].attempts == 1


def test_index_faces_is_resent_when_the_request_never_left(
    tenant: Tenant, stub: Stubber, photo: bytes, records: list[CallRecord]
) -> None:
    _fail_first(tenant, "IndexFaces", [EndpointConnectionError(endpoint_url="http://x")])
    stub.add_response("index_faces", {"FaceRecords": [], "UnindexedFaces": []})

    Gateway(tenant).call("IndexFaces", CollectionId="verity-demo-s00", Image={"Bytes": photo})

    assert records[-1].attempts == 2
