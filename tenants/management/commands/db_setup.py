"""Create the application role and the database if they are missing (idempotent).

Runs as the owner role (DATABASE_OWNER_URL): the app role it creates can log in but is no
superuser, cannot create databases or roles, and does not bypass row-level security.
"""

from __future__ import annotations

from typing import Any

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand
from psycopg import sql


def ensure_app_role(conninfo: dict[str, Any], role: str, password: str | None) -> bool:
    """Create the non-superuser application role; True if it was created now."""
    with psycopg.connect(**conninfo, dbname="postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
            return False
        statement = sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS").format(
            sql.Identifier(role)
        )
        if password:
            statement += sql.SQL(" PASSWORD {}").format(sql.Literal(password))
        try:
            conn.execute(statement)
        except psycopg.errors.DuplicateObject:
            return False  # created concurrently (parallel test workers)
        return True


class Command(BaseCommand):
    help = "Create the application role and database if missing."

    def handle(self, *args: Any, **options: Any) -> None:
        owner = settings.DATABASE_OWNER
        conninfo = {
            key: value
            for key, value in {
                "host": owner.get("HOST") or None,
                "port": owner.get("PORT") or None,
                "user": owner.get("USER") or None,
                "password": owner.get("PASSWORD") or None,
            }.items()
            if value
        }
        app = settings.DATABASE_APP
        if ensure_app_role(conninfo, app["USER"], app.get("PASSWORD") or None):
            self.stdout.write(f"Created role {app['USER']}.")
        with psycopg.connect(**conninfo, dbname="postgres", autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [app["NAME"]]).fetchone():
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(app["NAME"])))
                self.stdout.write(f"Created database {app['NAME']}.")
        self.stdout.write(self.style.SUCCESS("Database ready."))
