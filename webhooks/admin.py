"""Webhooks in the admin: a tenant admin adds and changes endpoints (the secret shown once), sees every
attempt, and redelivers events; every role of the tenant may look."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from config.errors import DomainError
from tenants.admin import ReadOnlyInline, TenantOwnedAdmin, TenantOwnedForm
from tenants.admin_site import ShownOnce, domain_errors_as_form_errors, show_once
from tenants.models import Tenant
from webhooks.destinations import destination
from webhooks.models import ALL_EVENTS, Delivery, DeliveryAttempt, Event, EventType, WebhookEndpoint
from webhooks.services import (
    event_redeliver,
    webhook_endpoint_create,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
)

_RECEIVER_NOTE = (
    "Give this secret to your receiver now: Verity keeps it sealed under your KMS key and never shows it again. "
    "Verify each delivery with a Standard Webhooks library (docs/webhooks.md)."
)


class EndpointForm(TenantOwnedForm):
    enabled_events = forms.MultipleChoiceField(
        choices=[(ALL_EVENTS, "Every event type"), *EventType.choices], widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "enabled_events", "enabled"]

    def clean_url(self) -> str:
        url = str(self.cleaned_data["url"])
        with domain_errors_as_form_errors():
            destination(url)
        return url


class AttemptInline(ReadOnlyInline):
    model = DeliveryAttempt
    fk_name = "endpoint"
    fields = ["attempted_at", "event", "succeeded", "status_code", "error_code", "latency_ms", "response_body"]
    readonly_fields = ["attempted_at", "event", "succeeded", "status_code", "error_code", "latency_ms", "response_body"]
    ordering = ["-attempted_at"]
    verbose_name_plural = "recent attempts"

    def get_queryset(self, request: HttpRequest) -> QuerySet[DeliveryAttempt]:
        return super().get_queryset(request).select_related("event")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(TenantOwnedAdmin):
    form = EndpointForm
    list_display = ["public_id", "url", "enabled", "disabled_reason", "disabled_at", "created_at"]
    list_filter = ["enabled", "disabled_reason"]
    readonly_fields = ["public_id", "disabled_reason", "disabled_at", "previous_secret_expires_at", "created_at"]
    inlines = [AttemptInline]
    actions = ["rotate_secret"]

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.inlines if obj is not None else []  # nothing to show before it exists

    def save_model(self, request: HttpRequest, obj: WebhookEndpoint, form: Any, change: bool) -> None:
        tenant = Tenant.objects.get(pk=obj.tenant_id)
        fields = {name: form.cleaned_data[name] for name in ("url", "description", "enabled_events", "enabled")}
        with domain_errors_as_form_errors():
            if change:
                saved = webhook_endpoint_update(tenant=tenant, endpoint=obj, **fields)
            else:
                issued = webhook_endpoint_create(tenant=tenant, **fields)
                saved = issued.endpoint
                show_once(
                    request,
                    ShownOnce(f"Webhook endpoint {saved.public_id}", "Signing secret", issued.secret, _RECEIVER_NOTE),
                )
        obj.pk, obj.public_id = saved.pk, saved.public_id

    def has_rotate_secret_permission(self, request: HttpRequest) -> bool:
        return self._may(request, self.change_roles)

    @admin.action(
        description="Rotate the signing secret (the old one signs for 24 more hours)", permissions=["rotate_secret"]
    )
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            issued = webhook_endpoint_rotate_secret(tenant=Tenant.objects.get(pk=endpoint.tenant_id), endpoint=endpoint)
            self.log_change(request, endpoint, "Rotated the signing secret")
            self.message_user(request, f"New secret of {endpoint.public_id} (shown once): {issued.secret}")


class DeliveryInline(ReadOnlyInline):
    model = Delivery
    fields = ["endpoint", "status", "attempts", "next_attempt_at", "failing_since"]
    readonly_fields = ["endpoint", "status", "attempts", "next_attempt_at", "failing_since"]


@admin.register(Event)
class EventAdmin(TenantOwnedAdmin):
    read_only = True
    list_display = ["public_id", "type", "created_at"]
    list_filter = ["type"]
    search_fields = ["public_id"]
    readonly_fields = ["public_id", "type", "data", "created_at"]
    inlines = [DeliveryInline]
    actions = ["redeliver"]

    def has_redeliver_permission(self, request: HttpRequest) -> bool:
        return self._may(request, self.change_roles)

    @admin.action(description="Redeliver to every enabled endpoint subscribed", permissions=["redeliver"])
    def redeliver(self, request: HttpRequest, queryset: QuerySet[Event]) -> None:
        sent = 0
        for event in queryset:
            try:
                sent += len(event_redeliver(tenant=Tenant.objects.get(pk=event.tenant_id), event=event))
            except DomainError as refused:
                self.message_user(request, f"{event.public_id}: {refused.detail}", level=messages.WARNING)
                continue
            self.log_change(request, event, "Redelivered")
        self.message_user(request, f"{sent} delivery(ies) scheduled.")


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(TenantOwnedAdmin):
    read_only = True
    list_display = [
        "public_id",
        "endpoint",
        "event",
        "succeeded",
        "status_code",
        "error_code",
        "latency_ms",
        "attempted_at",
    ]
    list_filter = ["succeeded", "error_code"]
    list_select_related = ["endpoint", "event"]
    readonly_fields = [
        "public_id",
        "endpoint",
        "event",
        "url",
        "succeeded",
        "status_code",
        "error_code",
        "latency_ms",
        "response_body",
        "attempted_at",
    ]
    exclude = ["delivery"]
