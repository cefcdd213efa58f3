"""The one boto3 client factory (config/aws.py): one cached client per service, region, endpoint and credentials."""

from __future__ import annotations

import threading
from typing import Any

import boto3
import pytest

from config.aws import aws_client, reset_clients


@pytest.fixture
def local_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "first")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "first-secret")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def sessions_built(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    built: list[object] = []
    real_session = boto3.session.Session

    def counting_session(*args: Any, **kwargs: Any) -> Any:
        built.append(object())
        return real_session(*args, **kwargs)

    monkeypatch.setattr(boto3.session, "Session", counting_session)
    return built


@pytest.mark.usefixtures("local_credentials")
def test_the_same_service_and_region_share_one_client(sessions_built: list[object]) -> None:
    assert aws_client("s3", "us-east-1") is aws_client("s3", "us-east-1")
    assert len(sessions_built) == 1


@pytest.mark.usefixtures("local_credentials")
def test_services_and_regions_get_clients_of_their_own() -> None:
    s3 = aws_client("s3", "us-east-1")
    assert aws_client("kms", "us-east-1") is not s3
    other_region = aws_client("s3", "eu-west-1")
    assert other_region is not s3
    assert other_region.meta.region_name == "eu-west-1"


@pytest.mark.usefixtures("local_credentials")
def test_a_new_endpoint_in_the_environment_gets_a_new_client(monkeypatch: pytest.MonkeyPatch) -> None:
    before = aws_client("s3", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9")
    after = aws_client("s3", "us-east-1")
    assert after is not before
    assert after.meta.endpoint_url == "http://127.0.0.1:9"


@pytest.mark.usefixtures("local_credentials")
def test_new_credentials_in_the_environment_get_a_new_client(monkeypatch: pytest.MonkeyPatch) -> None:
    before = aws_client("s3", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "second")
    after = aws_client("s3", "us-east-1")
    assert after is not before
    assert after._request_signer._credentials.access_key == "second"


@pytest.mark.usefixtures("local_credentials")
def test_rekognition_clients_leave_retries_to_the_gateway() -> None:
    assert aws_client("rekognition", "us-east-1").meta.config.retries["total_max_attempts"] == 1


@pytest.mark.usefixtures("local_credentials")
def test_threads_asking_at_once_share_one_client(sessions_built: list[object]) -> None:
    start = threading.Barrier(8)
    clients: list[Any] = []

    def ask() -> None:
        start.wait()
        clients.append(aws_client("sqs", "us-east-1"))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(client) for client in clients}) == 1
    assert len(sessions_built) == 1


@pytest.mark.usefixtures("local_credentials")
def test_reset_forgets_the_cached_clients() -> None:
    before = aws_client("s3", "us-east-1")
    reset_clients()
    assert aws_client("s3", "us-east-1") is not before
