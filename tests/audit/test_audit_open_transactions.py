"""Digests wait for open transactions: found for real, through a second connection of the application role."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from audit.digests import CLOCK_SKEW, _oldest_open_transaction, digest_pending_hours, floor_hour
from tenants.models import Tenant
from tenants.scope import tenant_scope
from tests.audit.events import record_verification_event
from tests.committed import connect_as
from tests.factories import TenantFactory, as_edge

pytestmark = pytest.mark.django_db


@contextmanager
def open_transaction_elsewhere(role: dict[str, Any] | None = None) -> Iterator[datetime]:
    """Another session (of the application role by default) with a transaction open; yields when it began."""
    with connect_as(role or settings.DATABASE_APP) as other, other.transaction(force_rollback=True):
        row: Any = other.execute("SELECT now()").fetchone()  # now() is the transaction's start
        yield row[0]


def test_the_oldest_open_transaction_of_another_session_is_found() -> None:
    with open_transaction_elsewhere() as began:
        assert _oldest_open_transaction() == began
    with connection.cursor() as cursor:  # activity is read once per transaction, and the test runs in one
        cursor.execute("SELECT pg_stat_clear_snapshot()")
    assert _oldest_open_transaction() != began


def test_a_tenant_digest_sees_the_open_transaction_of_the_platform_role() -> None:
    """pg_stat_activity hides another role's sessions; platform work writes audit events too."""
    with tenant_scope(TenantFactory()), open_transaction_elsewhere(settings.DATABASE_PLATFORM) as began:
        assert _oldest_open_transaction() == began


def test_no_hour_is_digested_while_a_transaction_begun_before_its_end_is_open(
    tenant_bucket: Callable[[Tenant], None],
) -> None:
    tenant = TenantFactory(created_at=timezone.now() - timedelta(hours=3))
    tenant_bucket(tenant)
    record_verification_event(tenant, event_time=timezone.now() - timedelta(hours=2))
    with open_transaction_elsewhere() as began:
        made = as_edge(digest_pending_hours, tenant=tenant, now=timezone.now() + timedelta(hours=3))
    assert made, "the hours before the open transaction are digested"
    assert made[-1].end_time == floor_hour(began - CLOCK_SKEW)
