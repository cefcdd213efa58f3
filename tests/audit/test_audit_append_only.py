"""The database itself refuses to change or remove audit rows, whatever the application role tries."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest
from django.db import DatabaseError, connection, transaction

from audit.identity import system_identity
from audit.models import AuditChainEntry, AuditEvent
from audit.recording import chain_seal, record_event
from tenants.models import Tenant
from tenants.scope import platform_scope, tenant_scope
from tests.audit.events import record_verification_event
from tests.committed import in_own_connection, owner_connection
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenant() -> Tenant:
    tenant = TenantFactory()
    for name in ("CreateSubject", "GetSubject"):
        record_verification_event(tenant, name)
    chain_seal(tenant_id=tenant.pk)
    return tenant


def run_in_platform_scope(sql: str, *params: object) -> None:
    """Run raw SQL in the platform scope (RLS shows every row), as the platform role, in a savepoint."""
    assert connection.settings_dict["USER"] != "postgres"
    with platform_scope(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


REFUSED = [
    "UPDATE audit_auditevent SET event_name = 'Nothing' WHERE tenant_id = %s",
    "UPDATE audit_auditevent SET record = '{}'::json WHERE tenant_id = %s",
    "DELETE FROM audit_auditevent WHERE tenant_id = %s",
    "UPDATE audit_auditchainentry SET hash = repeat('0', 64) WHERE tenant_id = %s",
    "UPDATE audit_auditchainentry SET sequence = sequence + 100 WHERE tenant_id = %s",
    "DELETE FROM audit_auditchainentry WHERE tenant_id = %s",
]


@pytest.mark.parametrize("sql", REFUSED)
def test_app_role_cannot_update_or_delete_audit_rows(tenant: Tenant, sql: str) -> None:
    with pytest.raises(DatabaseError, match="append-only"):
        run_in_platform_scope(sql, tenant.pk)


@pytest.mark.parametrize("sql", REFUSED)
def test_setting_the_purge_or_seal_flags_does_not_help_the_app_role(tenant: Tenant, sql: str) -> None:
    with pytest.raises(DatabaseError, match="append-only"):
        run_in_platform_scope(
            "SELECT set_config('verity.audit_purge', 'on', true), set_config('verity.audit_seal', 'on', true); " + sql,
            tenant.pk,
        )


TABLES = ["audit_auditevent", "audit_auditchainentry", "audit_auditdigest", "audit_auditpurge"]


@pytest.mark.parametrize("table", TABLES)
def test_the_app_role_holds_no_truncate_privilege(table: str) -> None:
    with pytest.raises(DatabaseError, match="permission denied"):
        run_in_platform_scope(f"TRUNCATE {table}")


@pytest.mark.parametrize("table", TABLES)
def test_the_truncate_guard_refuses_even_the_owner(table: str) -> None:
    # The owner holds the TRUNCATE privilege, so only the table's own trigger stands in the way.
    # CASCADE takes the tables that reference this one along; the named table's guard fires first.
    with (
        owner_connection() as owner,
        pytest.raises(psycopg.errors.InsufficientPrivilege) as refused,
        owner.transaction(force_rollback=True),
    ):
        owner.execute(f"TRUNCATE {table} CASCADE")
    assert str(refused.value).startswith(f"{table} is append-only: TRUNCATE refused")


def test_a_chain_entry_cannot_be_born_sealed(tenant: Tenant) -> None:
    # An event id no entry has yet (the entry's event reference has no database constraint), so
    # the only thing refusing the row is the born-unsealed guard, not the primary key.
    with platform_scope():
        unused_event_id = AuditChainEntry.objects.order_by("-event_id").values_list("event_id", flat=True)[0] + 10**9
    with pytest.raises(DatabaseError, match="the audit chain is append-only: INSERT refused"):
        run_in_platform_scope(
            "INSERT INTO audit_auditchainentry (event_id, tenant_id, sequence, previous_hash, hash) "
            "VALUES (%s, %s, 99, repeat('0', 64), repeat('1', 64))",
            unused_event_id,
            tenant.pk,
        )


def test_purge_records_cannot_be_forged(tenant: Tenant) -> None:
    with pytest.raises(DatabaseError, match="append-only"):
        run_in_platform_scope(
            "INSERT INTO audit_auditpurge "
            "(tenant_id, purged_at, cutoff, through_sequence, through_hash, deleted_count) "
            "VALUES (%s, now(), now(), 1, repeat('0', 64), 1)",
            tenant.pk,
        )


def test_the_purge_function_refuses_a_cutoff_inside_the_retention_period(tenant: Tenant) -> None:
    with pytest.raises(DatabaseError, match="within the retention period"):
        run_in_platform_scope("SELECT verity_audit_purge(%s, now())", tenant.pk)
    with tenant_scope(tenant):
        assert AuditEvent.objects.count() == 2


def test_the_purge_function_keeps_events_younger_than_the_cutoff(tenant: Tenant) -> None:
    run_in_platform_scope("SELECT * FROM verity_audit_purge(%s)", tenant.pk)
    with tenant_scope(tenant):
        assert AuditEvent.objects.count() == 2
        assert AuditChainEntry.objects.filter(sequence__isnull=False).count() == 2


def test_even_the_owner_cannot_truncate_update_or_delete_while_the_triggers_stand(
    committed_tenant: Callable[..., Tenant],
) -> None:
    tenant = committed_tenant()
    in_own_connection(
        record_event,
        tenant=tenant,
        event_source="verification.verity.local",
        event_name="CreateSubject",
        identity=system_identity(tenant),
    )
    statements = [
        ("TRUNCATE audit_auditevent, audit_auditchainentry", []),
        ("UPDATE audit_auditevent SET event_name = 'x' WHERE tenant_id = %s", [tenant.pk]),
        ("DELETE FROM audit_auditevent WHERE tenant_id = %s", [tenant.pk]),
    ]
    with owner_connection() as owner:
        for statement, params in statements:
            with pytest.raises(psycopg.Error, match="append-only"), owner.transaction():
                owner.execute(statement, params)


def _record(tenant: Tenant, name: str = "CreateSubject") -> int:
    return record_event(
        tenant=tenant, event_source="verification.verity.local", event_name=name, identity=system_identity(tenant)
    ).id


def test_a_temporary_table_named_like_the_chain_cannot_capture_an_event_s_chain_entry(tenant: Tenant) -> None:
    with tenant_scope(tenant), connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE audit_auditchainentry (event_id bigint, tenant_id bigint)")
        event_id = _record(tenant)
        cursor.execute("SELECT count(*) FROM pg_temp.audit_auditchainentry")
        assert cursor.fetchone()[0] == 0
        cursor.execute("DROP TABLE pg_temp.audit_auditchainentry")
        assert AuditChainEntry.objects.filter(event_id=event_id, hash__isnull=True).exists()


def test_a_temporary_pg_class_cannot_fake_the_owner_check_of_the_guards(tenant: Tenant) -> None:
    # The guards let the table owner's purge function delete; a look-alike pg_class naming the
    # application role as the owner must not make the application role that owner.
    with pytest.raises(DatabaseError, match="audit events are append-only: DELETE refused"):
        run_in_platform_scope(
            "CREATE TEMPORARY TABLE pg_class AS "
            "SELECT 'audit_auditevent'::regclass::oid AS oid, (SELECT oid FROM pg_roles WHERE rolname = current_user) "
            "AS relowner; "
            "SELECT set_config('verity.audit_purge', 'on', true); "
            "DELETE FROM audit_auditevent WHERE tenant_id = %s",
            tenant.pk,
        )
    with tenant_scope(tenant):
        assert AuditEvent.objects.count() == 2


# ---------------------------------------------------------------------------------------------
# Signing keys: only added (as the one active key) and retired


@pytest.fixture
def signing_key() -> int:
    from audit.digests import signing_keyring
    from audit.models import SigningKey

    signing_keyring()
    return SigningKey.objects.get(valid_until__isnull=True).pk


KEY_REFUSED = [
    ("DELETE FROM audit_signingkey WHERE id = %s", "signing keys are only added and retired: DELETE refused"),
    (
        "UPDATE audit_signingkey SET public_key_der = '\\x00'::bytea WHERE id = %s",
        "signing keys are only added and retired: UPDATE refused",
    ),
    (
        "UPDATE audit_signingkey SET valid_from = now() - interval '1 day', valid_until = now() WHERE id = %s",
        "signing keys are only added and retired: UPDATE refused",
    ),
    (
        "UPDATE audit_signingkey SET valid_until = now() WHERE id = %s; "
        "UPDATE audit_signingkey SET valid_until = now() + interval '1 hour' WHERE id = %s",
        "signing keys are only added and retired: UPDATE refused",
    ),
    (
        "INSERT INTO audit_signingkey (fingerprint, public_key_der, private_key_pem, valid_from, created_at) "
        "SELECT 'forged', public_key_der, private_key_pem, now(), now() FROM audit_signingkey WHERE id = %s",
        "a new key must be the only active one",
    ),
    (
        "UPDATE audit_signingkey SET valid_until = now() WHERE id = %s; "
        "INSERT INTO audit_signingkey (fingerprint, public_key_der, private_key_pem, valid_from, created_at) "
        "SELECT 'backdated', public_key_der, private_key_pem, now() - interval '1 day', now() "
        "FROM audit_signingkey WHERE id = %s",
        "a new key must be the only active one and start after every other key ends",
    ),
]


@pytest.mark.parametrize(("sql", "message"), KEY_REFUSED)
def test_signing_keys_refuse_every_write_but_adding_and_retiring(signing_key: int, sql: str, message: str) -> None:
    with pytest.raises(DatabaseError, match=message):
        run_in_platform_scope(sql, *[signing_key] * sql.count("%s"))


def test_retiring_the_active_key_and_adding_its_successor_is_allowed(signing_key: int) -> None:
    from audit.models import SigningKey

    run_in_platform_scope(
        "UPDATE audit_signingkey SET valid_until = now() WHERE id = %s; "
        "INSERT INTO audit_signingkey (fingerprint, public_key_der, private_key_pem, valid_from, created_at) "
        "SELECT 'successor', public_key_der, private_key_pem, now(), now() FROM audit_signingkey WHERE id = %s",
        signing_key,
        signing_key,
    )
    assert SigningKey.objects.get(valid_until__isnull=True).fingerprint == "successor"


def test_even_the_owner_cannot_truncate_the_signing_keys() -> None:
    with (
        owner_connection() as owner,
        pytest.raises(psycopg.Error, match="audit_signingkey is append-only: TRUNCATE refused"),
        owner.transaction(),
    ):
        owner.execute("TRUNCATE audit_signingkey")
