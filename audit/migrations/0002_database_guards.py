"""Make the audit log append-only in the database, with two narrow, owner-run exceptions.

* Events (``audit_auditevent``) are never updated. Inserting one also creates its unsealed
  chain entry (an AFTER INSERT trigger), so no event can be left out of the chain.
* Chain entries are filled in once by ``verity_audit_seal``; events and their entries are
  deleted only by ``verity_audit_purge``, which removes a prefix of a tenant's chain that is
  past retention and covered by delivered digests. Both are SECURITY DEFINER functions owned
  by the migration owner; the triggers recognise them by ``current_user`` being (a member of)
  the table owner *and* the function's own SET of ``verity.audit_seal`` / ``verity.audit_purge``.
  The application role can set those settings too, but cannot become the owner.
* TRUNCATE is refused by a statement trigger on every audit table.
* Digests and purge records are immutable; purge records are written only by the purge function.
"""

from typing import Any

from django.conf import settings
from django.db import migrations

MIN_RETENTION_DAYS = 366
DEFAULT_RETENTION_DAYS = 2557
GENESIS_HASH = "0" * 64
PRIVILEGED = "pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER')"

# The statements are assembled from constants of this module only.
FUNCTIONS = [
    """
    CREATE OR REPLACE FUNCTION verity_audit_chain_lock_key(p_tenant bigint) RETURNS bigint
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT hashtextextended('verity.audit.chain:' || COALESCE(p_tenant::text, 'platform'), 0) $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION verity_audit_chain_head(p_tenant bigint)
    RETURNS TABLE (sequence bigint, hash varchar)
    LANGUAGE plpgsql STABLE
    SET search_path = public, pg_temp
    AS $$
    BEGIN
        -- Two queries rather than IS NOT DISTINCT FROM, so that each can use the (tenant, sequence) index.
        IF p_tenant IS NULL THEN
            RETURN QUERY SELECT c.sequence, c.hash FROM audit_auditchainentry c
                WHERE c.tenant_id IS NULL AND c.sequence IS NOT NULL ORDER BY c.sequence DESC LIMIT 1;
        ELSE
            RETURN QUERY SELECT c.sequence, c.hash FROM audit_auditchainentry c
                WHERE c.tenant_id = p_tenant AND c.sequence IS NOT NULL ORDER BY c.sequence DESC LIMIT 1;
        END IF;
        IF NOT FOUND THEN
            RETURN QUERY SELECT p.through_sequence, p.through_hash FROM audit_auditpurge p
                WHERE p.tenant_id = p_tenant ORDER BY p.through_sequence DESC LIMIT 1;
        END IF;
        IF NOT FOUND THEN
            RETURN QUERY SELECT 0::bigint, '{GENESIS_HASH}'::varchar;
        END IF;
    END $$
    """,  # noqa: S608 - built from this module's constants
    f"""
    CREATE OR REPLACE FUNCTION verity_audit_event_guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
        IF TG_OP = 'DELETE' AND {PRIVILEGED} AND current_setting('verity.audit_purge', true) = 'on' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$
    """,  # noqa: S608 - built from this module's constants
    """
    CREATE OR REPLACE FUNCTION verity_audit_event_enqueue() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
        INSERT INTO audit_auditchainentry (event_id, tenant_id) VALUES (NEW.id, NEW.tenant_id);
        RETURN NULL;
    END $$
    """,  # noqa: S608 - built from this module's constants
    f"""
    CREATE OR REPLACE FUNCTION verity_audit_chain_guard() RETURNS trigger
    LANGUAGE plpgsql
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
    """,  # noqa: S608 - built from this module's constants
    f"""
    CREATE OR REPLACE FUNCTION verity_audit_immutable() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
        IF TG_OP = 'INSERT' AND TG_TABLE_NAME = 'audit_auditpurge' AND {PRIVILEGED}
           AND current_setting('verity.audit_purge', true) = 'on' THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$
    """,  # noqa: S608 - built from this module's constants
    """
    CREATE OR REPLACE FUNCTION verity_audit_unsealed(p_tenant bigint, p_limit integer)
    RETURNS TABLE (event_id bigint, record text)
    LANGUAGE plpgsql STABLE
    SET search_path = public, pg_temp
    AS $$
    BEGIN
        IF p_tenant IS NULL THEN
            RETURN QUERY SELECT c.event_id, e.record::text FROM audit_auditchainentry c
                JOIN audit_auditevent e ON e.id = c.event_id
                WHERE c.tenant_id IS NULL AND c.hash IS NULL ORDER BY c.event_id LIMIT p_limit;
        ELSE
            RETURN QUERY SELECT c.event_id, e.record::text FROM audit_auditchainentry c
                JOIN audit_auditevent e ON e.id = c.event_id
                WHERE c.tenant_id = p_tenant AND c.hash IS NULL ORDER BY c.event_id LIMIT p_limit;
        END IF;
    END $$
    """,
    # The chain hash is audit.cloudtrail.records.record_hash: SHA-256 of the previous hash's 32
    # raw bytes followed by the record's canonical JSON, which is the stored ``json`` text.
    # Verification recomputes every hash with record_hash itself.
    """
    CREATE OR REPLACE FUNCTION verity_audit_seal(
        p_tenant bigint, p_limit integer, p_lock_timeout text DEFAULT NULL, p_own_transaction boolean DEFAULT false
    ) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    SET verity.all_tenants = 'on'
    SET verity.audit_seal = 'on'
    AS $$
    DECLARE
        head_sequence bigint;
        head_hash varchar;
        entry record;
        sealed integer := 0;
    BEGIN
        -- A seal lost in a crash leaves its entries unsealed and the next seal redoes it
        -- exactly, so when the seal is a transaction of its own its commit need not wait for
        -- the disk (never when it runs inside a caller's transaction, whose writes must).
        IF p_own_transaction THEN
            PERFORM set_config('synchronous_commit', 'off', true);
        END IF;
        IF p_lock_timeout IS NOT NULL THEN
            PERFORM set_config('lock_timeout', p_lock_timeout, true);
        END IF;
        PERFORM pg_advisory_xact_lock(verity_audit_chain_lock_key(p_tenant));
        SELECT h.sequence, h.hash INTO head_sequence, head_hash FROM verity_audit_chain_head(p_tenant) h;
        FOR entry IN SELECT u.event_id, u.record FROM verity_audit_unsealed(p_tenant, p_limit) u LOOP
            head_sequence := head_sequence + 1;
            UPDATE audit_auditchainentry
               SET sequence = head_sequence,
                   previous_hash = head_hash,
                   hash = encode(sha256(decode(head_hash, 'hex') || convert_to(entry.record, 'UTF8')), 'hex')
             WHERE audit_auditchainentry.event_id = entry.event_id
            RETURNING audit_auditchainentry.hash INTO head_hash;
            sealed := sealed + 1;
        END LOOP;
        RETURN sealed;
    END $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION verity_audit_purge(p_tenant bigint, p_cutoff timestamptz DEFAULT NULL)
    RETURNS TABLE (deleted bigint, cutoff timestamptz, through_sequence bigint)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    SET verity.all_tenants = 'on'
    SET verity.audit_purge = 'on'
    AS $$
    DECLARE
        retention integer;
        blocker bigint;
        through bigint;
        through_hash varchar;
        removed bigint;
    BEGIN
        IF p_tenant IS NULL THEN
            RAISE EXCEPTION 'platform events are not purged';
        END IF;
        PERFORM pg_advisory_xact_lock(verity_audit_chain_lock_key(p_tenant));
        SELECT s.retention_days INTO retention FROM audit_auditsettings s WHERE s.tenant_id = p_tenant;
        retention := GREATEST(COALESCE(retention, {DEFAULT_RETENTION_DAYS}), {MIN_RETENTION_DAYS});
        -- Without a cutoff, everything older than the tenant's retention; never anything younger.
        cutoff := COALESCE(p_cutoff, now() - make_interval(days => retention));
        IF cutoff > now() - make_interval(days => retention) THEN
            RAISE EXCEPTION 'cutoff % is within the retention period of % days', cutoff, retention
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        -- Only a prefix of the chain is deleted, so what remains still verifies from one
        -- checkpoint: stop at the first entry whose event is too young or not covered by a
        -- delivered digest of its hour (sealed before that digest was made).
        SELECT c.sequence INTO blocker
          FROM audit_auditchainentry c JOIN audit_auditevent e ON e.id = c.event_id
         WHERE c.tenant_id = p_tenant AND c.sequence IS NOT NULL
           AND NOT (e.event_time < cutoff AND EXISTS (
                SELECT 1 FROM audit_auditdigest d
                 WHERE d.tenant_id = p_tenant AND d.start_time <= e.event_time AND e.event_time < d.end_time
                   AND c.sequence <= d.head_sequence))
         ORDER BY c.sequence LIMIT 1;
        IF blocker IS NULL THEN
            SELECT max(c.sequence) INTO through FROM audit_auditchainentry c WHERE c.tenant_id = p_tenant;
        ELSE
            through := blocker - 1;
        END IF;
        SELECT c.hash INTO through_hash FROM audit_auditchainentry c
         WHERE c.tenant_id = p_tenant AND c.sequence = through;
        IF through_hash IS NULL THEN
            RETURN QUERY SELECT 0::bigint, cutoff, NULL::bigint;
            RETURN;
        END IF;
        WITH gone AS (
            DELETE FROM audit_auditchainentry c WHERE c.tenant_id = p_tenant AND c.sequence <= through
            RETURNING c.event_id
        )
        DELETE FROM audit_auditevent e USING gone WHERE e.id = gone.event_id;
        GET DIAGNOSTICS removed = ROW_COUNT;
        INSERT INTO audit_auditpurge (tenant_id, purged_at, cutoff, through_sequence, through_hash, deleted_count)
             VALUES (p_tenant, now(), cutoff, through, through_hash, removed);
        RETURN QUERY SELECT removed, cutoff, through;
    END $$
    """,  # noqa: S608 - built from this module's constants
]

TABLES = ("audit_auditevent", "audit_auditchainentry", "audit_auditdigest", "audit_auditpurge")
TRIGGERS = [
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_auditevent "
    "FOR EACH ROW EXECUTE FUNCTION verity_audit_event_guard()",
    "CREATE TRIGGER audit_event_enqueue AFTER INSERT ON audit_auditevent "
    "FOR EACH ROW EXECUTE FUNCTION verity_audit_event_enqueue()",
    # Entries are born unsealed; the WHEN clause keeps the check off the insert path's plpgsql.
    "CREATE TRIGGER audit_chain_born_unsealed BEFORE INSERT ON audit_auditchainentry FOR EACH ROW "
    "WHEN (NEW.sequence IS NOT NULL OR NEW.previous_hash IS NOT NULL OR NEW.hash IS NOT NULL) "
    "EXECUTE FUNCTION verity_audit_chain_guard()",
    "CREATE TRIGGER audit_chain_append_only BEFORE UPDATE OR DELETE ON audit_auditchainentry "
    "FOR EACH ROW EXECUTE FUNCTION verity_audit_chain_guard()",
    "CREATE TRIGGER audit_digest_append_only BEFORE UPDATE OR DELETE ON audit_auditdigest "
    "FOR EACH ROW EXECUTE FUNCTION verity_audit_immutable()",
    "CREATE TRIGGER audit_purge_append_only BEFORE INSERT OR UPDATE OR DELETE ON audit_auditpurge "
    "FOR EACH ROW EXECUTE FUNCTION verity_audit_immutable()",
    *(
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION verity_audit_immutable()"
        for table in TABLES
    ),
]

CALLABLE_BY_APP = [
    "verity_audit_chain_lock_key(bigint)",
    "verity_audit_chain_head(bigint)",
    "verity_audit_unsealed(bigint, integer)",
    "verity_audit_seal(bigint, integer, text, boolean)",
    "verity_audit_purge(bigint, timestamptz)",
]


def create_guards(apps: Any, schema_editor: Any) -> None:
    app_role = settings.DATABASE_APP_ROLE
    statements = [*FUNCTIONS, *TRIGGERS]
    for signature in CALLABLE_BY_APP:
        statements += [
            f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC",
            f'GRANT EXECUTE ON FUNCTION {signature} TO "{app_role}"',
        ]
    for statement in statements:
        schema_editor.execute(statement, params=None)


def drop_guards(apps: Any, schema_editor: Any) -> None:
    for statement in TRIGGERS:
        name, table = statement.split()[2], statement.split(" ON ")[1].split()[0]
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    for signature in [
        *CALLABLE_BY_APP,
        "verity_audit_event_guard()",
        "verity_audit_event_enqueue()",
        "verity_audit_chain_guard()",
        "verity_audit_immutable()",
    ]:
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {signature}")


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(create_guards, drop_guards)]
