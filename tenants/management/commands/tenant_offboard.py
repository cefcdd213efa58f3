"""python manage.py tenant_offboard <slug> [--receipt FILE]: offboard a tenant, and write its signed receipt.

Suspends and revokes its keys, erases every subject, deletes its moderation data, collections
and stored objects (but the audit trail), exports the audit log for handover and schedules the
deletion of its KMS key (tenants.offboarding). Running it again resumes a run that failed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.errors import DomainError
from tenants.models import Tenant
from tenants.tasks import offboard_with_test_twin


class Command(BaseCommand):
    help = "Offboard a tenant: erase everything but its audit trail, schedule its KMS key's deletion."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the tenant")
        parser.add_argument("--receipt", type=Path, help="write the signed receipt to this file")

    def handle(self, *args: Any, **options: Any) -> None:
        tenant = Tenant.objects.filter(slug=options["slug"]).first()
        if tenant is None:
            raise CommandError(f"No tenant {options['slug']!r}.")
        try:
            receipt = offboard_with_test_twin(tenant, requested_by="operator/manage.py")
        except DomainError as error:
            raise CommandError(f"{error.detail} ({error.code})") from error
        if options["receipt"]:
            options["receipt"].write_bytes(receipt)
        body = json.loads(receipt)
        self.stdout.write(f"{tenant.slug}: offboarded; KMS key {tenant.kms_key_arn} deleted after the pending window.")
        self.stdout.write(
            f"receipt signed with key {body['publicKeyFingerprint']}"
            + (f", written to {options['receipt']}" if options["receipt"] else "")
        )
