"""Retire the deployment's active digest signing key and start signing with a fresh one."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from audit.digests import signing_key_rotate
from tenants.scope import platform_scope


class Command(BaseCommand):
    help = "Rotate the audit digest signing key; the old public key stays published."

    def handle(self, *args: Any, **options: Any) -> None:
        with platform_scope():
            key = signing_key_rotate()
        self.stdout.write(
            self.style.SUCCESS(f"New signing key {key.fingerprint}, valid from {key.valid_from:%Y-%m-%dT%H:%M:%SZ}.")
        )
