"""python manage.py apikey_create <slug> [--test] [--policy FILE] [--expires ISO8601] [--name ...]"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.errors import DomainError
from tenants.models import ApiKeyMode, Tenant
from tenants.scope import tenant_scope
from tenants.services import apikey_create


def _parse_expiry(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise CommandError(f"--expires {value!r} is not an ISO 8601 date-time.") from exc
    if parsed.tzinfo is None:
        raise CommandError("--expires needs a time zone, e.g. 2027-01-01T00:00:00Z.")
    return parsed


class Command(BaseCommand):
    help = "Issue an API key for a tenant; the key is printed once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--test", action="store_true", help="Issue a vk_test_ key.")
        parser.add_argument("--policy", type=Path, help="A JSON policy document (default: allow everything).")
        parser.add_argument("--expires", help="Expiry as ISO 8601, e.g. 2027-01-01T00:00:00Z.")
        parser.add_argument("--name", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        tenant = Tenant.objects.filter(slug=options["slug"]).first()
        if tenant is None:
            raise CommandError(f"No tenant {options['slug']!r}.")
        policy = None
        if options["policy"]:
            try:
                policy = json.loads(options["policy"].read_text())
            except (OSError, ValueError) as exc:
                raise CommandError(f"Cannot read the policy: {exc}") from exc
        try:
            with tenant_scope(tenant):
                issued = apikey_create(
                    tenant=tenant,
                    name=options["name"],
                    mode=ApiKeyMode.TEST if options["test"] else ApiKeyMode.LIVE,
                    policy=policy,
                    expires_at=_parse_expiry(options["expires"]) if options["expires"] else None,
                )
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.detail}") from exc
        self.stdout.write(f"API key: {issued.token}")
        self.stdout.write(self.style.WARNING("The API key is shown only this once. Store it now."))
