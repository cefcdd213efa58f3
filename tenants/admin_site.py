"""The admin site: platform operators see everything; a tenant's staff see only their tenant."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class VerityAdminSite(admin.AdminSite):
    site_header = "Verity"
    site_title = "Verity admin"
    index_title = "Administration"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        return bool(user.is_superuser or getattr(request, "membership", None))


class VerityAdminConfig(AdminConfig):
    default_site = "tenants.admin_site.VerityAdminSite"
