"""The local Rekognition endpoint served from a thread of the test process, reached with plain boto3.

The server's threads open their own database connections, so they never see a test's
transaction and everything they write is committed to the test database. Tests are marked
``django_db`` only so that the test database exists and database access is unblocked while they
run; each isolates itself by signing with a fresh access key (an "account" of its own), and the
tables are emptied when the session starts. The server threads are in this process, so moto's
``mock_aws`` (the ``aws`` fixture) also answers the S3 and SNS calls they make.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.vision.endpoint.endpoint_helpers import new_access_key, post, rekognition_client


@pytest.fixture
def access_key() -> str:
    return new_access_key()


@pytest.fixture
def rekognition(rekognition_endpoint: str, access_key: str) -> Any:
    """A boto3 Rekognition client of an account no other test uses."""
    return rekognition_client(rekognition_endpoint, access_key)


@pytest.fixture
def local_call(rekognition_endpoint: str, access_key: str) -> Callable[..., tuple[int, dict[str, Any]]]:
    """POST a local-only (VerityLocal.*) operation as the same account as ``rekognition``."""

    def call(operation: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return post(rekognition_endpoint, f"VerityLocal.{operation}", json.dumps(body).encode(), access_key)

    return call
