"""Fixtures for the audit log tests: committed data in other connections, the owner's connection, S3.

Most tests run inside pytest-django's rolled-back transaction. Concurrency and tampering need
rows other connections can see, so those helpers commit in a thread of their own (its own
Django connection); audit rows can never be deleted, so each such test uses a fresh tenant.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg
import pytest
from django.conf import settings
from django.db import connection, connections

from config.aws import aws_client
from tenants.models import Tenant

T = TypeVar("T")


def in_own_connection(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``function`` in a thread with its own database connection (autocommit), and return its result."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = function(*args, **kwargs)
        except BaseException as error:  # handed to the calling thread
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


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


@contextmanager
def owner_connection() -> Iterator[psycopg.Connection[Any]]:
    """The migration owner's connection to the test database: it can do what the app role cannot."""
    owner = settings.DATABASE_OWNER
    conninfo = {
        "host": owner["HOST"] or None,
        "port": owner["PORT"] or None,
        "user": owner["USER"],
        "password": owner["PASSWORD"] or None,
        "dbname": connection.settings_dict["NAME"],
    }
    with psycopg.connect(**{key: value for key, value in conninfo.items() if value}) as conn:
        yield conn


@pytest.fixture
def tenant_bucket(aws: None) -> Callable[[Tenant], None]:
    """Create a tenant's storage bucket in moto."""

    def create(tenant: Tenant) -> None:
        args: dict[str, Any] = {"Bucket": tenant.storage_bucket}
        if tenant.region != "us-east-1":
            args["CreateBucketConfiguration"] = {"LocationConstraint": tenant.region}
        aws_client("s3", tenant.region).create_bucket(**args)

    return create
