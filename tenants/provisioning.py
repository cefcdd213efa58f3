"""Provisioning a tenant: its KMS key, its encrypted storage, its collections and first API key,
the compensation when that fails, and reconciling an existing tenant's AWS resources."""

from __future__ import annotations

import functools
import logging
import secrets
from typing import Any

from botocore import xform_name
from botocore.exceptions import ClientError
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from audit.recording import record_aws_call
from config.aws import aws_client
from config.errors import Conflict, InvalidInput
from tenants import envelope
from tenants.models import Tenant
from tenants.scope import require_scope
from tenants.services import IssuedKey, apikey_create
from vision.models import FaceCollection, collection_name
from vision.services import collection_create, collections_ensure

logger = logging.getLogger(__name__)

KMS_KEY_DELETION_WINDOW_DAYS = 7


def _new_account_id() -> str:
    while True:
        candidate = f"{secrets.randbelow(10**12):012d}"
        if not Tenant.objects.filter(account_id=candidate).exists():
            return candidate


class _AwsCalls:
    """Makes provisioning's AWS calls and keeps them for the audit log.

    The calls happen before the tenant row exists, so they are recorded once it does (in the
    same transaction), or as platform events when provisioning fails.
    """

    def __init__(self, region: str) -> None:
        self.region = region
        self.made: list[dict[str, Any]] = []

    def __call__(self, service: str, operation: str, **params: Any) -> Any:
        method = getattr(aws_client(service, self.region), xform_name(operation))
        call: dict[str, Any] = {"service": service, "operation": operation, "request_parameters": params}
        try:
            response = method(**params)
        except ClientError as exc:
            self.made.append(call | {"response_elements": None, "error_code": exc.response["Error"]["Code"]})
            raise
        elements = {k: v for k, v in response.items() if k != "ResponseMetadata"}
        self.made.append(call | {"response_elements": elements})
        return response

    def record(self, tenant: Tenant | None) -> None:
        """Record the calls made so far, in the caller's transaction; forgotten once it commits.

        Should that transaction roll back, they are still here for the compensation to record.
        """
        for call in self.made:
            record_aws_call(tenant=tenant, **call)
        made = self.made
        transaction.on_commit(made.clear)


def _new_kms_key(tenant: Tenant, aws: _AwsCalls) -> dict[str, Any]:
    key: dict[str, Any] = aws(
        "kms",
        "CreateKey",
        Description=f"Verity tenant {tenant.slug}",
        KeyUsage="ENCRYPT_DECRYPT",
        Tags=[{"TagKey": "verity:tenant", "TagValue": tenant.slug}],
    )["KeyMetadata"]
    # A yearly new key version, kept alongside the old ones: what the old ones encrypted stays readable.
    aws("kms", "EnableKeyRotation", KeyId=key["KeyId"])
    return key


def _create_kms_key(tenant: Tenant, aws: _AwsCalls) -> str:
    key = _new_kms_key(tenant, aws)
    aws("kms", "CreateAlias", AliasName=f"alias/verity/{tenant.slug}", TargetKeyId=key["KeyId"])
    return str(key["Arn"])


def _create_storage(tenant: Tenant, aws: _AwsCalls) -> None:
    create_args: dict[str, Any] = {"Bucket": tenant.storage_bucket}
    if tenant.region != "us-east-1":
        create_args["CreateBucketConfiguration"] = {"LocationConstraint": tenant.region}
    aws("s3", "CreateBucket", **create_args)
    aws(
        "s3",
        "PutPublicAccessBlock",
        Bucket=tenant.storage_bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    _set_bucket_encryption(tenant, aws)


def _set_bucket_encryption(tenant: Tenant, aws: _AwsCalls) -> None:
    aws(
        "s3",
        "PutBucketEncryption",
        Bucket=tenant.storage_bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": tenant.kms_key_arn,
                    },
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )


def _delete_collections(tenant: Tenant, aws: _AwsCalls) -> None:
    """Delete the shard collections a failed provisioning may have created.

    Not through the gateway: the tenant row was rolled back, so these are platform events, like
    the KMS and S3 compensation. The names carry the new tenant's public id, so nothing else can
    own them.
    """
    for shard in range(tenant.shard_count):
        name = collection_name(tenant=tenant, shard=shard)
        try:
            aws("rekognition", "DeleteCollection", CollectionId=name)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ResourceNotFoundException":
                logger.exception("Could not delete collection %s after failed provisioning", name)
        except Exception:
            logger.exception("Could not delete collection %s after failed provisioning", name)


def _undo_provisioning(tenant: Tenant, aws: _AwsCalls) -> None:
    """Best-effort compensation so a failed provisioning leaves no orphaned collection, key or bucket."""
    _delete_collections(tenant, aws)
    if tenant.storage_bucket:
        try:
            aws("s3", "DeleteBucket", Bucket=tenant.storage_bucket)
        except Exception:
            logger.exception("Could not delete bucket %s after failed provisioning", tenant.storage_bucket)
    if tenant.kms_key_arn:
        try:
            aws("kms", "DeleteAlias", AliasName=f"alias/verity/{tenant.slug}")
            # The bare key id works everywhere (moto's mock does not resolve ARNs here).
            key_id = tenant.kms_key_arn.rsplit("/", 1)[-1]
            aws("kms", "ScheduleKeyDeletion", KeyId=key_id, PendingWindowInDays=KMS_KEY_DELETION_WINDOW_DAYS)
        except Exception:
            logger.exception("Could not schedule deletion of %s after failed provisioning", tenant.kms_key_arn)
    aws.record(None)


def tenant_create(*, slug: str, name: str, region: str | None = None, shard_count: int = 1) -> IssuedKey:
    """Create a tenant with its KMS key, its encrypted storage and a first live API key."""
    if Tenant.objects.filter(slug=slug).exists():
        raise Conflict(f"A tenant with slug {slug!r} already exists.", code="tenant_exists")
    account_id = _new_account_id()
    tenant = Tenant(
        slug=slug,
        name=name,
        account_id=account_id,
        region=region or settings.AWS_DEFAULT_REGION,
        shard_count=shard_count,
    )
    tenant.storage_bucket = f"{settings.VERITY_STORAGE_BUCKET_PREFIX}-{account_id}-{tenant.region}"
    tenant.storage_prefix = "verity/"
    require_scope(platform=True)
    try:
        tenant.full_clean()
    except ValidationError as exc:
        raise InvalidInput(
            "The tenant is not valid.", code="invalid_tenant", extra={"errors": exc.message_dict}
        ) from exc

    # What to undo if anything below fails (no shards: no collection exists yet).
    provisioned = Tenant(slug=slug, region=tenant.region, public_id=tenant.public_id, shard_count=0)
    aws = _AwsCalls(tenant.region)
    try:
        # Every AWS call first, outside any transaction; then the rows, in one short transaction.
        tenant.kms_key_arn = _create_kms_key(tenant, aws)
        provisioned.kms_key_arn = tenant.kms_key_arn
        _create_storage(tenant, aws)
        provisioned.storage_bucket = tenant.storage_bucket
        provisioned.shard_count = tenant.shard_count
        collections = [
            collection_create(functools.partial(aws, "rekognition"), tenant=tenant, shard=shard)
            for shard in range(tenant.shard_count)
        ]
        with transaction.atomic():
            tenant.save()
            aws.record(tenant)
            FaceCollection.objects.bulk_create(collections)
            return apikey_create(tenant=tenant, name="first key")
    except IntegrityError as exc:
        _undo_provisioning(provisioned, aws)
        raise Conflict(f"A tenant with slug {slug!r} already exists.", code="tenant_exists") from exc
    except BaseException:
        _undo_provisioning(provisioned, aws)
        raise


def test_tenant_ensure(*, tenant: Tenant) -> Tenant:
    """The tenant's test-mode twin (docs/test-mode.md), made the first time it is asked for.

    The twin is a tenant of its own, so tenancy (scoped managers, row-level security, quotas,
    collections, the audit chain) keeps test data apart from live data with no rule of its own.
    It shares the live tenant's region, KMS key and bucket (under ``<prefix>-test/``, beside the live prefix); its
    Rekognition calls go to the local endpoint only (vision.testmode). Its collections are made by
    the caller, in the twin's scope (``vision.services.collections_ensure``).
    """
    require_scope(platform=True)
    if not tenant.livemode:
        return tenant
    existing = Tenant.objects.filter(live_tenant=tenant).first()
    if existing is not None:
        return existing
    twin = Tenant(
        slug=f"test-{tenant.public_id.removeprefix('ten_')}",
        name=f"{tenant.name} (test mode)"[:200],
        account_id=_new_account_id(),
        region=tenant.region,
        status=tenant.status,
        kms_key_arn=tenant.kms_key_arn,
        storage_bucket=tenant.storage_bucket,
        # Beside the live prefix, not inside it: a live key's S3 references stay out of test data.
        storage_prefix=f"{tenant.storage_prefix.rstrip('/')}-test/",
        shard_count=1,
        rate_quotas=tenant.rate_quotas,
        api_rate_quota=tenant.api_rate_quota,
        live_tenant=tenant,
    )
    try:
        with transaction.atomic():
            twin.save()
    except IntegrityError:  # made meanwhile by a concurrent first request
        return Tenant.objects.get(live_tenant=tenant)
    return twin


def tenant_reconcile(*, tenant: Tenant) -> list[str]:
    """Recreate a tenant's KMS key alias and storage if they are missing; say what was repaired.

    Local runs keep AWS state in memory (moto_server), so an existing tenant may have lost them;
    in production this finds drift, e.g. a bucket deleted by hand.
    """
    require_scope(tenant)
    repaired: list[str] = []
    collections_before = FaceCollection.objects.count()
    aws = _AwsCalls(tenant.region)
    kms = aws_client("kms", tenant.region)
    try:
        kms.describe_key(KeyId=f"alias/verity/{tenant.slug}")
    except kms.exceptions.NotFoundException:
        tenant.kms_key_arn = _create_kms_key(tenant, aws)
        tenant.save(update_fields=["kms_key_arn"])
        repaired.append("kms_key")
    s3 = aws_client("s3", tenant.region)
    try:
        s3.head_bucket(Bucket=tenant.storage_bucket)
    except s3.exceptions.ClientError as exc:
        if exc.response["Error"]["Code"] not in ("404", "NoSuchBucket"):
            raise
        _create_storage(tenant, aws)
        repaired.append("storage")
    aws.record(tenant)
    if len(collections_ensure(tenant=tenant)) > collections_before:
        repaired.append("collections")
    return repaired


def tenant_rekey(*, tenant: Tenant) -> str:
    """Give the tenant a new KMS key for everything encrypted from now on; the new key's ARN.

    The alias ``alias/verity/<slug>`` and the bucket's default encryption move to a new key (with
    automatic rotation). The old key is left enabled: S3 objects and sealed fields name the key that
    encrypted them, so they stay readable; schedule its deletion only once nothing needs it. Data
    keys this process cached from the old key are dropped (other processes drop theirs within
    ``tenants.envelope.KEY_CACHE_SECONDS``).
    """
    require_scope(tenant)
    aws = _AwsCalls(tenant.region)
    previous = tenant.kms_key_arn
    key = _new_kms_key(tenant, aws)
    aws("kms", "UpdateAlias", AliasName=f"alias/verity/{tenant.slug}", TargetKeyId=key["KeyId"])
    tenant.kms_key_arn = str(key["Arn"])
    _set_bucket_encryption(tenant, aws)
    with transaction.atomic():
        Tenant.objects.filter(pk=tenant.pk).update(kms_key_arn=tenant.kms_key_arn)
        aws.record(tenant)
    envelope.forget_tenant_keys(tenant)
    logger.info("Tenant %s re-keyed from %s to %s", tenant.slug, previous, tenant.kms_key_arn)
    return tenant.kms_key_arn
