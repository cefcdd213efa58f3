"""Where audit files go in a tenant's own bucket: the hourly trail, exports, and download links.

Keys inside a CloudTrail export are relative to its root (``AWSLogs/...``), exactly as in a
local directory export; the root is a prefix in the tenant's bucket:

    <storage_prefix>audit/trail/AWSLogs/...              hourly delivery with signed digests
    <storage_prefix>audit/exports/<export id>/AWSLogs/... an export to S3 (CloudTrail layout)
    <storage_prefix>audit/exports/<export id>.tar|.csv    a downloadable export (API, admin)

so ``aws s3 sync s3://<bucket>/<prefix> DIR`` followed by ``manage.py audit_validate DIR``
validates any of them.
"""

from __future__ import annotations

import io
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO

from config.aws import aws_client
from tenants.models import Tenant
from tenants.storage import TenantStorage

TRAIL_FOLDER = "audit/trail/"
EXPORT_FOLDER = "audit/exports/"
DOWNLOAD_LINK_SECONDS = 3600
# Spooled in memory up to this size, then on disk: a year of a busy tenant does not fit in RAM.
_SPOOL_BYTES = 64 * 1024 * 1024


def trail_prefix(tenant: Tenant) -> str:
    return f"{tenant.storage_prefix}{TRAIL_FOLDER}"


def export_prefix(tenant: Tenant, export_id: str) -> str:
    return f"{tenant.storage_prefix}{EXPORT_FOLDER}{export_id}/"


def export_bundle_key(tenant: Tenant, export_id: str, extension: str) -> str:
    return f"{tenant.storage_prefix}{EXPORT_FOLDER}{export_id}.{extension}"


class S3Sink:
    """An export sink writing each object under ``prefix`` (a key under the tenant's storage prefix)
    through the tenant's storage: SSE-KMS under its key, private.

    boto3 clients are thread-safe, and the export's writer threads share this one.
    """

    def __init__(self, *, tenant: Tenant, bucket: str, prefix: str) -> None:
        self._storage = TenantStorage(tenant, bucket=bucket)
        self._name = self._storage.name_of(prefix)

    def put(self, key: str, data: bytes) -> None:
        self._storage.put(self._name + key, data)


class TarBundle:
    """An export sink collecting every object into one uncompressed tar (members are already gzip).

    Extracting it gives the same tree as a directory export, ready for ``audit_validate``.
    """

    def __init__(self) -> None:
        self._file = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115 - closed by upload()
        self._tar = tarfile.open(fileobj=self._file, mode="w")  # noqa: SIM115 - closed by upload()
        self._lock = threading.Lock()
        self._mtime = time.time()

    def put(self, key: str, data: bytes) -> None:
        info = tarfile.TarInfo(key)
        info.size = len(data)
        info.mtime = int(self._mtime)
        with self._lock:  # the export's writer threads call put concurrently
            self._tar.addfile(info, io.BytesIO(data))

    def upload(self, *, tenant: Tenant, bucket: str, key: str) -> None:
        self._tar.close()
        self._file.seek(0)
        try:
            storage = TenantStorage(tenant, bucket=bucket)
            storage.put(storage.name_of(key), self._file, content_type="application/x-tar")
        finally:
            self._file.close()


def upload_text_file(*, tenant: Tenant, bucket: str, key: str, write: Callable[[TextIO], int]) -> int:
    """Write a text file with ``write`` (spooled), upload it, and return what ``write`` returned."""
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES, mode="w+b") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        result = write(text)
        text.flush()
        raw.seek(0)
        storage = TenantStorage(tenant, bucket=bucket)
        storage.put(storage.name_of(key), raw, content_type="text/csv")
        text.detach()
    return result


def download_link(*, tenant: Tenant, bucket: str, key: str, expires_in: int = DOWNLOAD_LINK_SECONDS) -> str:
    """A presigned GET for one object of the tenant's bucket."""
    client: Any = aws_client("s3", tenant.region)
    return str(client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires_in))
