"""The per-tenant hash chain: gapless and fork-free under concurrent writers, and tampering is found."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connections

from audit.cloudtrail.records import GENESIS_HASH, record_hash
from audit.identity import system_identity
from audit.integrity import chain_verify
from audit.models import AuditChainEntry, AuditEvent
from audit.recording import chain as chain_module
from audit.recording import chain_seal, record_event, seals_deferred
from tenants.models import Tenant
from tenants.scope import platform_scope, tenant_scope
from tests.committed import in_own_connection, owner_connection
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


def record(tenant: Tenant | None, name: str = "CreateSubject", **options: Any) -> None:
    record_event(
        tenant=tenant,
        event_source="verification.verity.local",
        event_name=name,
        identity=system_identity(tenant),
        **options,
    )


def chain_of(tenant: Tenant | None) -> list[tuple[int, str, str, dict[str, Any]]]:
    """(sequence, previous_hash, hash, record) of every sealed entry, in chain order."""
    scope = platform_scope() if tenant is None else tenant_scope(tenant)
    with scope:
        return list(
            AuditChainEntry.objects.filter(tenant=tenant, sequence__isnull=False)
            .order_by("sequence")
            .values_list("sequence", "previous_hash", "hash", "event__record")
        )


def assert_intact(chain: list[tuple[int, str, str, dict[str, Any]]], count: int) -> None:
    assert [entry[0] for entry in chain] == list(range(1, count + 1))
    previous = GENESIS_HASH
    for _, previous_hash, hash_, record_ in chain:
        assert previous_hash == previous
        assert hash_ == record_hash(record_, previous)  # the database hashes exactly as record_hash does
        previous = hash_


def test_sealing_chains_a_tenants_events_from_the_genesis_hash() -> None:
    tenant = TenantFactory()
    with tenant_scope(tenant):
        for number in range(5):
            record(tenant, request_parameters={"external_id": f"cust-{number}"}, response_elements={"note": "ünï"})
        assert AuditChainEntry.objects.filter(hash__isnull=True).count() == 5  # sealed after commit only
    assert chain_seal(tenant_id=tenant.pk) == 5
    assert chain_seal(tenant_id=tenant.pk) == 0
    assert_intact(chain_of(tenant), 5)
    with tenant_scope(tenant):
        assert chain_verify(tenant=tenant).ok


def test_the_commit_hook_seals_once_per_transaction(django_capture_on_commit_callbacks: Any) -> None:
    tenant = TenantFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, tenant_scope(tenant):
        for _ in range(3):
            record(tenant)
    assert len(callbacks) == 1
    assert_intact(chain_of(tenant), 3)


def test_a_deferred_block_seals_each_chain_once_when_it_ends(
    committed_tenant: Callable[..., Tenant], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = committed_tenant(), committed_tenant()
    sealed: list[int | None] = []
    seal = chain_module.chain_seal
    monkeypatch.setattr(
        chain_module, "chain_seal", lambda **options: sealed.append(options["tenant_id"]) or seal(**options)
    )

    def run() -> tuple[list[int | None], int]:
        with seals_deferred():
            for tenant in (first, first, second, first):  # each event committed in a transaction of its own
                with tenant_scope(tenant):
                    record(tenant)
            with seals_deferred(), tenant_scope(second):  # an inner block leaves the sealing to the outer one
                record(second)
            during = (list(sealed), _unsealed(first) + _unsealed(second))
        return during

    during_seals, during_unsealed = in_own_connection(run)
    assert (during_seals, during_unsealed) == ([], 5)  # committed, not yet sealed
    assert sorted(sealed) == sorted([first.pk, second.pk])  # once per chain, at the end
    assert_intact(chain_of(first), 3)
    assert_intact(chain_of(second), 2)


def test_a_deferred_block_ending_inside_a_transaction_seals_after_it_commits(
    django_capture_on_commit_callbacks: Any,
) -> None:
    tenant = TenantFactory()
    pending = connections["default"].run_on_commit
    with django_capture_on_commit_callbacks(execute=True) as callbacks, tenant_scope(tenant):
        before = len(pending)
        with seals_deferred():
            record(tenant)
            record(tenant)
            assert len(pending) == before  # no seal waits on each transaction
        assert len(pending) == before + 1  # the block ended before the transaction did: sealed on its commit
        assert _count_unsealed(tenant) == 2
    assert len(callbacks) == before + 1
    assert_intact(chain_of(tenant), 2)


def test_a_deferred_block_seals_events_committed_on_their_own_on_their_connection(
    committed_tenant: Callable[..., Tenant],
) -> None:
    tenant = committed_tenant()
    with tenant_scope(tenant), seals_deferred():  # ends inside this test's open transaction
        record(tenant, commit_now=True)
    # Sealed and committed where the event was (not inside the open transaction, which would
    # hold the chain's lock and keep every other sealer waiting until it ends).
    assert _unsealed(tenant) == 0


def _unsealed(tenant: Tenant) -> int:
    return in_own_connection(_count_unsealed, tenant)


def _count_unsealed(tenant: Tenant) -> int:
    with tenant_scope(tenant):
        return AuditChainEntry.objects.filter(tenant=tenant, hash__isnull=True).count()


def test_each_tenant_and_the_platform_have_their_own_chain() -> None:
    first, second = TenantFactory(), TenantFactory()
    record(first)
    record(second)
    record(first)
    record(None, "ConsoleLogin")
    for chain in (first.pk, second.pk, None):
        chain_seal(tenant_id=chain)
    assert [entry[0] for entry in chain_of(first)] == [1, 2]
    assert [entry[0] for entry in chain_of(second)] == [1]
    assert chain_of(None)[-1][3]["eventName"] == "ConsoleLogin"


def test_concurrent_writers_leave_no_gap_and_no_fork(committed_tenant: Callable[..., Tenant]) -> None:
    tenant = committed_tenant()
    writers, events_each = 6, 15
    start = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(number: int) -> None:
        try:
            start.wait()
            for index in range(events_each):
                # Each event in its own transaction of this thread's connection, sealed by the
                # commit hook while the other writers are committing theirs.
                with tenant_scope(tenant):
                    record(tenant, request_parameters={"external_id": f"writer-{number}-{index}"})
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(number,)) for number in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    in_own_connection(chain_seal, tenant_id=tenant.pk)  # anything a lock timeout deferred

    chain = chain_of(tenant)
    assert_intact(chain, writers * events_each)
    written = {entry[3]["requestParameters"]["external_id"] for entry in chain}
    assert len(written) == writers * events_each
    with tenant_scope(tenant):
        assert chain_verify(tenant=tenant).ok


Chain = list[tuple[int, str, str, dict[str, Any]]]
ChainFactory = Callable[[int], tuple[Tenant, Chain]]


@pytest.fixture
def committed_chain(committed_tenant: Callable[..., Tenant]) -> ChainFactory:
    """A committed tenant with ``events`` committed and sealed events."""
    return lambda events: _committed_chain(committed_tenant(), events)


def _committed_chain(tenant: Tenant, events: int) -> tuple[Tenant, Chain]:

    def write() -> None:
        with tenant_scope(tenant):
            for number in range(events):
                record(tenant, request_parameters={"external_id": f"cust-{number}"})

    in_own_connection(write)  # committed, and sealed by the commit hook
    return tenant, chain_of(tenant)


def tamper(sql: str, *params: object) -> None:
    """Change rows behind the triggers' back, as someone holding the owner's credentials could."""
    with owner_connection() as owner, owner.transaction():
        owner.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        owner.execute("ALTER TABLE audit_auditchainentry DISABLE TRIGGER audit_chain_append_only")
        owner.execute(sql, params)
        owner.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")
        owner.execute("ALTER TABLE audit_auditchainentry ENABLE TRIGGER audit_chain_append_only")


def event_id_at(tenant: Tenant, sequence: int) -> str:
    with tenant_scope(tenant):
        return str(AuditEvent.objects.get(chain_entry__sequence=sequence).event_id)


def test_an_altered_record_is_named_as_the_first_broken_row(
    capsys: pytest.CaptureFixture[str], committed_chain: ChainFactory
) -> None:
    tenant, _ = committed_chain(6)
    altered = event_id_at(tenant, 4)
    tamper(
        "UPDATE audit_auditevent SET record = replace(record::text, 'cust-3', 'cust-X')::json WHERE event_id = %s",
        altered,
    )

    with tenant_scope(tenant):
        report = chain_verify(tenant=tenant)
    assert not report.ok
    broken = report.first_broken_row
    assert broken is not None
    assert (broken.sequence, broken.event_id) == (4, altered)
    assert "record was altered" in broken.reason

    with pytest.raises(CommandError) as failure:
        call_command("audit_validate", "--db", tenant.slug)
    assert failure.value.returncode == 1
    assert f"First broken row: sequence 4 (event {altered})" in capsys.readouterr().out


def test_a_column_changed_to_hide_an_error_is_found(committed_chain: ChainFactory) -> None:
    tenant, _ = committed_chain(3)
    changed = event_id_at(tenant, 2)
    tamper("UPDATE audit_auditevent SET event_name = 'Harmless' WHERE event_id = %s", changed)
    with tenant_scope(tenant):
        broken = chain_verify(tenant=tenant).first_broken_row
    assert broken is not None
    assert (broken.sequence, broken.event_id) == (2, changed)
    assert "event_name" in broken.reason


def test_a_deleted_event_is_a_gap(committed_chain: ChainFactory) -> None:
    tenant, _ = committed_chain(5)
    removed = event_id_at(tenant, 3)
    tamper(
        "WITH gone AS (DELETE FROM audit_auditevent WHERE event_id = %s RETURNING id) "
        "DELETE FROM audit_auditchainentry WHERE event_id IN (SELECT id FROM gone)",
        removed,
    )
    with tenant_scope(tenant):
        broken = chain_verify(tenant=tenant).first_broken_row
    assert broken is not None
    assert broken.sequence == 4
    assert "gap" in broken.reason


def test_a_rewritten_chain_still_breaks_at_the_rewritten_link(
    committed_chain: ChainFactory,
) -> None:
    tenant, chain = committed_chain(4)
    tamper(
        "UPDATE audit_auditchainentry SET previous_hash = %s WHERE tenant_id = %s AND sequence = 3", "f" * 64, tenant.pk
    )
    with tenant_scope(tenant):
        broken = chain_verify(tenant=tenant).first_broken_row
    assert broken is not None
    assert broken.sequence == 3
    assert "previous_hash" in broken.reason
    assert chain[2][1] != "f" * 64
