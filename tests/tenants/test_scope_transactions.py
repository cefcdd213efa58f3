"""A scope spans short transactions: each carries the scope's role and tenant, nothing outlives it, and no
AWS call (provisioning, the gateway, an export) runs while a transaction is open.

These tests work on connections of their own (``in_own_connection``: autocommit, in a thread),
because inside pytest-django's test transaction every query is in an atomic block.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from botocore.client import BaseClient
from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

from audit.exports import export_request, export_run
from audit.identity import system_identity
from audit.models import ExportDestination
from tenants.models import Tenant
from tenants.scope import platform_scope, tenant_scope
from tenants.services import IssuedKey
from tests.committed import delete_tenant_as_owner, in_own_connection
from tests.factories import TenantFactory, provision

pytestmark = pytest.mark.django_db


def _setting() -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, coalesce(current_setting('verity.tenant_id', true), '')")
        user, tenant_id = cursor.fetchone()
    return str(user), str(tenant_id)


@pytest.fixture
def committed_tenant() -> Iterator[Tenant]:
    tenant = in_own_connection(TenantFactory)
    yield tenant
    delete_tenant_as_owner(tenant.pk)


def test_every_transaction_in_a_scope_carries_it_and_nothing_outlives_the_scope(committed_tenant: Tenant) -> None:
    def work() -> list[tuple[str, str]]:
        seen = [_setting()]  # before any scope
        with tenant_scope(committed_tenant):
            seen.append(_setting())  # a lone query: a short transaction of its own
            with transaction.atomic():
                seen.append(_setting())
            with transaction.atomic():  # a second transaction in the same scope
                seen.append(_setting())
        seen.append(_setting())  # the same (persistent) connection, after the scope
        with platform_scope(database="default"):
            seen.append(_setting())
        seen.append(_setting())
        return seen

    app, platform, tenant_id = settings.DATABASE_APP_ROLE, settings.DATABASE_PLATFORM_ROLE, str(committed_tenant.pk)
    outside = in_own_connection(_setting)
    assert in_own_connection(work) == [outside, *[(app, tenant_id)] * 3, outside, (platform, ""), outside]
    assert outside[1] == ""


def test_a_rolled_back_savepoint_does_not_leave_its_scope_behind(committed_tenant: Tenant) -> None:
    def work() -> tuple[str, str]:
        with tenant_scope(committed_tenant), transaction.atomic():
            try:
                with transaction.atomic():  # the scope's setting is first made inside this savepoint
                    assert _setting()[1] == str(committed_tenant.pk)
                    raise RuntimeError
            except RuntimeError:
                pass
            return _setting()

    assert in_own_connection(work) == (settings.DATABASE_APP_ROLE, str(committed_tenant.pk))


class AwsCalls(list[tuple[str, bool]]):
    """Every AWS call made, with whether the watched thread's connections were in a transaction.

    The calls may come from other threads (S3 uploads use a pool), so the watched thread names its
    connections with ``watch()`` first.
    """

    def __init__(self) -> None:
        super().__init__()
        self.watched: list[Any] = []

    def watch(self) -> None:
        self.watched[:] = [connections[alias] for alias in connections]

    def in_transaction(self) -> list[str]:
        return [operation for operation, in_transaction in self if in_transaction]


@pytest.fixture
def aws_calls(monkeypatch: pytest.MonkeyPatch) -> AwsCalls:
    calls = AwsCalls()
    real = BaseClient._make_api_call

    def watched(client: Any, operation: str, params: Any) -> Any:
        calls.append((operation, any(c.in_atomic_block for c in calls.watched)))
        return real(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", watched)
    return calls


@pytest.mark.usefixtures("aws_and_rekognition")
def test_provisioning_and_the_gateway_call_aws_outside_any_transaction(aws_calls: AwsCalls) -> None:
    def provision_watched() -> IssuedKey:
        aws_calls.watch()
        return provision(slug="no-transactions", name="No transactions", shard_count=2)

    issued = in_own_connection(provision_watched)
    try:
        operations = [operation for operation, _ in aws_calls]
        assert {"CreateKey", "CreateBucket", "CreateCollection"} <= set(operations)
        assert operations.count("CreateCollection") == 2
        assert aws_calls.in_transaction() == []
    finally:
        delete_tenant_as_owner(issued.api_key.tenant_id)


@pytest.mark.usefixtures("aws_and_rekognition")
def test_an_s3_export_writes_outside_any_transaction(aws_calls: AwsCalls) -> None:
    issued = in_own_connection(provision, slug="export-no-tx", name="Export")
    tenant = issued.api_key.tenant
    end = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)

    def export() -> int:
        aws_calls.watch()
        with tenant_scope(tenant):
            requested = export_request(
                tenant=tenant,
                start_time=end - timedelta(hours=2),
                end_time=end,
                destination=ExportDestination.S3,
                requested_by=system_identity(tenant),
            )
            return export_run(export=requested).file_count

    try:
        aws_calls.clear()
        assert in_own_connection(export) >= 3
        assert [operation for operation, _ in aws_calls].count("PutObject") >= 3
        assert aws_calls.in_transaction() == []
    finally:
        delete_tenant_as_owner(tenant.pk)
