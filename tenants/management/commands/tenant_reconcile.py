"""python manage.py tenant_reconcile: recreate missing KMS keys and storage of active tenants."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tenants.models import Tenant, TenantStatus
from tenants.provisioning import tenant_reconcile
from tenants.scope import tenant_scope


class Command(BaseCommand):
    help = "Recreate missing KMS key aliases and storage buckets of active tenants."

    def handle(self, *args: Any, **options: Any) -> None:
        for tenant in Tenant.objects.filter(status=TenantStatus.ACTIVE):
            with tenant_scope(tenant):
                repaired = tenant_reconcile(tenant=tenant)
            if repaired:
                self.stdout.write(f"{tenant.slug}: recreated {', '.join(repaired)}")
