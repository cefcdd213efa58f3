"""The database roles: tenant-serving connections cannot widen row-level security.

These tests log in as the real roles on connections of their own and read committed rows, as an
attacker with SQL on a tenant-serving connection would.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import psycopg
import pytest
from django.conf import settings
from django.db import connection

import config.settings as production
from tenants.scope import platform_scope, tenant_scope
from tests.committed import connect_as, delete_tenant_as_owner, in_own_connection
from tests.factories import SubjectFactory, TenantFactory

pytestmark = pytest.mark.django_db

COUNT_SUBJECTS = "SELECT tenant_id, count(*) FROM verification_subject WHERE tenant_id = ANY(%s) GROUP BY tenant_id"


def _committed_tenant_with_subjects() -> int:
    suffix = secrets.token_hex(4)
    tenant = TenantFactory(slug=f"roles-{suffix}", account_id=f"8{secrets.randbelow(10**11):011d}")
    SubjectFactory.create_batch(2, tenant=tenant)
    return int(tenant.pk)


@pytest.fixture
def committed_tenants() -> Iterator[tuple[int, int]]:
    """Two tenants with two subjects each, committed, so every connection sees them."""
    mine, other = in_own_connection(_committed_tenant_with_subjects), in_own_connection(_committed_tenant_with_subjects)
    yield mine, other
    for tenant_id in (mine, other):
        delete_tenant_as_owner(tenant_id)


def _current_user() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        return str(cursor.fetchone()[0])


def test_app_role_cannot_widen_rls_to_all_tenants(committed_tenants: tuple[int, int]) -> None:
    mine, other = committed_tenants
    with connect_as(settings.DATABASE_APP) as app:
        for name, value in (("verity.tenant_id", str(mine)), ("verity.all_tenants", "on")):
            app.execute("SELECT set_config(%s, %s, false)", [name, value])
        assert app.execute(COUNT_SUBJECTS, [[mine, other]]).fetchall() == [(mine, 2)]
        app.execute("SELECT set_config('verity.tenant_id', '', false)")
        assert app.execute(COUNT_SUBJECTS, [[mine, other]]).fetchall() == []


def test_app_role_cannot_become_the_platform_role() -> None:
    with connect_as(settings.DATABASE_APP) as app, pytest.raises(psycopg.errors.InsufficientPrivilege):
        app.execute("SELECT set_config('role', %s, false)", [settings.DATABASE_PLATFORM_ROLE])


def test_app_role_cannot_execute_audit_purge(committed_tenants: tuple[int, int]) -> None:
    mine, _ = committed_tenants
    with connect_as(settings.DATABASE_APP) as app, pytest.raises(psycopg.errors.InsufficientPrivilege):
        app.execute("SELECT * FROM verity_audit_purge(%s)", [mine])


def test_platform_role_sees_every_tenant(committed_tenants: tuple[int, int]) -> None:
    mine, other = committed_tenants
    with connect_as(settings.DATABASE_PLATFORM) as platform:
        assert sorted(platform.execute(COUNT_SUBJECTS, [[mine, other]]).fetchall()) == [(mine, 2), (other, 2)]
        # It may also take the application role, which sees one tenant (a tenant scope in platform work).
        platform.execute("SELECT set_config('role', %s, false)", [settings.DATABASE_APP_ROLE])
        assert platform.execute(COUNT_SUBJECTS, [[mine, other]]).fetchall() == []


def test_only_the_platform_connections_hold_the_platform_credentials() -> None:
    app, platform = production.DATABASE_APP_ROLE, production.DATABASE_PLATFORM_ROLE
    assert app != platform
    assert {alias: database["USER"] for alias, database in production.DATABASES.items()} == {
        "default": app,
        "audit": app,
        "platform": platform,
        "audit_platform": platform,
    }
    assert production.VERITY_PLATFORM_DATABASES == {
        "default": "platform",
        "platform": "platform",
        "audit": "audit_platform",
        "audit_platform": "audit_platform",
    }


def test_each_scope_runs_as_its_role_and_hands_the_outer_one_back() -> None:
    tenant = TenantFactory()
    app, platform = settings.DATABASE_APP_ROLE, settings.DATABASE_PLATFORM_ROLE
    assert _current_user() == app
    with tenant_scope(tenant):
        assert _current_user() == app
        with platform_scope():
            assert _current_user() == platform
        assert _current_user() == app
    with platform_scope():
        assert _current_user() == platform
        with tenant_scope(tenant):
            assert _current_user() == app
        assert _current_user() == platform
    assert _current_user() == app
