"""Images verifications and documents work on: checked on arrival, kept in the tenant's storage, calls audited."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from audit.recording import record_aws_call
from config.errors import UpstreamUnavailable
from tenants.models import Tenant
from tenants.storage import TenantStorage
from vision.errors import InvalidS3Object
from vision.validation import check_image_bytes, check_s3_object


@dataclass(frozen=True)
class ImageInput:
    """An image as uploaded bytes, or as an object in the tenant's own bucket under its prefix."""

    data: bytes | None = None
    s3_bucket: str = ""
    s3_name: str = ""
    s3_version: str = ""


def checked_image(tenant: Tenant, image: ImageInput, role: str) -> dict[str, Any]:
    """The VerificationImage fields for ``image``, after the checks that need no AWS call."""
    if image.data is not None:
        checked = check_image_bytes(image.data)
        return {"role": role, "data": checked.data, "sha256": hashlib.sha256(checked.data).hexdigest()}
    s3_object = {"Bucket": image.s3_bucket, "Name": image.s3_name}
    # Bucket and prefix only: whether the object exists is checked when the worker sends it,
    # since no AWS call may happen inside the request's transaction.
    check_s3_object(s3_object, tenant=tenant, max_bytes=None)
    if not image.s3_name.startswith(tenant.storage_prefix):
        raise InvalidS3Object(f"Images must be stored under the tenant's prefix {tenant.storage_prefix!r}.")
    return {"role": role, "s3_bucket": image.s3_bucket, "s3_name": image.s3_name, "s3_version": image.s3_version}


def store_object(tenant: Tenant, name: str, data: bytes) -> dict[str, str]:
    """``data`` put in the tenant's storage under ``name`` (SSE-KMS under its key), audited: its location fields."""
    storage = TenantStorage(tenant)
    key = storage.key(name)
    storage_call(tenant, "PutObject", tenant.storage_bucket, key, lambda _: storage.put(name, data))
    return {"s3_bucket": tenant.storage_bucket, "s3_name": key, "s3_version": ""}


def storage_call(tenant: Tenant, operation: str, bucket: str, key: str, call: Any) -> None:
    """One call on the tenant's storage, audited whatever its outcome."""
    try:
        call(TenantStorage(tenant).name_of(key))
    except (BotoCoreError, ClientError) as exc:
        storage_audited(tenant, operation, {"Bucket": bucket, "Key": key}, exc)
        raise UpstreamUnavailable("The tenant's storage could not be reached.") from exc
    storage_audited(tenant, operation, {"Bucket": bucket, "Key": key}, None)


def storage_audited(
    tenant: Tenant, operation: str, parameters: dict[str, str], error: BotoCoreError | ClientError | None
) -> None:
    """The storage call's audit event, with the error's code when it failed."""
    code = None
    if error is not None:
        code = error.response["Error"].get("Code", "") if isinstance(error, ClientError) else type(error).__name__
    record_aws_call(
        tenant=tenant,
        service="s3",
        operation=operation,
        request_parameters=parameters,
        response_elements=None,
        error_code=code,
    )
