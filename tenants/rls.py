"""PostgreSQL row-level security for every tenant-owned table, and the application role's rights.

Applied after every ``migrate`` (it is idempotent), so a new ``TenantOwnedModel`` is covered
without a hand-written migration. Two policies, both permissive:

* ``tenant_isolation``, for every role: a row is visible and writable when its tenant is the
  per-transaction ``verity.tenant_id`` that ``tenants.scope`` sets; with none set, a query sees
  no rows and can write none. No setting widens it: whatever the application role (or SQL
  injected into its connection) sets, it sees at most one tenant.
* ``platform_access``, only for the platform role and the schema owner: every row. The
  application role cannot take the platform role (it is not a member), so widening takes the
  platform role's own credentials, which tenant-serving processes do not hold.

Two lookups must work before the tenant is known (an API key by its prefix, a user's
membership); they are SECURITY DEFINER functions of the owner that return just what
authentication needs. ``verity_oldest_open_transaction`` lets the audit digest see when every
role's oldest open transaction began (pg_stat_activity hides other roles' sessions).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import connections

from tenants.models import ApiKey, Membership, TenantOwnedModel

POLICY_NAME = "tenant_isolation"
POLICY_PREDICATE = "tenant_id = NULLIF(current_setting('verity.tenant_id', true), '')::bigint"
PLATFORM_POLICY_NAME = "platform_access"


def tenant_owned_tables() -> list[str]:
    return sorted(
        model._meta.db_table
        for model in apps.get_models()
        if issubclass(model, TenantOwnedModel) and not model._meta.proxy
    )


def _lookup_functions(app_role: str, platform_role: str) -> list[str]:
    api_key_table = ApiKey._meta.db_table
    membership_table = Membership._meta.db_table
    return [
        f"""
        CREATE OR REPLACE FUNCTION verity_api_key_lookup(key_prefix text)
        RETURNS TABLE (id bigint, tenant_id bigint, secret_hash varchar)
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$ SELECT id, tenant_id, secret_hash FROM {api_key_table} WHERE prefix = key_prefix $$
        """,  # noqa: S608 - table names come from model metadata
        f"""
        CREATE OR REPLACE FUNCTION verity_membership_lookup(member_user_id bigint)
        RETURNS TABLE (tenant_id bigint, role varchar)
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$ SELECT tenant_id, role FROM {membership_table} WHERE user_id = member_user_id $$
        """,  # noqa: S608 - table names come from model metadata
        # Only when each other open transaction began: other roles' sessions are hidden from a
        # role in pg_stat_activity, their queries must stay hidden.
        """
        CREATE OR REPLACE FUNCTION verity_oldest_open_transaction()
        RETURNS timestamptz
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp
        AS $$ SELECT min(xact_start) FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid()
                AND backend_type = 'client backend' AND xact_start IS NOT NULL $$
        """,
        *(
            statement
            for signature in (
                "verity_api_key_lookup(text)",
                "verity_membership_lookup(bigint)",
                "verity_oldest_open_transaction()",
            )
            for statement in (
                f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC",
                f'GRANT EXECUTE ON FUNCTION {signature} TO "{app_role}", "{platform_role}"',
            )
        ),
        # Deleting audit events past retention is platform work (beat's purge over every tenant).
        "REVOKE ALL ON FUNCTION verity_audit_purge(bigint, timestamptz) FROM PUBLIC",
        f'REVOKE ALL ON FUNCTION verity_audit_purge(bigint, timestamptz) FROM "{app_role}"',
        f'GRANT EXECUTE ON FUNCTION verity_audit_purge(bigint, timestamptz) TO "{platform_role}"',
        *(
            f'GRANT EXECUTE ON FUNCTION {signature} TO "{platform_role}"'
            for signature in (
                "verity_audit_chain_lock_key(bigint)",
                "verity_audit_chain_head(bigint)",
                "verity_audit_unsealed(bigint, integer)",
                "verity_audit_seal(bigint, integer, text, boolean)",
            )
        ),
    ]


def apply_row_level_security(using: str, app_role: str, platform_role: str) -> None:
    """Enable and force RLS with both policies on every tenant-owned table; grant both roles."""
    statements: list[str] = []
    for table in tenant_owned_tables():
        statements += [
            f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
            f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY',
            f'DROP POLICY IF EXISTS {POLICY_NAME} ON "{table}"',
            f'CREATE POLICY {POLICY_NAME} ON "{table}" USING ({POLICY_PREDICATE}) WITH CHECK ({POLICY_PREDICATE})',
            f'DROP POLICY IF EXISTS {PLATFORM_POLICY_NAME} ON "{table}"',
            # The owner: the SECURITY DEFINER functions run as it (a superuser ignores RLS anyway).
            f'CREATE POLICY {PLATFORM_POLICY_NAME} ON "{table}" TO "{platform_role}", CURRENT_USER '
            "USING (true) WITH CHECK (true)",
        ]
    for role in (app_role, platform_role):
        statements += [
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"',
            f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"',
        ]
    statements += _lookup_functions(app_role, platform_role)
    with connections[using].cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def on_post_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    from django.conf import settings

    connection = connections[using]
    app_role, platform_role = settings.DATABASE_APP_ROLE, settings.DATABASE_PLATFORM_ROLE
    if connection.settings_dict["USER"] in (app_role, platform_role):
        return  # neither role owns anything or may change security; the owner applies it
    apply_row_level_security(using, app_role, platform_role)
