"""Admin for the audit log: read-only browsing for compliance officers and tenant admins, exports.

Nothing here writes an event: audit rows are created by services and cannot be changed or
deleted (the database refuses). Filters are chosen so that every one is served by an index
that starts with the tenant, and the changelist never counts the whole table.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from django.contrib import admin, messages
from django.db.models import Max, Min, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from audit.exports import export_request
from audit.identity import user_identity
from audit.models import AuditEvent, AuditExport, AuditSettings, ExportDestination, ExportStatus
from audit.retention import audit_settings_set
from audit.selectors import Outcome, export_download_link
from config.errors import DomainError
from tenants.admin import TenantOwnedAdmin
from tenants.admin_site import domain_errors_as_form_errors
from tenants.models import Role, Tenant

_AUDIT_READERS = frozenset({Role.TENANT_ADMIN, Role.COMPLIANCE_OFFICER})
# Lookup values offered in the filters come from this recent window, so that listing them
# never scans a tenant's whole history; any value still works when typed into the URL.
_CHOICES_WINDOW = timedelta(days=30)
MAX_SELECTED_EXPORT = 10_000


class _RecentValuesFilter(admin.SimpleListFilter):
    field_name: ClassVar[str]

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        recent = AuditEvent.objects.filter(event_time__gte=timezone.now() - _CHOICES_WINDOW)
        values = recent.order_by().values_list(self.field_name, flat=True).distinct()[:200]
        return [(value, value) for value in sorted(values)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        value = self.value()
        return queryset.filter(**{self.field_name: value}) if value else queryset


class EventNameFilter(_RecentValuesFilter):
    title = "event name"
    parameter_name = "event_name"
    field_name = "event_name"


class EventSourceFilter(_RecentValuesFilter):
    title = "event source"
    parameter_name = "event_source"
    field_name = "event_source"


class OutcomeFilter(admin.SimpleListFilter):
    title = "outcome"
    parameter_name = "outcome"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(Outcome.SUCCESS, "Success"), (Outcome.ERROR, "Error")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        if self.value() == Outcome.SUCCESS:
            return queryset.filter(error_code="")
        if self.value() == Outcome.ERROR:
            return queryset.exclude(error_code="")
        return queryset


class TimeFilter(admin.SimpleListFilter):
    title = "time"
    parameter_name = "period"
    _PERIODS: ClassVar[dict[str, timedelta]] = {
        "1h": timedelta(hours=1),
        "24h": timedelta(days=1),
        "7d": timedelta(days=7),
        "30d": timedelta(days=30),
        "90d": timedelta(days=90),
    }

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(key, f"Last {key}") for key in self._PERIODS]

    def queryset(self, request: HttpRequest, queryset: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        period = self._PERIODS.get(self.value() or "")
        return queryset.filter(event_time__gte=timezone.now() - period) if period else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(TenantOwnedAdmin):
    view_roles = _AUDIT_READERS
    read_only = True
    list_display = ["event_time", "event_name", "event_source", "principal", "source_ip", "outcome", "request_id"]
    list_filter = [TimeFilter, OutcomeFilter, EventSourceFilter, EventNameFilter, "read_only"]
    # Exact matches only, each on an indexed column: one box for a request id, principal or name.
    search_fields = ["=request_id", "=principal_id", "=event_name"]
    search_help_text = "An exact request id, principal id (an API key prefix, usr-<id>) or event name."
    ordering = ["-event_time", "-id"]
    list_per_page = 50
    show_full_result_count = False
    fields = readonly_fields = (
        "event_time",
        "event_id",
        "event_source",
        "event_name",
        "principal",
        "outcome",
        "chain",
        "record_json",
    )
    actions = ["export_events"]

    # An explicit time range: ?event_time__gte=...&event_time__lt=...
    extra_lookups = frozenset({"event_time__gte", "event_time__lt"})

    @admin.display(description="principal")
    def principal(self, event: AuditEvent) -> str:
        return event.user_name or event.principal_id or "—"

    @admin.display(description="outcome")
    def outcome(self, event: AuditEvent) -> str:
        return "success" if event.succeeded else event.error_code

    @admin.display(description="chain")
    def chain(self, event: AuditEvent) -> str:
        entry = getattr(event, "chain_entry", None)
        if entry is None or entry.sequence is None:
            return "not sealed yet"
        return f"#{entry.sequence} {entry.hash} (after {entry.previous_hash})"

    @admin.display(description="CloudTrail record")
    def record_json(self, event: AuditEvent) -> SafeString:
        return format_html("<pre>{}</pre>", json.dumps(event.record, indent=2, sort_keys=True, ensure_ascii=False))

    @admin.action(description="Export these events (CloudTrail layout, for download)")
    def export_events(self, request: HttpRequest, queryset: QuerySet[AuditEvent]) -> None:
        tenants = list(queryset.order_by().values_list("tenant_id", flat=True).distinct()[:2])
        if len(tenants) != 1 or tenants[0] is None:
            self.message_user(request, "Select the events of exactly one tenant.", messages.ERROR)
            return
        span = queryset.aggregate(first=Min("event_time"), last=Max("event_time"))
        count = queryset.count()
        if count > MAX_SELECTED_EXPORT:
            self.message_user(
                request,
                f"{count} events are selected; export at most {MAX_SELECTED_EXPORT} here, or use the API "
                "or `manage.py audit_export` for a whole time range.",
                messages.ERROR,
            )
            return
        tenant = Tenant.objects.get(pk=tenants[0])
        user = request.user
        membership = getattr(request, "membership", None)
        try:
            export = export_request(
                tenant=tenant,
                start_time=_floor_hour(span["first"]),
                end_time=_floor_hour(span["last"]) + timedelta(hours=1),
                destination=ExportDestination.BUNDLE,
                requested_by=user_identity(
                    user_pk=int(user.pk or 0),
                    username=user.get_username(),
                    tenant=membership.tenant if membership else None,
                ),
                filters={"event_ids": [str(value) for value in queryset.values_list("event_id", flat=True)]},
            )
        except DomainError as error:
            self.message_user(request, error.detail, messages.ERROR)
            return
        self.message_user(
            request, f"Export {export.public_id} of {count} events started; find its download link under Audit exports."
        )


def _floor_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


@admin.register(AuditExport)
class AuditExportAdmin(TenantOwnedAdmin):
    view_roles = _AUDIT_READERS
    read_only = True
    list_display = ["public_id", "status", "format", "start_time", "end_time", "record_count", "created_at"]
    list_filter = ["status", "format"]
    ordering = ["-created_at"]
    fields = readonly_fields = (
        "public_id",
        "status",
        "format",
        "destination",
        "start_time",
        "end_time",
        "filters",
        "record_count",
        "file_count",
        "error",
        "created_at",
        "finished_at",
        "download",
    )

    @admin.display(description="download")
    def download(self, export: AuditExport) -> SafeString | str:
        if export.status != ExportStatus.COMPLETED:
            return "—"
        link = export_download_link(export)
        return format_html('<a href="{}">Download (link valid for an hour)</a>', link) if link else export.location


@admin.register(AuditSettings)
class AuditSettingsAdmin(TenantOwnedAdmin):
    view_roles = _AUDIT_READERS
    change_roles = frozenset({Role.TENANT_ADMIN})
    list_display = ["retention_days", "updated_at"]
    fields = ["retention_days"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # One row per tenant: a tenant admin adds it once and changes it afterwards.
        allowed = super().has_add_permission(request)
        return allowed and (request.user.is_superuser or not AuditSettings.objects.exists())

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: AuditSettings, form: Any, change: bool) -> None:
        with domain_errors_as_form_errors():
            saved = audit_settings_set(
                tenant=Tenant.objects.get(pk=obj.tenant_id), retention_days=obj.retention_days, actor=request.user
            )
        obj.pk, obj.updated_at = saved.pk, saved.updated_at
