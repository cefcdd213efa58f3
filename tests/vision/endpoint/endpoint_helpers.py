"""Helpers of the local Rekognition endpoint tests: clients, photos, derived images."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import boto3
import cv2
import numpy as np
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from django.db import connections

T = TypeVar("T")

PHOTOS = Path(__file__).resolve().parents[2] / "fixtures" / "faces"
REGION = "us-east-1"
SECRET = "local-secret"

# The key pairs the in-process endpoint accepts (its ``secret_for`` is ``ACCEPTED_KEYS.get``):
# every test signs with keys of its own, registered here.
ACCEPTED_KEYS: dict[str, str] = {}

# Endpoint tests share one in-process server (keep them on one xdist worker) and need the test
# database to exist (see conftest.py: the server never sees the test's transaction).
ENDPOINT_TESTS = [pytest.mark.xdist_group("rekognition_endpoint"), pytest.mark.django_db]


def new_access_key() -> str:
    """A key id the endpoint accepts (with ``SECRET``), and no other test uses."""
    access_key = "AKIALOCAL" + uuid.uuid4().hex[:11].upper()
    ACCEPTED_KEYS[access_key] = SECRET
    return access_key


def rekognition_client(url: str, access_key: str, *, attempts: int = 1, secret: str = SECRET) -> Any:
    return boto3.client(
        "rekognition",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret,
        config=Config(retries={"mode": "standard", "total_max_attempts": attempts}),
    )


def post(
    url: str,
    target: str,
    body: bytes,
    access_key: str | None = None,
    *,
    secret: str = SECRET,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    """A raw JSON 1.1 request (SigV4-signed when a key is given), for what boto3 cannot send.

    Returns the status and the decoded body.
    """
    signed = AWSRequest(
        method="POST",
        url=url,
        data=body,
        headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target},
    )
    if access_key is not None:
        SigV4Auth(Credentials(access_key, secret), "rekognition", REGION).add_auth(signed)
    request = Request(  # noqa: S310 - the http URL of the in-process test server
        url, data=body, method="POST", headers={**dict(signed.headers.items()), **(headers or {})}
    )
    try:
        with urlopen(request) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except HTTPError as error:
        return error.code, json.loads(error.read())


def photo(name: str) -> bytes:
    return (PHOTOS / f"{name}.jpg").read_bytes()


def image(name: str) -> np.ndarray:
    decoded = cv2.imdecode(np.frombuffer(photo(name), np.uint8), cv2.IMREAD_COLOR)
    assert decoded is not None
    return decoded


def jpeg(pixels: np.ndarray) -> bytes:
    ok, encoded = cv2.imencode(".jpg", pixels)
    assert ok
    return encoded.tobytes()


def committed(work: Callable[[], T]) -> T:
    """Run ORM code on a connection of its own, committed at once, so the endpoint sees it.

    The test's own connection is inside the test transaction: rows it changed would be invisible
    to the server and locked against it.
    """

    def run() -> T:
        try:
            return work()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()
