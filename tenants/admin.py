"""Admin for tenants, memberships, thresholds and API keys.

``TenantOwnedAdmin`` is the base for every tenant-owned model's admin: rows come from the scoped
manager (so a tenant's staff see only their tenant, and an id from another tenant is a 404),
permissions come from the member's role, and new rows are stamped with the member's tenant.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from audit.services import record_bulk_admin_deletions
from config.errors import DomainError
from config.ratelimit import parse_rate
from tenants.models import ApiKey, Membership, Role, Tenant, Threshold
from tenants.policy import PolicyError, validate_policy
from tenants.scope import current_scope
from tenants.services import apikey_create, apikey_revoke, tenant_create


def _role(request: HttpRequest) -> str | None:
    membership = getattr(request, "membership", None)
    return membership.role if membership else None


class TenantOwnedForm(forms.ModelForm):  # type: ignore[type-arg]
    """Stamps the member's tenant before validation so per-tenant unique constraints are checked."""

    def _post_clean(self) -> None:
        scope = current_scope()
        if self.instance.tenant_id is None and scope is not None and scope.tenant_id is not None:
            self.instance.tenant_id = scope.tenant_id
        super()._post_clean()  # type: ignore[misc]
        if self.instance.tenant_id is not None:
            try:
                self.instance.validate_constraints()
            except ValidationError as exc:
                self._update_errors(exc)  # type: ignore[attr-defined]


class TenantOwnedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = TenantOwnedForm
    view_roles: ClassVar[frozenset[str]] = frozenset(Role.values)
    change_roles: ClassVar[frozenset[str]] = frozenset({Role.TENANT_ADMIN})
    # Records nobody may add, edit or delete through the admin, operators included (e.g. audit).
    read_only: ClassVar[bool] = False

    def _may(self, request: HttpRequest, roles: frozenset[str]) -> bool:
        return bool(request.user.is_superuser or _role(request) in roles)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may(request, self.view_roles)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request, self.view_roles)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not self.read_only and self._may(request, self.change_roles)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self.read_only and self._may(request, self.change_roles)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self.read_only and self._may(request, self.change_roles)

    def log_deletions(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        # Django bulk-creates these entries without a signal, so they are audited here.
        entries = super().log_deletions(request, queryset)
        record_bulk_admin_deletions(entries if isinstance(entries, list) else [entries], request=request)
        return entries

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        excluded = list(super().get_exclude(request, obj) or [])
        return excluded if request.user.is_superuser else [*excluded, "tenant"]

    def get_list_display(self, request: HttpRequest) -> Any:
        columns = list(super().get_list_display(request))
        return ["tenant", *columns] if request.user.is_superuser else columns


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["slug", "name", "account_id", "region", "status", "shard_count"]
    search_fields = ["slug", "name", "account_id"]
    readonly_fields = ["public_id", "account_id", "kms_key_arn", "storage_bucket", "storage_prefix", "created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tenant]:
        return Tenant.objects.visible()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser or _role(request))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # offboarding is a process (collections, storage, keys), not a row deletion

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["slug", "name", "region", "shard_count"]
        return super().get_fields(request, obj)

    def save_model(self, request: HttpRequest, obj: Tenant, form: Any, change: bool) -> None:
        if change:
            obj.save()
            return
        try:
            issued = tenant_create(slug=obj.slug, name=obj.name, region=obj.region, shard_count=obj.shard_count)
        except DomainError as exc:
            raise ValidationError(exc.detail) from exc
        obj.pk = issued.api_key.tenant.pk
        messages.warning(request, f"First API key for {obj.slug} (shown only this once): {issued.token}")


@admin.register(Membership)
class MembershipAdmin(TenantOwnedAdmin):
    list_display = ["user", "role", "created_at"]
    list_filter = ["role"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)  # users are global; operators attach them to tenants


@admin.register(Threshold)
class ThresholdAdmin(TenantOwnedAdmin):
    list_display = ["operation", "face_model_version", "value"]
    list_filter = ["operation"]


class ApiKeyForm(TenantOwnedForm):
    class Meta:
        model = ApiKey
        fields = ["name", "mode", "policy", "expires_at", "rate_limit"]

    def clean_policy(self) -> Any:
        try:
            return validate_policy(self.cleaned_data["policy"])
        except PolicyError as exc:
            raise forms.ValidationError(str(exc), code="invalid_policy") from exc

    def clean_rate_limit(self) -> str:
        rate = self.cleaned_data["rate_limit"]
        if rate:
            try:
                parse_rate(rate)
            except ValueError as exc:
                raise forms.ValidationError(str(exc), code="invalid_rate_limit") from exc
        return str(rate)


@admin.register(ApiKey)
class ApiKeyAdmin(TenantOwnedAdmin):
    form = ApiKeyForm
    list_display = ["prefix", "name", "mode", "created_at", "expires_at", "revoked_at", "last_used_at"]
    list_filter = ["mode"]
    readonly_fields = ["prefix", "created_at", "revoked_at", "last_used_at"]
    actions = ["revoke"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a key is issued and revoked, never edited

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoked keys stay on record

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        tenant = form.cleaned_data.get("tenant") or Tenant.objects.get(pk=obj.tenant_id)
        try:
            issued = apikey_create(
                tenant=tenant,
                name=obj.name,
                mode=obj.mode,
                policy=obj.policy,
                expires_at=obj.expires_at,
                rate_limit=obj.rate_limit,
            )
        except DomainError as exc:
            raise ValidationError(exc.detail) from exc
        obj.pk = issued.api_key.pk
        messages.warning(request, f"New API key (shown only this once): {issued.token}")

    @admin.action(description="Revoke selected API keys")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        if not self._may(request, self.change_roles):
            return
        for api_key in queryset:
            apikey_revoke(api_key=api_key)
            self.log_change(request, api_key, "Revoked")
        self.message_user(request, f"Revoked {queryset.count()} key(s).")
