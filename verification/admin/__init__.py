"""Admin for subjects, consents, faces, verifications and the tenant's verification settings.

Every view is scoped to the member's tenant like every tenant-owned model. Consents, faces and
verifications are read-only here: they change only through the API and the flows, which audit
each change. Tenant admins edit the verification settings (validated by the model's choices).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from config.api.serializers import DEFAULT_REPORT_PERIOD
from tenants.admin import ReadOnlyInline, TenantOwnedAdmin
from tenants.models import Role, Tenant
from tenants.scope import TenantScopeError, current_tenant_id
from verification.consents import consent_register_write
from verification.erasure.retention import retention_preview
from verification.kpis import verification_kpis
from verification.kpis_admin import KpiPeriodForm, kpi_charts
from verification.kpis_api import kpis_document
from verification.models import (
    ERASURE_STORES,
    Consent,
    Erasure,
    Face,
    Subject,
    Verification,
    VerificationSettings,
    VerificationStep,
)


@admin.register(Subject)
class SubjectAdmin(TenantOwnedAdmin):
    list_display = ["public_id", "external_id", "shard", "created_at"]
    search_fields = ["public_id", "external_id"]
    # Consents and faces are shown, not edited: read-only fields rather than inlines, so the
    # subject's own form posts nothing for them.
    readonly_fields = ["public_id", "shard", "consent_list", "face_list", "created_at", "updated_at"]

    @admin.display(description="consents")
    def consent_list(self, obj: Subject) -> str:
        consents = Consent.objects.filter(subject=obj).order_by("-created_at") if obj.pk else []
        rows = (
            (
                c.public_id,
                c.purpose,
                c.text_version,
                c.method,
                c.granted_at,
                c.expires_at or "—",
                _active(c.is_active()),
            )
            for c in consents
        )
        return format_html_join("\n", "<div>{} · {} · text {} · {} · {} · expires {} · {}</div>", rows) or "—"

    @admin.display(description="faces")
    def face_list(self, obj: Subject) -> str:
        faces = Face.objects.filter(subject=obj).select_related("collection").order_by("-created_at") if obj.pk else []
        rows = ((f.face_id, f.status, f.collection, f.face_model_version, f.created_at) for f in faces)
        return format_html_join("\n", "<div><code>{}</code> · {} · {} · model {} · {}</div>", rows) or "—"


def _active(active: bool) -> str:
    return "active" if active else "not active"


class ConsentRegisterForm(forms.Form):
    start = forms.DateField(label="From (UTC, inclusive)", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To (UTC, inclusive)", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("start") and cleaned.get("end") and cleaned["start"] > cleaned["end"]:
            raise forms.ValidationError("The period's start must not be after its end.", code="invalid_period")
        return cleaned


@admin.register(Consent)
class ConsentAdmin(TenantOwnedAdmin):
    read_only = True
    list_display = ["public_id", "subject", "purpose", "text_version", "method", "granted_at", "expires_at"]
    list_filter = ["purpose", "method"]
    search_fields = ["=public_id", "=subject__public_id"]
    ordering = ["-created_at"]
    fields = readonly_fields = (
        "public_id",
        "subject",
        "purpose",
        "text_version",
        "method",
        "granted_at",
        "source_ip",
        "expires_at",
        "withdrawn_at",
        "reference",
    )

    def get_urls(self) -> list[URLPattern]:
        register = path(
            "register/", self.admin_site.admin_view(self.register_view), name="verification_consent_register"
        )
        return [register, *super().get_urls()]

    def register_view(self, request: HttpRequest) -> HttpResponse:
        """The consent register for a period, as CSV (compliance officers and tenant admins; audited)."""
        if not self._may(request, frozenset({Role.COMPLIANCE_OFFICER, Role.TENANT_ADMIN})):
            raise PermissionDenied
        try:
            tenant_id = current_tenant_id()
        except TenantScopeError as exc:  # an operator: a register is a tenant's
            raise PermissionDenied from exc
        form = ConsentRegisterForm(request.GET if "export" in request.GET else None)
        if form.is_valid():
            start = datetime.combine(form.cleaned_data["start"], time.min, tzinfo=UTC)
            end = datetime.combine(form.cleaned_data["end"], time.min, tzinfo=UTC) + timedelta(days=1)
            response = HttpResponse(content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = (
                f'attachment; filename="consent-register-{start:%Y-%m-%d}-{end - timedelta(days=1):%Y-%m-%d}.csv"'
            )
            consent_register_write(
                tenant=Tenant.objects.get(pk=tenant_id), start=start, end=end, out=response, actor=request.user
            )
            return response
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Export the consent register",
            "form": form,
        }
        return TemplateResponse(request, "admin/verification/consent/register.html", context)


@admin.register(Face)
class FaceAdmin(TenantOwnedAdmin):
    read_only = True
    list_display = ["face_id", "subject", "status", "collection", "face_model_version", "created_at"]
    list_filter = ["status"]
    search_fields = ["=face_id", "=subject__public_id"]
    ordering = ["-created_at"]
    fields = readonly_fields = (
        "face_id",
        "subject",
        "status",
        "collection",
        "face_model_version",
        "image_location",
        "created_at",
        "retired_at",
        "deleted_at",
    )


class StepInline(ReadOnlyInline):
    """The verification's steps."""

    model = VerificationStep
    fields = readonly_fields = (
        "position",
        "name",
        "status",
        "reason_code",
        "attempts",
        "started_at",
        "finished_at",
        "result",
    )
    ordering = ["position"]


@admin.register(Verification)
class VerificationAdmin(TenantOwnedAdmin):
    read_only = True
    list_display = ["public_id", "type", "status", "subject", "created_at", "finished_at"]
    list_filter = ["type", "status"]
    search_fields = ["=public_id", "=subject__public_id"]
    ordering = ["-created_at"]
    fields = readonly_fields = (
        "public_id",
        "type",
        "status",
        "subject",
        "reason_list",
        "match_list",
        "liveness_session_id",
        "document_id",
        "created_at",
        "started_at",
        "finished_at",
    )
    inlines = [StepInline]

    kpi_roles = frozenset({Role.TENANT_ADMIN})

    def get_urls(self) -> list[URLPattern]:
        kpis = path("kpis/", self.admin_site.admin_view(self.kpis_view), name="verification_kpis")
        return [kpis, *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra_context = {**(extra_context or {}), "may_see_kpis": self._may(request, self.kpi_roles)}
        return super().changelist_view(request, extra_context)

    def kpis_view(self, request: HttpRequest) -> HttpResponse:
        """The tenant's KPIs for a period (default: the last 30 days): what /v1/kpis answers, as charts."""
        if not self._may(request, self.kpi_roles):
            raise PermissionDenied
        try:
            current_tenant_id()
        except TenantScopeError as exc:  # an operator: KPIs are a tenant's
            raise PermissionDenied from exc
        today = timezone.now().date()
        initial = {"start": today - DEFAULT_REPORT_PERIOD + timedelta(days=1), "end": today}
        form = KpiPeriodForm(request.GET if request.GET else None, initial=initial)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Verification KPIs",
            "form": form,
        }
        if form.is_bound and not form.is_valid():
            return TemplateResponse(request, "admin/verification/kpis.html", context)
        start, end = KpiPeriodForm.period_of(form.cleaned_data if form.is_bound else initial)
        document = kpis_document(verification_kpis(start=start, end=end, now=timezone.now()))
        context |= {"kpis": document, "sections": kpi_charts(document)}
        return TemplateResponse(request, "admin/verification/kpis.html", context)

    @admin.display(description="reasons")
    def reason_list(self, obj: Verification) -> str:
        return format_html_join(
            "\n", "<div><code>{}</code> ({}): {}</div>", ((r["code"], r["step"], r["detail"]) for r in obj.reasons)
        ) or format_html("{}", "—")

    @admin.display(description="matches")
    def match_list(self, obj: Verification) -> str:
        return format_html_join(
            "\n", "<div>{} — {}</div>", ((m["subject_id"], m["similarity"]) for m in obj.matches)
        ) or format_html("{}", "—")


@admin.register(VerificationSettings)
class VerificationSettingsAdmin(TenantOwnedAdmin):
    list_display = [
        "__str__",
        "duplicate_action",
        "biometric_retention_days",
        "image_retention_days",
        "abandoned_after_hours",
        "liveness_required",
        "liveness_threshold",
        "updated_at",
    ]
    fields = [
        "duplicate_action",
        "biometric_retention_days",
        "image_retention_days",
        "abandoned_after_hours",
        "liveness_required",
        "liveness_threshold",
        "next_retention_purge",
    ]
    readonly_fields = ["next_retention_purge"]

    @admin.display(description="next retention purge")
    def next_retention_purge(self, obj: VerificationSettings) -> str:
        """What the daily purge would erase now, under the saved limit."""
        preview = retention_preview()
        if not preview.subjects:
            return f"Nothing: no subject has been idle since before {preview.cutoff:%Y-%m-%d %H:%M} UTC."
        assert preview.oldest is not None
        return (
            f"{preview.subjects} subject(s) idle since before {preview.cutoff:%Y-%m-%d %H:%M} UTC "
            f"(the longest since {preview.oldest:%Y-%m-%d}) would be erased."
        )


@admin.register(Erasure)
class ErasureAdmin(TenantOwnedAdmin):
    """Erasures and their progress per store, for tenant admins and compliance officers (read-only)."""

    read_only = True
    list_display = ["public_id", "subject", "reason", "status", "attempts", "created_at", "completed_at"]
    list_filter = ["status", "reason"]
    search_fields = ["=public_id", "=subject__public_id"]
    ordering = ["-created_at"]
    fields = readonly_fields = (
        "public_id",
        "subject",
        "reason",
        "requested_by",
        "status",
        "store_list",
        "attempts",
        "last_error",
        "created_at",
        "started_at",
        "completed_at",
    )

    @admin.display(description="stores")
    def store_list(self, obj: Erasure) -> str:
        progress = obj.progress or {}
        return format_html_join(
            "\n",
            "<div><code>{}</code>: {}</div>",
            (
                (
                    store,
                    f"done, {progress[store].get('deleted', 0)} deleted"
                    if progress.get(store, {}).get("done")
                    else "pending",
                )
                for store in ERASURE_STORES
            ),
        )


from verification.admin import batch  # noqa: E402, F401 - registers batch indexing's admin (a module of its own)
