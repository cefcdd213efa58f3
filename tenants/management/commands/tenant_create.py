"""python manage.py tenant_create <slug> --name ... [--region ...] [--shards N] [--if-missing]"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.errors import DomainError
from tenants.models import Tenant
from tenants.provisioning import tenant_create
from tenants.scope import platform_scope


class Command(BaseCommand):
    help = "Create a tenant with its KMS key, storage and a first live API key (printed once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--region", default=None)
        parser.add_argument("--shards", type=int, default=1)
        parser.add_argument(
            "--if-missing", action="store_true", help="Do nothing (exit 0) when the tenant already exists."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["slug"]
        if options["if_missing"] and Tenant.objects.filter(slug=slug).exists():
            self.stdout.write(
                f"Tenant {slug} exists; its first key was shown when it was created. "
                f"Issue another with: python manage.py apikey_create {slug}"
            )
            return
        try:
            with platform_scope():
                issued = tenant_create(
                    slug=slug, name=options["name"], region=options["region"], shard_count=options["shards"]
                )
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.detail} {exc.extra or ''}".strip()) from exc
        tenant = issued.api_key.tenant
        self.stdout.write(self.style.SUCCESS(f"Created tenant {tenant.slug} ({tenant.name})."))
        self.stdout.write(f"Account id:  {tenant.account_id}")
        self.stdout.write(f"Region:      {tenant.region}")
        self.stdout.write(f"KMS key:     {tenant.kms_key_arn}")
        self.stdout.write(f"Storage:     s3://{tenant.storage_bucket}/{tenant.storage_prefix}")
        self.stdout.write(f"API key:     {issued.token}")
        self.stdout.write(self.style.WARNING("The API key is shown only this once. Store it now."))
