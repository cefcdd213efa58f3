"""Building boto3 clients, in one place and only when called (never at import time).

Endpoints follow boto3's own conventions: ``AWS_ENDPOINT_URL`` and
``AWS_ENDPOINT_URL_<SERVICE>`` are read by botocore itself, so the same code talks to AWS,
to ``moto_server`` in local runs, and to moto's in-process mock in tests.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from django.conf import settings

_CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=30)


def aws_client(service: str, region: str | None = None) -> Any:
    return boto3.session.Session().client(
        service,  # type: ignore[call-overload]
        region_name=region or settings.AWS_DEFAULT_REGION,
        config=_CLIENT_CONFIG,
    )
