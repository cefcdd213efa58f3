"""Check a signed receipt (an erasure receipt) offline.

    manage.py receipt_verify era_….receipt.json [--public-keys public-keys.json]

With ``--public-keys`` (the list GET /v1/audit/public-keys returns) nothing but the file and the
keys is read; without it, the deployment's own published keys are. Prints what the receipt says
and "valid", or each problem and exits non-zero.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.cloudtrail.signing import PublicKey
from audit.digests import public_keys
from audit.receipts import receipt_check
from tenants.scope import platform_scope


class Command(BaseCommand):
    help = "Check a signed receipt file against the published signing keys."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the receipt file, as GET /v1/erasures/{id}/receipt returns it")
        parser.add_argument("--public-keys", type=Path, help="a trusted public-keys.json instead of the database's")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            data = options["file"].read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {options['file']}: {error.strerror}.") from error
        check = receipt_check(data, public_keys=self._keys(options["public_keys"]))
        if check.body is not None:
            self.stdout.write(json.dumps(check.body, indent=2, sort_keys=True))
        if not check.valid:
            raise CommandError("INVALID: " + "; ".join(check.problems))
        self.stdout.write("valid")

    def _keys(self, path: Path | None) -> list[PublicKey]:
        if path is None:
            with platform_scope():
                return public_keys()
        try:
            entries = json.loads(path.read_bytes())
            if not isinstance(entries, list):
                raise ValueError("not a JSON list of keys")
            return [PublicKey.from_json(entry) for entry in entries]
        except (OSError, ValueError) as error:
            raise CommandError(f"{path} is not a public key list: {error}") from error
