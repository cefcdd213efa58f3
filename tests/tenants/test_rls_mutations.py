"""The row-level security installer from a bare schema: run as the owner after a migrate, it secures
every tenant-owned table, grants the application role, and locks the lookup functions to that role.

The test database keeps the installer's earlier work between sessions, so these tests first strip it
(inside a transaction that is rolled back) and check that the installer alone puts all of it back.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, connections, transaction

from tenants.rls import POLICY_NAME, on_post_migrate, tenant_owned_tables

LOOKUP_FUNCTIONS = ("verity_api_key_lookup(text)", "verity_membership_lookup(bigint)")


@pytest.fixture
def owner(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """A connection to the test database as the owner; the test's own work is rolled back by the test."""
    owner_settings = dict(connections["default"].settings_dict)
    owner_settings.update({key: settings.DATABASE_OWNER[key] for key in ("USER", "PASSWORD", "HOST", "PORT")})
    owner_settings["OPTIONS"] = {}  # the suite's login takes the application role through its options
    connections.settings["owner"] = owner_settings
    try:
        with django_db_blocker.unblock():
            yield "owner"
    finally:
        connections["owner"].close()
        del connections["owner"]
        del connections.settings["owner"]


def _strip_security(using: str, role: str) -> None:
    with connections[using].cursor() as cursor:
        for table in tenant_owned_tables():
            cursor.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
            cursor.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')
            cursor.execute(f'DROP POLICY IF EXISTS {POLICY_NAME} ON "{table}"')
        cursor.execute(f'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "{role}"')
        cursor.execute(f'REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM "{role}"')
        for function in LOOKUP_FUNCTIONS:
            cursor.execute(f'REVOKE ALL ON FUNCTION {function} FROM "{role}"')
            cursor.execute(f"GRANT EXECUTE ON FUNCTION {function} TO PUBLIC")


def _rows(using: str, sql: str, params: list[object]) -> list[tuple]:
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def test_migrating_as_the_owner_secures_every_tenant_owned_table_from_a_bare_schema(owner: str) -> None:
    role = settings.DATABASE_APP_ROLE
    tables = tenant_owned_tables()
    with transaction.atomic(using=owner):
        _strip_security(owner, role)
        on_post_migrate(sender=None, using=owner)

        forced = _rows(
            owner,
            "SELECT relname FROM pg_class WHERE relname = ANY(%s) AND relrowsecurity AND relforcerowsecurity",
            [tables],
        )
        policies = _rows(
            owner,
            "SELECT tablename, qual, with_check FROM pg_policies WHERE policyname = %s AND tablename = ANY(%s)",
            [POLICY_NAME, tables],
        )
        table_rights = _rows(
            owner,
            "SELECT t FROM unnest(%s::text[]) AS t WHERE has_table_privilege(%s, quote_ident(t), "
            "'SELECT, INSERT, UPDATE, DELETE')",
            [tables, role],
        )
        sequence_rights = _rows(
            owner,
            "SELECT bool_and(has_sequence_privilege(%s, c.oid, 'USAGE')) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND n.nspname = 'public'",
            [role],
        )
        function_rights = _rows(
            owner,
            "SELECT f, has_function_privilege(%s, f, 'EXECUTE'), "
            "(SELECT bool_or(a.grantee = 0) FROM pg_proc p, aclexplode(p.proacl) a WHERE p.oid = f::regprocedure) "
            "FROM unnest(%s::text[]) AS f",
            [role, list(LOOKUP_FUNCTIONS)],
        )
        transaction.set_rollback(True, using=owner)

    assert {row[0] for row in forced} == set(tables)
    assert {row[0] for row in policies} == set(tables)
    assert all("verity.tenant_id" in qual and "verity.tenant_id" in check for _, qual, check in policies)
    assert {row[0] for row in table_rights} == set(tables)
    assert sequence_rights == [(True,)]
    assert function_rights == [(function, True, False) for function in LOOKUP_FUNCTIONS]


@pytest.mark.django_db
def test_migrating_as_the_application_role_leaves_security_to_the_owner(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app role may not alter tables; the hook must skip rather than fail its migrate."""
    # The suite logs in as a test login that acts as the application role; configure it as that role.
    monkeypatch.setitem(connection.settings_dict, "USER", settings.DATABASE_APP_ROLE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone() == (settings.DATABASE_APP_ROLE,)
    on_post_migrate(sender=None)
