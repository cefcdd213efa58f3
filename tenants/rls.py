"""PostgreSQL row-level security for every tenant-owned table, and the application role's rights.

Applied after every ``migrate`` (it is idempotent), so a new ``TenantOwnedModel`` is covered
without a hand-written migration. The policy reads the per-transaction settings written by
``tenants.scope``; with neither set, a query sees no rows and can write none.

Two lookups must work before the tenant is known (an API key by its prefix, a user's
membership); they are SECURITY DEFINER functions that widen the scope for their own execution
only and return just what authentication needs.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import connections

from tenants.models import ApiKey, Membership, TenantOwnedModel

POLICY_NAME = "tenant_isolation"
POLICY_PREDICATE = (
    "current_setting('verity.all_tenants', true) = 'on' "
    "OR tenant_id = NULLIF(current_setting('verity.tenant_id', true), '')::bigint"
)


def tenant_owned_tables() -> list[str]:
    return sorted(
        model._meta.db_table
        for model in apps.get_models()
        if issubclass(model, TenantOwnedModel) and not model._meta.proxy
    )


def _lookup_functions(app_role: str) -> list[str]:
    api_key_table = ApiKey._meta.db_table
    membership_table = Membership._meta.db_table
    return [
        f"""
        CREATE OR REPLACE FUNCTION verity_api_key_lookup(key_prefix text)
        RETURNS TABLE (id bigint, tenant_id bigint, secret_hash varchar)
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = public, pg_temp
        SET verity.all_tenants = 'on'
        AS $$ SELECT id, tenant_id, secret_hash FROM {api_key_table} WHERE prefix = key_prefix $$
        """,  # noqa: S608 - table names come from model metadata
        f"""
        CREATE OR REPLACE FUNCTION verity_membership_lookup(member_user_id bigint)
        RETURNS TABLE (tenant_id bigint, role varchar)
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = public, pg_temp
        SET verity.all_tenants = 'on'
        AS $$ SELECT tenant_id, role FROM {membership_table} WHERE user_id = member_user_id $$
        """,  # noqa: S608 - table names come from model metadata
        "REVOKE ALL ON FUNCTION verity_api_key_lookup(text) FROM PUBLIC",
        "REVOKE ALL ON FUNCTION verity_membership_lookup(bigint) FROM PUBLIC",
        f'GRANT EXECUTE ON FUNCTION verity_api_key_lookup(text) TO "{app_role}"',
        f'GRANT EXECUTE ON FUNCTION verity_membership_lookup(bigint) TO "{app_role}"',
    ]


def apply_row_level_security(using: str, app_role: str) -> None:
    """Enable and force RLS with the tenant policy on every tenant-owned table; grant the app role."""
    statements: list[str] = []
    for table in tenant_owned_tables():
        statements += [
            f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
            f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY',
            f'DROP POLICY IF EXISTS {POLICY_NAME} ON "{table}"',
            f'CREATE POLICY {POLICY_NAME} ON "{table}" USING ({POLICY_PREDICATE}) WITH CHECK ({POLICY_PREDICATE})',
        ]
    statements += [
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{app_role}"',
        f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{app_role}"',
        *_lookup_functions(app_role),
    ]
    with connections[using].cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def on_post_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    from django.conf import settings

    connection = connections[using]
    app_role = settings.DATABASE_APP_ROLE
    if connection.settings_dict["USER"] == app_role:
        return  # the app role owns nothing and may not change security; the owner applies it
    apply_row_level_security(using, app_role)
