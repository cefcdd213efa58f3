"""The hash chain: sealing each tenant's events after commit, and the scopes its rows are written in.

Sealing after commit, instead of locking the chain while inserting, means a request that
records an event early does not hold a tenant-wide lock until it commits, so a tenant's
concurrent requests never queue behind each other's audit rows. The chain is still gapless and
fork-free: the database seals under a per-tenant lock, hashing each event's stored canonical
JSON exactly as ``audit.cloudtrail.records.record_hash`` does (which verification uses to
recompute every hash).
"""

from __future__ import annotations

import contextvars
import functools
import logging
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections, transaction

from tenants.scope import current_scope, platform_scope, scope_connection, scope_database, tenant_scope

logger = logging.getLogger(__name__)

SEAL_BATCH = 5000
# A seal after commit waits at most this long for another seal of the same chain.
SEAL_LOCK_TIMEOUT = "2s"
# A second connection with the application's credentials, for events that commit on their own.
AUDIT_DATABASE = "audit"


def chain_seal(*, tenant_id: int | None, lock_timeout: str | None = None) -> int:
    """Give every committed, unsealed event of the chain its sequence and hash; return how many.

    The database does the hashing (``verity_audit_seal``), so records never travel back to
    Python. Run it outside a transaction: each batch takes the chain's lock in its own
    transaction (inside a caller's transaction the lock is held until that one ends).
    ``lock_timeout`` bounds the wait for a concurrent seal (a PostgreSQL interval such as
    ``"2s"``); the default waits as long as it takes.
    """
    sealed = 0
    while True:
        with _own_scope(tenant_id), transaction.atomic(using=scope_database()), scope_connection().cursor() as cursor:
            own_transaction = len(scope_connection().atomic_blocks) == 1
            cursor.execute(
                "SELECT verity_audit_seal(%s, %s, %s, %s)", [tenant_id, SEAL_BATCH, lock_timeout, own_transaction]
            )
            batch = int(cursor.fetchone()[0])
        sealed += batch
        if batch < SEAL_BATCH:
            return sealed


def _own_scope(chain: int | None) -> AbstractContextManager[Any]:
    """The chain's own scope (and transaction): RLS then shows exactly its rows."""
    return platform_scope() if chain is None else tenant_scope(chain)


def _scope_of_chain(chain: int | None) -> AbstractContextManager[Any]:
    """The scope a chain's rows are visible and writable in: the caller's, when it covers the chain.

    The audit log writes each event into its own tenant's chain whatever scope its caller runs
    in (an operator's change to a tenant goes into that tenant's log), so this, with
    ``_independent_scope`` and ``_own_scope``, is where the audit log's writer enters a scope
    outside the edges (``tests/test_scope_rule.py`` allows it here and in
    ``audit.recording.console``, which finds an admin-changed object's tenant).
    """
    scope = current_scope()
    in_scope = scope is not None and (scope.all_tenants or (chain is not None and scope.tenant_id == chain))
    return nullcontext() if in_scope else _own_scope(chain)


def _independent_scope(chain: int | None) -> AbstractContextManager[Any]:
    """The chain's scope on the ``audit`` connection, whose transaction commits on its own."""
    if chain is None:
        return platform_scope(database=AUDIT_DATABASE)
    return tenant_scope(chain, database=AUDIT_DATABASE)


@contextmanager
def committed_together(chain: int | None) -> Iterator[None]:
    """A transaction of the chain's own on the ``audit`` connection: the events recorded inside
    (without ``commit_now``) commit together when the block ends, and the chain is sealed once."""
    with _independent_scope(chain), transaction.atomic(using=scope_database(), durable=True):
        yield


# Inside ``seals_deferred``: the (connection alias, chain) pairs written to, sealed once at its end.
_deferred: contextvars.ContextVar[set[tuple[str, int | None]] | None] = contextvars.ContextVar(
    "verity_audit_deferred_seals", default=None
)


@contextmanager
def seals_deferred() -> Iterator[None]:
    """Seal each chain written to inside the block once, when the block ends, instead of after
    every transaction that wrote to it: one unit of work (a request, a worker's run of a
    verification) that commits several short transactions pays for one seal per chain.

    The events are committed as before; only their sealing waits, for at most the block (and
    the sweeper, ``audit.tasks.seal_pending_chains``, seals what a killed process left). A chain
    whose events are still in an open transaction when the block ends is sealed after that
    transaction commits, as without this block.
    """
    if _deferred.get() is not None:  # already deferred by an enclosing block: its end seals
        yield
        return
    pending: set[tuple[str, int | None]] = set()
    token = _deferred.set(pending)
    try:
        yield
    finally:
        _deferred.reset(token)
        sealed: set[int | None] = set()
        for alias, chain in sorted(pending, key=lambda item: (item[0], item[1] or 0)):
            if connections[alias].in_atomic_block:
                _seal_on_commit(connections[alias], chain)
            elif chain not in sealed:
                sealed.add(chain)
                with _scope_on(alias, chain):  # sealed on the connection that wrote the events
                    _seal_quietly(chain)


def _scope_on(alias: str, chain: int | None) -> AbstractContextManager[Any]:
    """The chain's scope on the connection ``alias`` (a platform connection: the one it goes with)."""
    base = {platform: own for own, platform in settings.VERITY_PLATFORM_DATABASES.items()}.get(alias, alias)
    return platform_scope(database=base) if chain is None else tenant_scope(chain, database=base)


def _seal_after_commit(chain: int | None) -> None:
    """Seal ``chain`` once after the current transaction commits, however many events it wrote
    (or, inside ``seals_deferred``, once when that block ends)."""
    connection = scope_connection()
    deferred = _deferred.get()
    if deferred is not None:
        deferred.add((connection.alias, chain))
    else:
        _seal_on_commit(connection, chain)


def _seal_on_commit(connection: Any, chain: int | None) -> None:
    """One seal of ``chain`` when the connection's current transaction commits (one at most).

    Django replaces its list of commit callbacks at every commit and rollback, so a marker tied
    to that list object is forgotten exactly when the callbacks are.
    """
    pending = connection.run_on_commit
    marker: tuple[list[Any], set[int | None]] | None = getattr(connection, "_verity_audit_seals", None)
    if marker is None or marker[0] is not pending:
        marker = (pending, set())
        setattr(connection, "_verity_audit_seals", marker)  # noqa: B010 - the proxy forwards setattr
    if chain in marker[1]:
        return
    marker[1].add(chain)
    transaction.on_commit(functools.partial(_seal_quietly, chain), using=connection.alias)


def _seal_quietly(chain: int | None) -> None:
    # The events are committed either way; a seal that fails here is retried by the sweeper
    # (audit.tasks.seal_pending_chains), so the request that wrote them must not fail.
    try:
        chain_seal(tenant_id=chain, lock_timeout=SEAL_LOCK_TIMEOUT)
    except DatabaseError:
        logger.warning("Sealing the audit chain of tenant %s was deferred to the sweeper", chain, exc_info=True)
