"""python manage.py collections_reconcile <slug> [--repair]: each collection's faces against Verity's records."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.models import Tenant
from tenants.scope import tenant_scope
from verification.erasure.reconciliation import collections_reconcile


class Command(BaseCommand):
    help = "Report faces the engine holds without a record (orphans) and recorded ones it lost (missing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the tenant")
        parser.add_argument("--repair", action="store_true", help="delete orphan faces, mark missing ones deleted")

    def handle(self, *args: Any, **options: Any) -> None:
        tenant = Tenant.objects.filter(slug=options["slug"]).first()
        if tenant is None:
            raise CommandError(f"No tenant {options['slug']!r}.")
        with tenant_scope(tenant):
            reports = collections_reconcile(tenant=tenant, repair=options["repair"])
        for report in reports:
            self.stdout.write(
                f"{report.collection_id}: {report.engine_faces} in the engine, {report.recorded_faces} recorded, "
                f"{len(report.orphans)} orphan(s), {len(report.missing)} missing, {len(report.deferred)} deferred"
            )
            for face_id in report.orphans:
                self.stdout.write(f"  orphan  {face_id}{' (deleted)' if options['repair'] else ''}")
            for face_id in report.missing:
                self.stdout.write(f"  missing {face_id}{' (marked deleted)' if options['repair'] else ''}")
