"""Close two gaps in the audit log's database guards.

* Trigger functions resolve names through a fixed ``search_path`` with ``pg_temp`` last, and
  name their tables with the schema: a session's temporary table called like an audit table
  (or like ``pg_class``) is never written or read in its place. Without it, the enqueue trigger
  wrote the chain entry into a temporary ``audit_auditchainentry``, leaving the event out of
  the chain; a temporary ``pg_class`` could have faked the owner check of the guards.
* ``audit_signingkey`` accepts exactly the writes of key rotation: inserting a new key that is
  the only active one and starts no earlier than every other key ends, and retiring the active
  key (setting ``valid_until`` once, nothing else). Keys are never deleted or truncated, so
  every digest a key signed stays verifiable.
"""

from typing import Any

from django.db import migrations

PRIVILEGED = (
    "pg_catalog.pg_has_role(current_user, "
    "(SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = TG_RELID), 'MEMBER')"
)
SEARCH_PATH = "SET search_path = pg_catalog, public, pg_temp"

# The statements are assembled from constants of this module only.
FUNCTIONS = [
    f"""
    CREATE OR REPLACE FUNCTION verity_audit_event_guard() RETURNS trigger
    LANGUAGE plpgsql
    {SEARCH_PATH}
    AS $$
    BEGIN
        IF TG_OP = 'DELETE' AND {PRIVILEGED} AND current_setting('verity.audit_purge', true) = 'on' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION verity_audit_event_enqueue() RETURNS trigger
    LANGUAGE plpgsql
    {SEARCH_PATH}
    AS $$
    BEGIN
        INSERT INTO public.audit_auditchainentry (event_id, tenant_id) VALUES (NEW.id, NEW.tenant_id);
        RETURN NULL;
    END $$
    """,  # noqa: S608 - built from this module's constants
    f"""
    CREATE OR REPLACE FUNCTION verity_audit_chain_guard() RETURNS trigger
    LANGUAGE plpgsql
    {SEARCH_PATH}
    AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND {PRIVILEGED} AND current_setting('verity.audit_seal', true) = 'on'
           AND OLD.hash IS NULL AND NEW.hash IS NOT NULL
           AND NEW.event_id = OLD.event_id AND NEW.tenant_id IS NOT DISTINCT FROM OLD.tenant_id THEN
            RETURN NEW;
        END IF;
        IF TG_OP = 'DELETE' AND {PRIVILEGED} AND current_setting('verity.audit_purge', true) = 'on' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'the audit chain is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION verity_audit_immutable() RETURNS trigger
    LANGUAGE plpgsql
    {SEARCH_PATH}
    AS $$
    BEGIN
        IF TG_OP = 'INSERT' AND TG_TABLE_NAME = 'audit_auditpurge' AND {PRIVILEGED}
           AND current_setting('verity.audit_purge', true) = 'on' THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION verity_signing_key_guard() RETURNS trigger
    LANGUAGE plpgsql
    {SEARCH_PATH}
    AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            IF NEW.valid_until IS NOT NULL
               OR EXISTS (SELECT 1 FROM public.audit_signingkey k
                           WHERE k.valid_until IS NULL OR k.valid_until > NEW.valid_from) THEN
                RAISE EXCEPTION 'signing keys: a new key must be the only active one and start after every other key ends'
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            RETURN NEW;
        END IF;
        IF TG_OP = 'UPDATE' AND OLD.valid_until IS NULL AND NEW.valid_until IS NOT NULL
           AND NEW.valid_until >= OLD.valid_from
           AND (NEW.id, NEW.fingerprint, NEW.public_key_der, NEW.private_key_pem, NEW.valid_from, NEW.created_at)
               IS NOT DISTINCT FROM
               (OLD.id, OLD.fingerprint, OLD.public_key_der, OLD.private_key_pem, OLD.valid_from, OLD.created_at) THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'signing keys are only added and retired: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END $$
    """,  # noqa: S608 - built from this module's constants
]

TRIGGERS = [
    "CREATE TRIGGER audit_signingkey_guard BEFORE INSERT OR UPDATE OR DELETE ON audit_signingkey "
    "FOR EACH ROW EXECUTE FUNCTION verity_signing_key_guard()",
    "CREATE TRIGGER audit_signingkey_no_truncate BEFORE TRUNCATE ON audit_signingkey "
    "FOR EACH STATEMENT EXECUTE FUNCTION verity_audit_immutable()",
]


def harden(apps: Any, schema_editor: Any) -> None:
    for statement in [*FUNCTIONS, *TRIGGERS]:
        schema_editor.execute(statement, params=None)


def soften(apps: Any, schema_editor: Any) -> None:
    schema_editor.execute("DROP TRIGGER IF EXISTS audit_signingkey_guard ON audit_signingkey")
    schema_editor.execute("DROP TRIGGER IF EXISTS audit_signingkey_no_truncate ON audit_signingkey")
    schema_editor.execute("DROP FUNCTION IF EXISTS verity_signing_key_guard()")
    # The trigger functions keep their search_path: 0002's versions were the weaker ones.


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_database_guards")]

    operations = [migrations.RunPython(harden, soften)]
