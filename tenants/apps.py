"""Tenants app: tenancy, API keys and their policies, scoping and row-level security."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TenantsConfig(AppConfig):
    name = "tenants"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tenants.rls import on_post_migrate

        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="verity-row-level-security")
