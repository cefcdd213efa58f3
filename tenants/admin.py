"""Admin for tenants, memberships, thresholds and API keys.

``TenantOwnedAdmin`` is the base for every tenant-owned model's admin: rows come from the scoped
manager (so a tenant's staff see only their tenant, and an id from another tenant is a 404),
permissions come from the member's role, and new rows are stamped with the member's tenant.
Tenant admins manage their people through memberships: they create a user inside their tenant
(who gets a one-time set-password link), change roles and deactivate; they never pick a user.
"""

from __future__ import annotations

from typing import Any, ClassVar

from celery import current_app
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from audit.recording import record_bulk_admin_deletions
from config.ratelimit import parse_rate
from tenants.admin_site import ShownOnce, VerityModelAdmin, domain_errors_as_form_errors, show_once
from tenants.models import ApiKey, Membership, Role, Tenant, TenantStatus, Threshold
from tenants.offboarding import OFFBOARDING_STEPS
from tenants.policy import PolicyError, validate_policy
from tenants.provisioning import tenant_create
from tenants.scope import current_scope
from tenants.services import apikey_create, apikey_revoke, threshold_delete, threshold_set
from tenants.staff import check_membership_update, tenant_user_create, tenant_user_update, validate_new_staff_user

_KEY_NOTE = "Copy it now: Verity keeps only its hash and cannot show it again."


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


class TenantOwnedAdmin(VerityModelAdmin):
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


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    """Rows shown under their parent to whoever may view the parent (roles, not Django permissions); never edited."""

    extra = 0
    can_delete = False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(self.admin_site._registry[self.parent_model].has_view_permission(request, obj))

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Tenant)
class TenantAdmin(VerityModelAdmin):
    list_display = ["slug", "name", "account_id", "region", "status", "shard_count"]
    search_fields = ["slug", "name", "account_id"]
    readonly_fields = [
        "public_id",
        "account_id",
        "kms_key_arn",
        "storage_bucket",
        "storage_prefix",
        "created_at",
        "offboarding_progress",
    ]
    actions = ["offboard"]

    @admin.action(description="Offboard the selected tenants (erase everything, schedule key deletion)")
    def offboard(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> None:
        started = [tenant for tenant in queryset if tenant.status != TenantStatus.OFFBOARDED]
        for tenant in started:
            # By name: the edge enqueues; tenants.tasks runs tenants.offboarding in the tenant's scope.
            current_app.signature(
                "tenants.tasks.offboard_tenant", args=[tenant.pk, f"operator/{request.user.get_username()}"]
            ).delay()
        self.message_user(request, f"Offboarding started for {', '.join(t.slug for t in started) or 'no tenant'}.")

    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)
        if not request.user.is_superuser:
            actions.pop("offboard", None)
        return actions

    @admin.display(description="offboarding")
    def offboarding_progress(self, obj: Tenant) -> str:
        if not obj.offboarding:
            return "—"
        done = [step for step in OFFBOARDING_STEPS if step in obj.offboarding]
        if obj.offboarding_receipt is not None:
            url = reverse("admin:tenants_tenant_offboarding_receipt", args=[obj.pk])
            return format_html('Offboarded; <a href="{}">download the signed receipt</a>.', url)
        return f"Running: {', '.join(done) or 'no step'} done of {', '.join(OFFBOARDING_STEPS)}."

    def get_urls(self) -> list[URLPattern]:
        receipt = path(
            "<path:object_id>/offboarding-receipt/",
            self.admin_site.admin_view(self.receipt_view),
            name="tenants_tenant_offboarding_receipt",
        )
        return [receipt, *super().get_urls()]

    def receipt_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        tenant = self.get_object(request, object_id)
        if tenant is None or tenant.offboarding_receipt is None or not request.user.is_superuser:
            raise Http404("No offboarding receipt.")
        response = HttpResponse(bytes(tenant.offboarding_receipt), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{tenant.slug}.offboarding-receipt.json"'
        return response

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
        with domain_errors_as_form_errors():
            issued = tenant_create(slug=obj.slug, name=obj.name, region=obj.region, shard_count=obj.shard_count)
        obj.pk = issued.api_key.tenant.pk
        show_once(request, ShownOnce(f"First API key for {obj.slug}", "API key", issued.token, _KEY_NOTE))


class _StaffForm(TenantOwnedForm):
    actor: Any = None  # the signed-in user, set by MembershipAdmin.get_form


class StaffUserAddForm(_StaffForm):
    """A new staff user and their membership, made together: there is no user to pick."""

    username = forms.CharField(max_length=150)
    email = forms.EmailField(required=False)

    class Meta:
        model = Membership
        fields = ["role"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("username") and cleaned.get("role"):
            with domain_errors_as_form_errors():
                validate_new_staff_user(
                    username=cleaned["username"], role=cleaned["role"], email=cleaned.get("email", "")
                )
        return cleaned


class StaffUserChangeForm(_StaffForm):
    active = forms.BooleanField(required=False, help_text="An inactive user cannot sign in.")

    class Meta:
        model = Membership
        fields = ["role"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["active"].initial = self.instance.user.is_active

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        with domain_errors_as_form_errors():
            check_membership_update(
                membership=self.instance, role=cleaned.get("role", ""), is_active=cleaned["active"], actor=self.actor
            )
        return cleaned


@admin.register(Membership)
class MembershipAdmin(TenantOwnedAdmin):
    """A tenant's people. The user of a membership is chosen once, by creating it, and never changed."""

    list_display = ["username", "email", "role", "active", "created_at"]
    list_filter = ["role"]
    list_select_related = ["user"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        tenant = ["tenant"] if request.user.is_superuser else []
        if obj is None:
            return [*tenant, "username", "email", "role"]
        return [*tenant, "username", "email", "role", "active", "created_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [] if obj is None else ["tenant", "username", "email", "created_at"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        kwargs["form"] = StaffUserChangeForm if obj is not None else StaffUserAddForm
        form: Any = super().get_form(request, obj, change, **kwargs)  # a class made for this request
        form.actor = request.user
        return form

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # people are deactivated, so their audit trail keeps naming them

    @admin.display(description="username")
    def username(self, membership: Membership) -> str:
        return str(membership.user.get_username())

    @admin.display(description="email")
    def email(self, membership: Membership) -> str:
        return str(membership.user.email)

    @admin.display(description="active", boolean=True)
    def active(self, membership: Membership) -> bool:
        return bool(membership.user.is_active)

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        if change:
            current = Membership.objects.select_related("user").get(pk=obj.pk)
            tenant_user_update(
                membership=current, role=obj.role, is_active=form.cleaned_data["active"], actor=request.user
            )
            return
        invite = tenant_user_create(
            tenant=Tenant.objects.get(pk=obj.tenant_id),
            username=form.cleaned_data["username"],
            role=obj.role,
            email=form.cleaned_data["email"],
            actor=request.user,
        )
        obj.pk, obj.user, obj.created_at = invite.membership.pk, invite.membership.user, invite.membership.created_at
        link = request.build_absolute_uri(invite.set_password_path)
        note = "Send this link to the new user; it works once, until they set a password, for a limited time."
        show_once(request, ShownOnce(f"{obj.user} can now set a password", "One-time set-password link", link, note))


@admin.register(Threshold)
class ThresholdAdmin(TenantOwnedAdmin):
    """A threshold is set and removed through the services, which audit it; what it applies to stays fixed."""

    list_display = ["operation", "face_model_version", "value"]
    list_filter = ["operation"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [] if obj is None else ["tenant", "operation", "face_model_version"]

    def save_model(self, request: HttpRequest, obj: Threshold, form: Any, change: bool) -> None:
        with domain_errors_as_form_errors():
            threshold = threshold_set(
                tenant=Tenant.objects.get(pk=obj.tenant_id),
                operation=obj.operation,
                face_model_version=obj.face_model_version,
                value=obj.value,
                actor=request.user,
            )
        obj.pk = threshold.pk

    def delete_model(self, request: HttpRequest, obj: Threshold) -> None:
        threshold_delete(threshold=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Threshold]) -> None:
        for threshold in queryset:
            threshold_delete(threshold=threshold, actor=request.user)


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
        with domain_errors_as_form_errors():
            issued = apikey_create(
                tenant=tenant,
                name=obj.name,
                mode=obj.mode,
                policy=obj.policy,
                expires_at=obj.expires_at,
                rate_limit=obj.rate_limit,
                actor=request.user,
            )
        obj.pk = issued.api_key.pk
        show_once(request, ShownOnce(f"API key {issued.api_key.prefix}", "New API key", issued.token, _KEY_NOTE))

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return self._may(request, self.change_roles)

    @admin.action(description="Revoke selected API keys", permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for api_key in queryset:
            apikey_revoke(api_key=api_key, actor=request.user)
            self.log_change(request, api_key, "Revoked")
        self.message_user(request, f"Revoked {queryset.count()} key(s).")
