"""python manage.py tenant_rekey <slug>: a new KMS key for what the tenant encrypts from now on.

The alias and the bucket's default encryption move to the new key; what the old key encrypted
stays readable (tenants.provisioning.tenant_rekey).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.models import Tenant, TenantStatus
from tenants.provisioning import tenant_rekey
from tenants.scope import tenant_scope


class Command(BaseCommand):
    help = "Move a tenant to a new KMS key for new objects and sealed fields; old ones stay readable."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the tenant")

    def handle(self, *args: Any, **options: Any) -> None:
        tenant = Tenant.objects.filter(slug=options["slug"], status=TenantStatus.ACTIVE).first()
        if tenant is None:
            raise CommandError(f"No active tenant {options['slug']!r}.")
        previous = tenant.kms_key_arn
        with tenant_scope(tenant):
            arn = tenant_rekey(tenant=tenant)
        self.stdout.write(f"{tenant.slug}: new KMS key {arn}; {previous} stays enabled for what it encrypted.")
