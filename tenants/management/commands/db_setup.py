"""Create the application and platform roles and the database if they are missing (idempotent).

Runs as the owner role (DATABASE_OWNER_URL): the roles it creates can log in but are no
superusers, cannot create databases or roles, and do not bypass row-level security. The
platform role may take the application role (a tenant scope inside platform work); the
application role may not take the platform role. Their rights on the tables are granted after
every migrate (tenants/rls.py).
"""

from __future__ import annotations

from typing import Any

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand
from psycopg import sql


def ensure_app_role(conninfo: dict[str, Any], role: str, password: str | None, *, options: str = "") -> bool:
    """Create a non-superuser login role; True if it was created now."""
    with psycopg.connect(**conninfo, dbname="postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
            return False
        statement = sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS " + options).format(
            sql.Identifier(role)
        )
        if password:
            statement += sql.SQL(" PASSWORD {}").format(sql.Literal(password))
        try:
            conn.execute(statement)
        except (psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation):
            # Created concurrently (parallel test workers): PostgreSQL reports a race it sees
            # late as a unique violation of pg_authid, not as a duplicate role.
            return False
        return True


def grant_role(conninfo: dict[str, Any], role: str, member: str) -> None:
    """Let ``member`` take ``role`` (SET ROLE)."""
    with psycopg.connect(**conninfo, dbname="postgres", autocommit=True) as conn:
        if not conn.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", [member, role]).fetchone()[0]:  # type: ignore[index]
            conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(role), sql.Identifier(member)))


def ensure_roles(conninfo: dict[str, Any]) -> list[str]:
    """The application and platform login roles; returns the names of those created now."""
    created = [
        credentials["USER"]
        for credentials in (settings.DATABASE_APP, settings.DATABASE_PLATFORM)
        if ensure_app_role(conninfo, credentials["USER"], credentials.get("PASSWORD") or None)
    ]
    grant_role(conninfo, settings.DATABASE_APP_ROLE, settings.DATABASE_PLATFORM_ROLE)
    return created


def owner_conninfo() -> dict[str, Any]:
    owner = settings.DATABASE_OWNER
    return {
        key: value
        for key, value in {
            "host": owner.get("HOST") or None,
            "port": owner.get("PORT") or None,
            "user": owner.get("USER") or None,
            "password": owner.get("PASSWORD") or None,
        }.items()
        if value
    }


class Command(BaseCommand):
    help = "Create the application and platform roles and the database if missing."

    def handle(self, *args: Any, **options: Any) -> None:
        conninfo = owner_conninfo()
        app = settings.DATABASE_APP
        for role in ensure_roles(conninfo):
            self.stdout.write(f"Created role {role}.")
        with psycopg.connect(**conninfo, dbname="postgres", autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [app["NAME"]]).fetchone():
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(app["NAME"])))
                self.stdout.write(f"Created database {app['NAME']}.")
        self.stdout.write(self.style.SUCCESS("Database ready."))
