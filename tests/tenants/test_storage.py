"""The tenant's storage (django-storages): under its prefix only, SSE-KMS under its key, private, presigned reads."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import SuspiciousFileOperation, SuspiciousOperation
from django.core.management import CommandError, call_command

from config.aws import aws_client
from tenants import envelope
from tenants.models import Tenant
from tenants.scope import tenant_scope
from tenants.storage import TenantStorage
from tests.factories import provision

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("aws_and_rekognition")]


@pytest.fixture
def tenant() -> Tenant:
    provision(slug="stored-bank", name="Stored Bank")
    return Tenant.objects.get(slug="stored-bank")


def test_an_object_is_written_under_the_prefix_encrypted_with_the_tenants_key_and_private(tenant: Tenant) -> None:
    key = TenantStorage(tenant).put("uploads/a.bin", b"bytes")

    assert key == f"{tenant.storage_prefix}uploads/a.bin"
    s3 = aws_client("s3", tenant.region)
    stored = s3.head_object(Bucket=tenant.storage_bucket, Key=key)
    assert (stored["ServerSideEncryption"], stored["SSEKMSKeyId"]) == ("aws:kms", tenant.kms_key_arn)
    grants = s3.get_object_acl(Bucket=tenant.storage_bucket, Key=key)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]  # the owner's, and nobody else's
    assert "URI" not in grants[0]["Grantee"]  # no AllUsers / AuthenticatedUsers group


def test_a_name_cannot_leave_the_tenants_prefix(tenant: Tenant) -> None:
    storage = TenantStorage(tenant)

    with pytest.raises(SuspiciousOperation):
        storage.put("../other-tenant/x", b"no")
    with pytest.raises(SuspiciousFileOperation):
        storage.name_of("other-tenant/x")
    assert storage.name_of(f"{tenant.storage_prefix}audit/x") == "audit/x"


def test_reads_are_short_lived_presigned_links(tenant: Tenant) -> None:
    storage = TenantStorage(tenant, link_seconds=120)
    storage.put("uploads/b.bin", b"bytes")

    url = storage.url("uploads/b.bin")

    assert "X-Amz-Signature=" in url
    assert "X-Amz-Expires=120" in url
    assert f"/{tenant.storage_prefix}uploads/b.bin" in url


def test_a_rekeyed_tenant_encrypts_new_objects_and_fields_with_the_new_key_and_still_reads_the_old(
    tenant: Tenant,
) -> None:
    old_key = tenant.kms_key_arn
    storage = TenantStorage(tenant)
    storage.put("uploads/before.bin", b"before")
    with tenant_scope(tenant):
        sealed = envelope.seal(tenant, b"old secret", record="verification.document/doc_1")

    call_command("tenant_rekey", tenant.slug, stdout=io.StringIO())

    tenant.refresh_from_db()
    assert tenant.kms_key_arn != old_key
    kms = aws_client("kms", tenant.region)
    assert kms.describe_key(KeyId=f"alias/verity/{tenant.slug}")["KeyMetadata"]["Arn"] == tenant.kms_key_arn
    assert kms.get_key_rotation_status(KeyId=tenant.kms_key_arn.rsplit("/", 1)[-1])["KeyRotationEnabled"]
    assert kms.describe_key(KeyId=old_key.rsplit("/", 1)[-1])["KeyMetadata"]["KeyState"] == "Enabled"
    s3 = aws_client("s3", tenant.region)
    after_key = TenantStorage(tenant).put("uploads/after.bin", b"after")
    assert s3.head_object(Bucket=tenant.storage_bucket, Key=after_key)["SSEKMSKeyId"] == tenant.kms_key_arn
    before = s3.get_object(Bucket=tenant.storage_bucket, Key=f"{tenant.storage_prefix}uploads/before.bin")
    assert (before["SSEKMSKeyId"], before["Body"].read()) == (old_key, b"before")
    default = s3.get_bucket_encryption(Bucket=tenant.storage_bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert default["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] == tenant.kms_key_arn
    envelope.forget_keys()  # as in another process
    with tenant_scope(tenant):
        assert envelope.unseal(tenant, sealed, record="verification.document/doc_1") == b"old secret"
        fresh = envelope.seal(tenant, b"new secret", record="verification.document/doc_2")
    assert fresh.split(":")[1] != sealed.split(":")[1]  # a data key from the new key


def test_rekeying_an_unknown_tenant_is_refused() -> None:
    with pytest.raises(CommandError, match="No active tenant 'nobody'"):
        call_command("tenant_rekey", "nobody")
