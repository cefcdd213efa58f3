"""The boto3 clients the gateway uses, built on first use (never at import time) and reused.

Endpoints and credentials follow boto3's own conventions: ``AWS_ENDPOINT_URL_REKOGNITION`` (the
local Rekognition-compatible endpoint) and ``AWS_ENDPOINT_URL`` are read by botocore itself, and
credentials come from the default chain. Clients are cached per region because building one
costs tens of milliseconds, far more than the gateway's whole budget; boto3 clients are
thread-safe, so one per process and region is enough.
"""

from __future__ import annotations

import functools
from typing import Any

import boto3
from botocore.config import Config
from django.conf import settings

from tenants.aws import aws_client


def _rekognition_config() -> Config:
    # botocore's own retries are off: the gateway retries, so that every attempt takes a token
    # from the tenant's quota and is counted, and so retries are not multiplied (3 x 4 attempts).
    return Config(
        retries={"total_max_attempts": 1, "mode": "standard"},
        connect_timeout=getattr(settings, "VERITY_VISION_CONNECT_TIMEOUT", 3.0),
        read_timeout=getattr(settings, "VERITY_VISION_READ_TIMEOUT", 20.0),
        # Searches fan out over every shard in parallel; the default pool of 10 would queue them.
        max_pool_connections=getattr(settings, "VERITY_VISION_MAX_POOL_CONNECTIONS", 32),
        tcp_keepalive=True,
    )


@functools.cache
def rekognition_client(region: str) -> Any:
    """The process's Rekognition client for ``region`` (moto or a Stubber must be active first in tests)."""
    return boto3.session.Session().client("rekognition", region_name=region, config=_rekognition_config())


@functools.cache
def s3_client(region: str) -> Any:
    """The process's S3 client for ``region``, used to check image objects before a call."""
    return aws_client("s3", region)


def reset_clients() -> None:
    """Forget the cached clients, e.g. after credentials, endpoints or moto's mock changed."""
    rekognition_client.cache_clear()
    s3_client.cache_clear()
