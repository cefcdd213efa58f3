"""Fixtures for the audit log tests: committed data in other connections, the owner's connection, S3.

Most tests run inside pytest-django's rolled-back transaction. Concurrency and tampering need
rows other connections can see, so those helpers commit in a thread of their own (its own
Django connection); audit rows can never be deleted, so each such test uses a fresh tenant.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection

from tenants.aws import aws_client
from tenants.models import Tenant
from tests.committed import in_own_connection


def _delete_tenant_row(tenant_id: int) -> None:
    # Raw SQL: the ORM would first look for the tenant's (undeletable) audit rows.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM tenants_tenant WHERE id = %s", [tenant_id])


@pytest.fixture
def committed_tenant(db: None) -> Iterator[Callable[..., Tenant]]:
    """Create tenants other connections can see; they are removed again after the test.

    Their audit rows stay (nothing can delete them), invisible to every other tenant's scope.
    Slugs and account ids stay clear of TenantFactory's.
    """
    created: list[Tenant] = []

    def create(**fields: Any) -> Tenant:
        suffix = secrets.token_hex(4)
        values = {
            "slug": f"audit-{suffix}",
            "name": f"Audit test {suffix}",
            "account_id": f"9{secrets.randbelow(10**11):011d}",
            "region": "eu-west-1",
            "storage_bucket": f"verity-audit-{suffix}",
            "storage_prefix": "verity/",
        } | fields
        tenant = in_own_connection(Tenant.objects.create, **values)
        created.append(tenant)
        return tenant

    yield create
    for tenant in created:
        in_own_connection(_delete_tenant_row, tenant.pk)


@pytest.fixture
def tenant_bucket(aws: None) -> Callable[[Tenant], None]:
    """Create a tenant's storage bucket in moto."""

    def create(tenant: Tenant) -> None:
        args: dict[str, Any] = {"Bucket": tenant.storage_bucket}
        if tenant.region != "us-east-1":
            args["CreateBucketConfiguration"] = {"LocationConstraint": tenant.region}
        aws_client("s3", tenant.region).create_bucket(**args)

    return create
