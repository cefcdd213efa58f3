"""Export a tenant's audit events for a time range to a directory or the tenant's bucket.

manage.py audit_export acme --start 2025-01-01T00:00:00Z --end 2025-02-01T00:00:00Z --dir ./export
manage.py audit_export acme --start ... --end ... --s3 [--format csv]
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.exports import export_request, export_run
from audit.identity import system_identity
from audit.models import ExportDestination, ExportFormat
from config.errors import DomainError
from tenants.models import Tenant
from tenants.scope import tenant_scope


def parse_time(text: str) -> datetime:
    """ISO 8601 with a time zone, e.g. 2025-01-01T00:00:00Z."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.utcoffset() is None:
        raise ValueError(f"{text!r} needs a time zone, e.g. a trailing Z")
    return moment


class Command(BaseCommand):
    help = "Export a tenant's audit events in CloudTrail's layout (or CSV) to a directory or its bucket."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("tenant", help="tenant slug")
        parser.add_argument("--start", required=True, type=parse_time, help="whole UTC hour, inclusive")
        parser.add_argument("--end", required=True, type=parse_time, help="whole UTC hour, exclusive")
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--dir", help="write to this local directory")
        where.add_argument("--s3", action="store_true", help="write to the tenant's bucket")
        parser.add_argument("--format", choices=ExportFormat.values, default=ExportFormat.CLOUDTRAIL)
        parser.add_argument(
            "--bucket", default="", help="bucket name the digests record (default: the tenant's storage bucket)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        tenant = Tenant.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"No tenant {options['tenant']!r}.")
        try:
            with tenant_scope(tenant):
                export = export_request(
                    tenant=tenant,
                    start_time=options["start"],
                    end_time=options["end"],
                    export_format=options["format"],
                    destination=ExportDestination.DIRECTORY if options["dir"] else ExportDestination.S3,
                    requested_by=system_identity(tenant) | {"userName": "manage.py audit_export"},
                    location=options["dir"] or "",
                    bucket=options["bucket"],
                )
                export = export_run(export=export)
        except DomainError as error:
            raise CommandError(error.detail) from error
        where = (
            export.location
            if export.destination == ExportDestination.DIRECTORY
            else (f"s3://{export.bucket}/{export.location}")
        )
        covered = f"{export.start_time:%Y-%m-%dT%H:%M:%SZ} to {export.end_time:%Y-%m-%dT%H:%M:%SZ}"
        if export.end_time < options["end"]:
            covered += " (the newest complete hour; later hours can still change)"
        self.stdout.write(
            self.style.SUCCESS(
                f"Exported {export.record_count} events from {covered} in {export.file_count} files "
                f"to {where} ({export.public_id})."
            )
        )
