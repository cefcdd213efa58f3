"""The tenant's storage (django-storages): under its prefix only, SSE-KMS under its key, private, presigned reads."""

from __future__ import annotations

import pytest
from django.core.exceptions import SuspiciousFileOperation, SuspiciousOperation

from config.aws import aws_client
from tenants.models import Tenant
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
