"""PostgreSQL, with the tenant scope carried into every transaction (see ``tenants.scope``).

Before each query the wrapper compares what the current transaction carries with what the
current scope needs and, when they differ, sets the role and ``verity.tenant_id`` for the
transaction only (``set_config(..., true)``). A query outside any transaction but inside a
scope runs in a short transaction of its own, so row-level security always sees the scope.
What a transaction carried is forgotten when it commits or rolls back, and after a rollback
to a savepoint (which may undo a setting made inside it), so the next query sets it again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.backends.postgresql import base

from tenants.scope import current_scope, database_setting

_UNKNOWN = ("?", "?")  # a savepoint was rolled back: what the transaction carries must be set again
_TRANSACTION_CONTROL = ("SAVEPOINT ", "RELEASE SAVEPOINT ", "ROLLBACK TO SAVEPOINT ")


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.carried_setting: tuple[str, str] | None = None
        self.execute_wrappers.append(self._carry_scope)

    def _carry_scope(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
    ) -> Any:
        if sql.startswith(_TRANSACTION_CONTROL):  # runs as it is, also in an aborted transaction
            return execute(sql, params, many, context)
        wanted = database_setting(current_scope())
        if self.in_atomic_block or not self.get_autocommit():
            self._carry(wanted)
            return execute(sql, params, many, context)
        if wanted is None:
            return execute(sql, params, many, context)
        with transaction.atomic(using=self.alias):
            self._carry(wanted)
            return execute(sql, params, many, context)

    def carry_scope(self) -> None:
        """Give the open transaction the current scope's setting now, for SQL sent past the wrapper
        (a raw psycopg cursor)."""
        if not self.in_atomic_block:
            raise RuntimeError("carry_scope() needs a transaction; the wrapper handles lone queries.")
        self.ensure_connection()
        self._carry(database_setting(current_scope()))

    def _carry(self, wanted: tuple[str, str] | None) -> None:
        if self.carried_setting == wanted:
            return
        with self.wrap_database_errors:
            if wanted is None:  # back to the connection's own role, with no tenant
                self.connection.execute("RESET ROLE; SELECT set_config('verity.tenant_id', '', true)")
            else:
                self.connection.execute(
                    "SELECT set_config('role', %s, true), set_config('verity.tenant_id', %s, true)", list(wanted)
                )
        self.carried_setting = wanted

    def _commit(self) -> None:
        self.carried_setting = None
        super()._commit()  # type: ignore[misc]  # not in django-stubs

    def _rollback(self) -> None:
        self.carried_setting = None
        super()._rollback()  # type: ignore[misc]

    def _savepoint_rollback(self, sid: str) -> None:
        super()._savepoint_rollback(sid)  # type: ignore[misc]
        self.carried_setting = _UNKNOWN

    def _close(self) -> None:
        self.carried_setting = None
        super()._close()  # type: ignore[misc]
