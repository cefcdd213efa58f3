"""Webhook endpoints, the events Verity reports (its outbox), and each delivery and attempt.

An ``Event`` is written in the same transaction as the state change it reports, with one
``Delivery`` per endpoint subscribed at that moment; a worker sends each delivery after commit
and records every ``DeliveryAttempt``. A rolled-back change leaves no event, and a committed one
always has its event.
"""

from __future__ import annotations

from functools import partial

from django.db import models
from django.utils import timezone

from config.ids import public_id
from tenants.models import TenantOwnedModel


class EventType(models.TextChoices):
    VERIFICATION_COMPLETED = "verification.completed", "A verification reached its final state"
    MODERATION_COMPLETED = "moderation.completed", "An image or video moderation finished"
    REVIEW_DECIDED = "review.decided", "A reviewer decided a review task"
    BATCH_INDEX_JOB_COMPLETED = "batch_index_job.completed", "A batch index job finished"
    ERASURE_COMPLETED = "erasure.completed", "A subject's erasure completed"
    AUDIT_EXPORT_COMPLETED = "audit_export.completed", "An audit export finished"


# An endpoint subscribed to this receives every event type, present and future.
ALL_EVENTS = "*"


class DisabledReason(models.TextChoices):
    NONE = "", "Enabled"
    BY_TENANT = "by_tenant", "Disabled by the tenant"
    FAILING = "failing", "Disabled after persistent delivery failure"


class WebhookEndpoint(TenantOwnedModel):
    """A tenant's receiver. Its signing secrets are sealed under the tenant's KMS key (tenants.envelope)."""

    public_id = models.CharField(max_length=32, unique=True, default=partial(public_id, "whe"), editable=False)
    url = models.CharField(max_length=2048)
    description = models.CharField(max_length=255, blank=True, default="")
    enabled_events = models.JSONField(default=list)
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=16, choices=DisabledReason.choices, blank=True, default="")
    disabled_at = models.DateTimeField(null=True, blank=True)
    secret = models.TextField(editable=False)
    # After a rotation, the previous secret signs too until it expires (both signatures are sent).
    previous_secret = models.TextField(blank=True, default="", editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantOwnedModel.Meta):
        indexes = [models.Index(fields=["tenant", "created_at"])]

    def __str__(self) -> str:
        return f"{self.public_id} {self.url}"

    def receives(self, event_type: str) -> bool:
        return ALL_EVENTS in self.enabled_events or event_type in self.enabled_events


class Event(TenantOwnedModel):
    public_id = models.CharField(max_length=32, unique=True, default=partial(public_id, "evt"), editable=False)
    type = models.CharField(max_length=64, choices=EventType.choices)
    # The resource and its new state: small, never images, face vectors or extracted text.
    data = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta(TenantOwnedModel.Meta):
        indexes = [models.Index(fields=["tenant", "created_at"]), models.Index(fields=["tenant", "type", "created_at"])]

    def __str__(self) -> str:
        return f"{self.public_id} {self.type}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed (every attempt)"
    CANCELLED = "cancelled", "Cancelled (endpoint disabled)"


class Delivery(TenantOwnedModel):
    """One event to one endpoint: its schedule. A redelivery starts the schedule again."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    # Attempts made in the current schedule (a redelivery starts again from 0).
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A worker holds the delivery until then; another may take it over after (a lost worker).
    leased_until = models.DateTimeField(null=True, blank=True)
    # When the current schedule's first attempt failed: the endpoint has been failing since.
    failing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantOwnedModel.Meta):
        constraints = [models.UniqueConstraint(fields=["event", "endpoint"], name="webhook_delivery_once")]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due"),
            models.Index(fields=["tenant", "endpoint", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id}"


class DeliveryAttempt(TenantOwnedModel):
    public_id = models.CharField(max_length=32, unique=True, default=partial(public_id, "wha"), editable=False)
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_records")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="delivery_attempts")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    url = models.CharField(max_length=2048)
    succeeded = models.BooleanField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    # Why no response counted: timeout, connection_failed, secret_unavailable... ("" if answered).
    error_code = models.CharField(max_length=32, blank=True, default="")
    latency_ms = models.PositiveIntegerField()
    # The start of the receiver's answer, decoded leniently, for the tenant to debug with.
    response_body = models.TextField(blank=True, default="")
    attempted_at = models.DateTimeField(default=timezone.now)

    class Meta(TenantOwnedModel.Meta):
        indexes = [models.Index(fields=["tenant", "endpoint", "attempted_at"])]

    def __str__(self) -> str:
        return self.public_id
