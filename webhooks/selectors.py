"""Reads of webhook endpoints, events and attempts, in the current tenant's scope."""

from __future__ import annotations

from django.db.models import QuerySet

from config.errors import NotFound
from webhooks.models import DeliveryAttempt, Event, WebhookEndpoint


def endpoint_get(*, public_id: str) -> WebhookEndpoint:
    found = WebhookEndpoint.objects.filter(public_id=public_id).first()
    if found is None:
        raise NotFound(f"No webhook endpoint {public_id!r}.")
    return found


def endpoint_list() -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.all()


def event_get(*, public_id: str) -> Event:
    found = Event.objects.filter(public_id=public_id).first()
    if found is None:
        raise NotFound(f"No event {public_id!r}.")
    return found


def event_list(*, type: str | None = None) -> QuerySet[Event]:
    events = Event.objects.all()
    return events.filter(type=type) if type else events


def attempt_list(
    *, endpoint: WebhookEndpoint, event_id: str | None = None, succeeded: bool | None = None
) -> QuerySet[DeliveryAttempt]:
    """The endpoint's attempts, newest first by the caller's paginator, optionally for one event or outcome."""
    attempts = DeliveryAttempt.objects.filter(endpoint=endpoint).select_related("event")
    if event_id:
        attempts = attempts.filter(event__public_id=event_id)
    if succeeded is not None:
        attempts = attempts.filter(succeeded=succeeded)
    return attempts
