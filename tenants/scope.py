"""The one tenant-scoping mechanism: a context variable, carried into every transaction by the database backend.

Edges (the request middleware, the admin, task bodies, management commands) enter a scope with
``tenant_scope(tenant)`` or ``platform_scope()``; services only check that they run inside the
right one (``require_scope``) and own their transactions. ``TenantScopedManager`` reads the
context variable and refuses to run without it.

A scope is not a transaction: it may span several short ones, so that no transaction stays open
across a call to AWS. The backend (``tenants/db``) gives every transaction run inside a scope
the scope's database role and ``verity.tenant_id``, as transaction-local settings that the
row-level security policies read (see ``tenants/rls.py``); a query outside any transaction runs
in a short one of its own. Nothing is set for the session, so nothing outlives its transaction
on a pooled connection.

A tenant scope runs as the application role, which row-level security confines to
``verity.tenant_id``; the platform scope as the platform role, the only one that sees every
tenant. In production each role is a login of its own, so the role setting is a no-op and
tenant-serving connections simply do not hold the platform role's credentials; the test suite
logs in once as a member of both and the setting is what gives each scope its rights.

Each scope also names the database connection it runs on: a tenant scope the enclosing
scope's, else ``default``; a platform scope the platform connection that goes with it
(``VERITY_PLATFORM_DATABASES``: ``platform`` for ``default``, ``audit_platform`` for the audit
log's ``audit``). ``database`` names another one (the audit log's, for writes that must commit
on their own). ``ScopeRouter`` sends the ORM to the current scope's connection; raw SQL uses
``scope_connection()``.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper


class TenantScopeError(RuntimeError):
    """Tenant-owned data was touched outside a tenant scope."""


@dataclass(frozen=True)
class Scope:
    tenant_id: int | None
    all_tenants: bool = False
    database: str = DEFAULT_DB_ALIAS


_current: contextvars.ContextVar[Scope | None] = contextvars.ContextVar("verity_scope", default=None)


def current_scope() -> Scope | None:
    return _current.get()


def current_tenant_id() -> int:
    """The tenant of the current scope; raises when there is none (or in the platform scope)."""
    scope = _current.get()
    if scope is None or scope.tenant_id is None:
        raise TenantScopeError("No tenant scope is active.")
    return scope.tenant_id


def require_scope(tenant: object | None = None, *, platform: bool = False) -> Scope:
    """The current scope, when it is the one a service needs; raises ``TenantScopeError`` otherwise.

    Services call this instead of opening a scope: edges (middleware, admin, task bodies,
    management commands) enter it. ``tenant`` (a Tenant or its primary key): a scope of that
    tenant, or the platform scope, which sees every tenant; neither: any tenant's scope;
    ``platform``: the platform scope.
    """
    scope = _current.get()
    if scope is None:
        raise TenantScopeError("No scope is active: an edge must enter one before calling a service.")
    if platform:
        if not scope.all_tenants:
            raise TenantScopeError("This needs the platform scope.")
        return scope
    if scope.all_tenants:
        if tenant is None:
            raise TenantScopeError("This needs a tenant's scope, not the platform scope.")
        return scope
    if tenant is not None and scope.tenant_id != int(getattr(tenant, "pk", tenant)):  # type: ignore[call-overload]
        raise TenantScopeError("The active scope belongs to another tenant.")
    return scope


def scope_database() -> str:
    """The alias of the connection the current scope runs on (``default`` outside any scope)."""
    scope = _current.get()
    return scope.database if scope is not None else DEFAULT_DB_ALIAS


def scope_connection() -> BaseDatabaseWrapper:
    """The connection raw SQL of the current scope must use."""
    return connections[scope_database()]


class ScopeRouter:
    """Sends every ORM query to the current scope's connection."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        return scope_database()

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return scope_database()

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # every alias is the same database


def _scope_role(scope: Scope) -> str:
    return settings.DATABASE_PLATFORM_ROLE if scope.all_tenants else settings.DATABASE_APP_ROLE


def database_setting(scope: Scope | None) -> tuple[str, str] | None:
    """What a transaction must carry for ``scope``: (role, tenant id); None outside any scope."""
    if scope is None:
        return None
    return _scope_role(scope), "" if scope.tenant_id is None else str(scope.tenant_id)


@contextmanager
def _enter(scope: Scope) -> Iterator[Scope]:
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)


@contextmanager
def tenant_scope(tenant_or_id: object, *, database: str | None = None) -> Iterator[Scope]:
    """Run the block as the given tenant (a Tenant or its primary key). Edges only.

    The scope is a context, not a transaction: every transaction inside it (a service's
    ``transaction.atomic()``, or a lone query's own) carries the tenant's role and id, applied by
    the database backend (``tenants.db``), and nothing of it outlives the transaction. The
    connection is the enclosing scope's, else ``default``; ``database`` names another one.
    """
    tenant_id = int(getattr(tenant_or_id, "pk", tenant_or_id))  # type: ignore[call-overload]
    with _enter(Scope(tenant_id=tenant_id, database=database or scope_database())) as scope:
        yield scope


@contextmanager
def platform_scope(*, database: str | None = None) -> Iterator[Scope]:
    """Run the block as a platform operator, who sees every tenant's rows, on a platform connection. Edges only.

    The connection is the platform one that goes with the enclosing scope's (or ``database``'s):
    only those log in with the platform role's credentials.
    """
    platform_database = settings.VERITY_PLATFORM_DATABASES[database or scope_database()]
    with _enter(Scope(tenant_id=None, all_tenants=True, database=platform_database)) as scope:
        yield scope
