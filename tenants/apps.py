"""Tenants app: tenancy, API keys and their policies, scoping and row-level security."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TenantsConfig(AppConfig):
    name = "tenants"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed

        from tenants.rls import on_post_migrate
        from tenants.signin_throttle import on_login_failed

        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="verity-row-level-security")
        user_login_failed.connect(on_login_failed, dispatch_uid="verity-signin-throttle")
