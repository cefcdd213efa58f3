"""The one factory of boto3 clients: built on first use (never at import time), cached, shared.

Endpoints and credentials follow boto3's own conventions (``AWS_ENDPOINT_URL``,
``AWS_ENDPOINT_URL_<SERVICE>``, the default credential chain), so the same code talks to AWS, to
``moto_server`` and the local Rekognition endpoint in local runs, and to moto's mock in tests.
Building a client costs tens of milliseconds and boto3 clients are thread-safe, so one client
per service, region, endpoint and credentials source serves the whole process; a change of
endpoint or credentials in the environment gets a client of its own. ``reset_clients()``
forgets them all (tests call it when moto or a Stubber comes and goes).
"""

from __future__ import annotations

import hashlib
import os
import threading
from typing import Any

import boto3
from botocore.config import Config
from django.conf import settings

_DEFAULT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=30)

# Environment variables that choose the credentials boto3's default chain resolves.
_CREDENTIAL_VARIABLES = (
    "AWS_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONFIG_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)

_lock = threading.Lock()
_clients: dict[tuple[str, ...], Any] = {}


def _client_config(service: str) -> Config:
    if service == "rekognition":
        # botocore's own retries are off: the gateway (vision/gateway.py) retries, so that every
        # attempt takes a token from the tenant's quota and is counted, and retries do not multiply.
        return Config(
            retries={"total_max_attempts": 1, "mode": "standard"},
            connect_timeout=getattr(settings, "VERITY_VISION_CONNECT_TIMEOUT", 3.0),
            read_timeout=getattr(settings, "VERITY_VISION_READ_TIMEOUT", 20.0),
            # Searches fan out over every shard in parallel; the default pool of 10 would queue them.
            max_pool_connections=getattr(settings, "VERITY_VISION_MAX_POOL_CONNECTIONS", 32),
            tcp_keepalive=True,
        )
    if service == "s3":
        # Presigned links use Signature Version 4: the only one S3 accepts for objects encrypted
        # under a KMS key, and the only one in regions opened since 2014.
        return _DEFAULT_CONFIG.merge(Config(signature_version="s3v4"))
    return _DEFAULT_CONFIG


def _endpoint(service: str) -> str:
    specific = "AWS_ENDPOINT_URL_" + service.upper().replace("-", "_").replace(" ", "_")
    return os.environ.get(specific) or os.environ.get("AWS_ENDPOINT_URL") or ""


def _credentials_source() -> str:
    # A digest, so that no secret is kept in the key itself.
    values = "\0".join(os.environ.get(name, "") for name in _CREDENTIAL_VARIABLES)
    return hashlib.sha256(values.encode()).hexdigest()


def aws_client(
    service: str,
    region: str | None = None,
    *,
    endpoint_url: str | None = None,
    credentials: tuple[str, str] | None = None,
) -> Any:
    """The process's boto3 client for ``service`` in ``region`` (default: ``AWS_DEFAULT_REGION``).

    ``endpoint_url`` and ``credentials`` (access key, secret) override the environment's, for a
    client of a fixed endpoint (test mode's local Rekognition endpoint).
    """
    source = hashlib.sha256("\0".join(credentials).encode()).hexdigest() if credentials else _credentials_source()
    key = (service, region or settings.AWS_DEFAULT_REGION, endpoint_url or _endpoint(service), source)
    client = _clients.get(key)
    if client is None:
        with _lock:  # boto3 sessions are not thread-safe to build; a client is built once
            client = _clients.get(key)
            if client is None:
                extra: dict[str, Any] = {"endpoint_url": endpoint_url} if endpoint_url else {}
                if credentials:
                    extra |= {"aws_access_key_id": credentials[0], "aws_secret_access_key": credentials[1]}
                client = boto3.session.Session().client(
                    service,  # type: ignore[call-overload]
                    region_name=key[1],
                    config=_client_config(service),
                    **extra,
                )
                _clients[key] = client
    return client


def reset_clients() -> None:
    """Forget every cached client, e.g. after moto's mock, a Stubber or settings changed."""
    with _lock:
        _clients.clear()
        _resources.clear()


_resources: dict[tuple[str, ...], Any] = {}


def aws_resource(service: str, region: str | None = None) -> Any:
    """A boto3 resource whose calls go through ``aws_client``'s client (django-storages needs resources)."""
    client = aws_client(service, region)
    key = (service, region or settings.AWS_DEFAULT_REGION, str(id(client)))
    resource = _resources.get(key)
    if resource is None:
        with _lock:
            resource = _resources.get(key)
            if resource is None:
                resource = boto3.session.Session().resource(service, region_name=key[1])  # type: ignore[call-overload]
                resource.meta.client = client  # one client, one configuration, one set of credentials
                _resources[key] = resource
    return resource
