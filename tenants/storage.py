"""The tenant's storage, through django-storages: its bucket and prefix, SSE-KMS under its key, private.

Every object Verity stores for a tenant (moderation uploads, audit trail files and exports) is
written through ``TenantStorage``: names are relative to the tenant's prefix and cannot leave it,
each object is encrypted with SSE-KMS under the tenant's own key (``alias/verity/<slug>``'s ARN,
named on every write, not left to the bucket's default), nothing is public (the bucket blocks
public access; no ACL is set), and reads are short-lived presigned URLs. Its boto3 calls go
through the process's one client factory (``config.aws``).
"""

from __future__ import annotations

from typing import IO, Any

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile, File
from storages.backends.s3 import S3Storage

from config.aws import aws_resource
from tenants.models import Tenant

LINK_SECONDS = 300


class TenantStorage(S3Storage):
    def __init__(self, tenant: Tenant, *, bucket: str = "", link_seconds: int = LINK_SECONDS) -> None:
        self.tenant = tenant
        encryption = {"ServerSideEncryption": "aws:kms"}
        if tenant.kms_key_arn:
            encryption["SSEKMSKeyId"] = tenant.kms_key_arn
        super().__init__(
            bucket_name=bucket or tenant.storage_bucket,
            location=tenant.storage_prefix.rstrip("/"),
            region_name=tenant.region,
            default_acl=None,
            file_overwrite=True,
            querystring_auth=True,
            querystring_expire=link_seconds,
            object_parameters=encryption,
        )

    @property
    def connection(self) -> Any:
        return aws_resource("s3", self.tenant.region)

    def key(self, name: str) -> str:
        """The object key ``name`` is stored under (the tenant's prefix and the name)."""
        return str(self._normalize_name(name))

    def name_of(self, key: str) -> str:
        """The name under the prefix of an object key; refused when the key is not under it."""
        if not key.startswith(self.tenant.storage_prefix):
            raise SuspiciousFileOperation(f"{key!r} is outside the tenant's storage prefix.")
        return key.removeprefix(self.tenant.storage_prefix)

    def put(self, name: str, data: bytes | IO[bytes], *, content_type: str | None = None) -> str:
        """Store ``data`` (bytes or a file) as ``name`` under the prefix, replacing what was there; the key."""
        file = ContentFile(data) if isinstance(data, bytes) else File(data, name=name)
        if content_type:  # django-storages reads it from the file, else guesses from the name
            setattr(file, "content_type", content_type)  # noqa: B010
        self.save(name, file)
        return self.key(name)
