"""Batch index jobs and their items in the admin, read-only (the jobs run through the API and a worker)."""

from __future__ import annotations

from django.contrib import admin

from tenants.admin import TenantOwnedAdmin
from verification.batch import batch_job_counts
from verification.models import BatchIndexItem, BatchIndexJob


@admin.register(BatchIndexJob)
class BatchIndexJobAdmin(TenantOwnedAdmin):
    """Batch index jobs, read-only: they run through the API and their worker, which audit each item."""

    read_only = True
    list_display = ["public_id", "status", "total_items", "manifest_name", "created_at", "finished_at"]
    list_filter = ["status"]
    search_fields = ["=public_id"]
    ordering = ["-created_at"]
    fields = readonly_fields = (
        "public_id",
        "status",
        "manifest_bucket",
        "manifest_name",
        "manifest_version",
        "manifest_format",
        "consent_terms",
        "total_items",
        "progress",
        "error_code",
        "error_detail",
        "created_at",
        "started_at",
        "finished_at",
    )

    @admin.display(description="progress")
    def progress(self, obj: BatchIndexJob) -> str:
        if not obj.pk:
            return "—"
        counts = batch_job_counts(job=obj)
        return " · ".join(f"{name} {value}" for name, value in counts.items())


@admin.register(BatchIndexItem)
class BatchIndexItemAdmin(TenantOwnedAdmin):
    """A job's lines and what became of each (failures with their codes; duplicate flags)."""

    read_only = True
    list_display = ["job", "line", "external_id", "status", "error_code", "subject", "adopted"]
    list_filter = ["status", "adopted"]
    search_fields = ["=job__public_id", "=external_id", "=subject__public_id"]
    ordering = ["job", "line"]
    fields = readonly_fields = (
        "job",
        "line",
        "external_id",
        "s3_name",
        "consent_reference",
        "status",
        "attempts",
        "error_code",
        "error_detail",
        "subject",
        "face",
        "adopted",
        "duplicates",
        "duplicates_checked",
        "created_at",
        "updated_at",
    )
