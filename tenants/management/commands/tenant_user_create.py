"""python manage.py tenant_user_create <slug> <username> --role ROLE [--email ADDRESS]"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.errors import DomainError
from tenants.models import Role, Tenant
from tenants.scope import tenant_scope
from tenants.staff import tenant_user_create


class Command(BaseCommand):
    help = "Create a staff user in a tenant's admin and print their one-time set-password link."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--email", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        tenant = Tenant.objects.filter(slug=options["slug"]).first()
        if tenant is None:
            raise CommandError(f"No tenant {options['slug']!r}.")
        try:
            with tenant_scope(tenant):
                invite = tenant_user_create(
                    tenant=tenant, username=options["username"], role=options["role"], email=options["email"]
                )
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.detail}") from exc
        link = settings.VERITY_ADMIN_BASE_URL.rstrip("/") + invite.set_password_path
        self.stdout.write(f"Set-password link for {options['username']} ({options['role']} of {tenant.slug}): {link}")
        self.stdout.write(
            self.style.WARNING("The link works once, until a password is set, and expires; send it privately.")
        )
