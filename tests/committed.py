"""Work other connections can see: committed in a thread of its own, or done as the schema owner.

Tests run inside pytest-django's rolled-back transaction; concurrency tests and tampering need
rows that other connections see, and privileges the application role lacks.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg
from django.conf import settings
from django.db import connection, connections

T = TypeVar("T")


def in_own_connection(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``function`` in a thread with its own database connection (autocommit), and return its result."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = function(*args, **kwargs)
        except BaseException as error:  # handed to the calling thread
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def connect_as(role: dict[str, Any]) -> psycopg.Connection[Any]:
    """A connection of its own to the test database with ``role``'s credentials (a DATABASES entry)."""
    conninfo = {
        "host": role["HOST"] or None,
        "port": role["PORT"] or None,
        "user": role["USER"],
        "password": role["PASSWORD"] or None,
        "dbname": connection.settings_dict["NAME"],
    }
    return psycopg.connect(**{key: value for key, value in conninfo.items() if value})


@contextmanager
def owner_connection() -> Iterator[psycopg.Connection[Any]]:
    """The migration owner's connection to the test database: it can do what the app role cannot."""
    with connect_as(settings.DATABASE_OWNER) as conn:
        yield conn


def delete_tenant_as_owner(tenant_id: int) -> None:
    """Remove a committed tenant and every row that references it by a foreign key.

    Audit rows reference tenants without a database constraint and cannot be deleted; they
    stay, invisible to every other tenant's scope.
    """
    with owner_connection() as owner:
        twins = owner.execute("SELECT id FROM tenants_tenant WHERE live_tenant_id = %s", [tenant_id]).fetchall()
    for (twin_id,) in twins:  # its test-mode twin first (docs/test-mode.md)
        delete_tenant_as_owner(twin_id)
    with owner_connection() as owner:
        tables = owner.execute(
            "SELECT conrelid::regclass::text FROM pg_constraint "
            "WHERE contype = 'f' AND confrelid = 'tenants_tenant'::regclass AND conrelid <> 'tenants_tenant'::regclass"
        ).fetchall()
        # Tables that reference each other (a verification's steps, its verification) are
        # emptied in whatever order their foreign keys allow: a refused delete is retried after
        # the others.
        pending = [table for (table,) in tables]
        while pending:
            refused = []
            for table in pending:
                try:
                    with owner.transaction():
                        owner.execute(f"DELETE FROM {table} WHERE tenant_id = %s", [tenant_id])  # noqa: S608
                except psycopg.errors.ForeignKeyViolation:
                    refused.append(table)
            if len(refused) == len(pending):
                raise RuntimeError(f"Cannot delete tenant {tenant_id}'s rows from {refused}.")
            pending = refused
        owner.execute("DELETE FROM tenants_tenant WHERE id = %s", [tenant_id])
