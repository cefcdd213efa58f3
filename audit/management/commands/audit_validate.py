"""Validate an audit export offline, or a tenant's chain and digests in the database.

    manage.py audit_validate ./export [--start ... --end ...] [--bucket NAME] [--public-keys FILE]
    manage.py audit_validate --db acme

Exits non-zero when anything does not validate.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.cloudtrail.export import PUBLIC_KEYS_KEY, SIGNATURE_SUFFIX
from audit.cloudtrail.layout import parse_digest_file_key, parse_log_file_key
from audit.cloudtrail.validate import validate_export
from audit.integrity import chain_verify
from audit.management.commands.audit_export import parse_time
from audit.recording import chain_seal
from tenants.models import Tenant
from tenants.scope import tenant_scope


class Command(BaseCommand):
    help = "Validate a CloudTrail-layout audit export offline, or (--db) a tenant's chain in the database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", nargs="?", help="export directory (the one holding AWSLogs/)")
        parser.add_argument("--db", metavar="TENANT", help="verify this tenant's chain and digests instead")
        parser.add_argument("--start", type=parse_time, help="only hours from this time")
        parser.add_argument("--end", type=parse_time, help="only hours before this time")
        parser.add_argument("--bucket", help="bucket name the digests must name")
        parser.add_argument("--public-keys", type=Path, help="a trusted public-keys.json instead of the export's own")

    def handle(self, *args: Any, **options: Any) -> None:
        if bool(options["directory"]) == bool(options["db"]):
            raise CommandError("Give either an export directory or --db TENANT.")
        if options["db"]:
            self._validate_database(options["db"])
        else:
            self._validate_directory(Path(options["directory"]), options)

    def _validate_directory(self, root: Path, options: dict[str, Any]) -> None:
        if not root.is_dir():
            raise CommandError(f"{root} is not a directory.")
        trusted = json.loads(options["public_keys"].read_bytes()) if options["public_keys"] else None
        report = validate_export(
            root, start=options["start"], end=options["end"], bucket=options["bucket"], public_keys=trusted
        )
        invalid = {finding.file for finding in report.findings}
        for name in _export_files(root):
            if name not in invalid and _in_scope(name):
                self.stdout.write(f"valid\t{name}")
        for finding in report.findings:
            self.stdout.write(f"INVALID\t{finding.file}\t{finding.kind}\t{finding.detail}")
        self.stdout.write(report.summary().splitlines()[0])
        self.stdout.write(report.summary().splitlines()[1])
        if not report.ok:
            raise CommandError(f"Export is INVALID: {len(report.findings)} problem(s).", returncode=1)
        self.stdout.write(self.style.SUCCESS("Export is valid."))

    def _validate_database(self, slug: str) -> None:
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            raise CommandError(f"No tenant {slug!r}.")
        sealed = chain_seal(tenant_id=tenant.pk)
        with tenant_scope(tenant):
            report = chain_verify(tenant=tenant)
        self.stdout.write(
            f"Chain of {slug}: {report.events_checked} events checked "
            f"(sequences {report.first_sequence}–{report.last_sequence}), {sealed} sealed just now, "
            f"{report.digests_checked} digests checked"
        )
        if report.late_events:
            self.stdout.write(f"note\t{report.late_events} event(s) were sealed after their hour's digest")
        for problem in report.problems:
            self.stdout.write(f"INVALID\t{problem}")
        broken = report.first_broken_row
        if broken is not None:
            self.stdout.write(
                f"First broken row: sequence {broken.sequence} (event {broken.event_id}): {broken.reason}"
            )
        if not report.ok:
            raise CommandError(f"Chain of {slug} is INVALID: {len(report.problems)} problem(s).", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"Chain of {slug} is valid."))


def _export_files(root: Path) -> list[str]:
    names: list[str] = []
    for directory, _, files in os.walk(root):
        relative = Path(directory).relative_to(root)
        names.extend((relative / name).as_posix() for name in files)
    return sorted(names)


def _in_scope(name: str) -> bool:
    """Files the validator accounts for: log files, digests and their signatures, the key list."""
    return (
        name == PUBLIC_KEYS_KEY
        or parse_log_file_key(name) is not None
        or parse_digest_file_key(name.removesuffix(SIGNATURE_SUFFIX)) is not None
    )
