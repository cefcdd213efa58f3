"""Admin for subjects, scoped to the member's tenant like every tenant-owned model."""

from django.contrib import admin

from tenants.admin import TenantOwnedAdmin
from verification.models import Subject


@admin.register(Subject)
class SubjectAdmin(TenantOwnedAdmin):
    list_display = ["public_id", "external_id", "created_at"]
    search_fields = ["public_id", "external_id"]
    readonly_fields = ["public_id", "created_at", "updated_at"]
