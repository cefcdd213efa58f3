"""The one tenant-scoping mechanism: a context variable plus a per-transaction PostgreSQL setting.

Everything that touches tenant-owned rows runs inside ``tenant_scope(tenant)`` (a request, an
admin session, a Celery task). The scope opens a transaction and sets ``verity.tenant_id`` for
that transaction only, which the row-level security policies read (see ``tenants/rls.py``);
``TenantScopedManager`` reads the context variable and refuses to run without it.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction


class TenantScopeError(RuntimeError):
    """Tenant-owned data was touched outside a tenant scope."""


@dataclass(frozen=True)
class Scope:
    tenant_id: int | None
    all_tenants: bool = False


_current: contextvars.ContextVar[Scope | None] = contextvars.ContextVar("verity_scope", default=None)


def current_scope() -> Scope | None:
    return _current.get()


def current_tenant_id() -> int:
    """The tenant of the current scope; raises when there is none (or in the platform scope)."""
    scope = _current.get()
    if scope is None or scope.tenant_id is None:
        raise TenantScopeError("No tenant scope is active.")
    return scope.tenant_id


def _apply_database_setting(scope: Scope) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('verity.tenant_id', %s, true), set_config('verity.all_tenants', %s, true)",
            ["" if scope.tenant_id is None else str(scope.tenant_id), "on" if scope.all_tenants else "off"],
        )


@contextmanager
def _enter(scope: Scope) -> Iterator[Scope]:
    token = _current.set(scope)
    try:
        with transaction.atomic():
            _apply_database_setting(scope)
            yield scope
    finally:
        _current.reset(token)
        # Inside a caller's transaction the setting would outlive this scope: hand it back.
        if connection.in_atomic_block and not connection.needs_rollback:
            _apply_database_setting(_current.get() or Scope(tenant_id=None))


@contextmanager
def tenant_scope(tenant_or_id: object) -> Iterator[Scope]:
    """Run the block as the given tenant (a Tenant or its primary key), in one transaction."""
    tenant_id = int(getattr(tenant_or_id, "pk", tenant_or_id))  # type: ignore[call-overload]
    with _enter(Scope(tenant_id=tenant_id)) as scope:
        yield scope


@contextmanager
def platform_scope() -> Iterator[Scope]:
    """Run the block as a platform operator, who sees every tenant's rows."""
    with _enter(Scope(tenant_id=None, all_tenants=True)) as scope:
        yield scope
