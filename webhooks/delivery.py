"""One delivery attempt: claim, sign, send, record — with no transaction open while sending.

1. Claim the delivery with a conditional update (pending, due, not leased by another worker), so
   a redelivered task, the sweeper and a countdown never send the same attempt twice.
2. Sign the event with the endpoint's secrets (both during a rotation's overlap), unsealed with
   the tenant's KMS key, and send it to the checked address (webhooks.destinations, .sending).
3. Record the attempt and the next step in one transaction: done on a 2xx; otherwise the next
   attempt after the schedule's delay (``VERITY_WEBHOOK_RETRY_SCHEDULE``), or, when the schedule
   is spent, ``failed`` — and if the endpoint has not answered a single delivery with a 2xx since
   this one started failing, the endpoint is disabled and the tenant's admins are told (unless
   the last failure was Verity's own: a secret KMS would not open, ``secret_unavailable``).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from standardwebhooks import Webhook

from config.errors import UpstreamUnavailable
from tenants.envelope import SealBroken, unseal
from tenants.models import Membership, Role, Tenant
from tenants.scope import require_scope, scope_database
from webhooks.destinations import WebhookUrlRefused, destination
from webhooks.models import Delivery, DeliveryAttempt, DeliveryStatus, DisabledReason, Event, WebhookEndpoint
from webhooks.outbox import delivery_dispatch
from webhooks.sending import Answer, post
from webhooks.services import record_endpoint_disabled, secret_record

logger = logging.getLogger(__name__)

# Retries due within this many seconds go to the broker with a countdown; later ones wait for the
# sweeper (a broker holding a message for hours is fragile: RabbitMQ's consumer timeout).
COUNTDOWN_LIMIT_SECONDS = 300
# An attempt's error_code when the endpoint's secret could not be opened: Verity's failure, not
# the receiver's, so it is retried on the schedule but never disables the endpoint.
SECRET_UNAVAILABLE = "secret_unavailable"  # noqa: S105 - an error code, not a secret


def event_payload(event: Event, *, livemode: bool) -> bytes:
    """The body sent for ``event``: the same bytes on every attempt."""
    document = {
        "id": event.public_id,
        "type": event.type,
        "livemode": livemode,
        "timestamp": event.created_at.isoformat().replace("+00:00", "Z"),
        "data": event.data,
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def signing_secrets(tenant: Tenant, endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The endpoint's current secret, and its previous one while the rotation's overlap lasts."""
    record = secret_record(endpoint.public_id)
    sealed = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_secret_expires_at and endpoint.previous_secret_expires_at > now:
        sealed.append(endpoint.previous_secret)
    return [unseal(tenant, value, record=record).decode() for value in sealed]


def signed_headers(secrets: list[str], message_id: str, timestamp: datetime, payload: bytes) -> dict[str, str]:
    """Standard Webhooks headers: one ``v1,<signature>`` per secret, space-separated."""
    signatures = " ".join(Webhook(secret).sign(message_id, timestamp, payload) for secret in secrets)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signatures,
    }


def _free(now: datetime) -> Q:
    return Q(leased_until__isnull=True) | Q(leased_until__lt=now)


def deliveries_due(*, now: datetime) -> QuerySet[Delivery]:
    """Pending deliveries whose attempt is due and which no worker holds (the sweeper's work)."""
    return Delivery.objects.filter(_free(now), status=DeliveryStatus.PENDING, next_attempt_at__lte=now).order_by(
        "next_attempt_at"
    )


def delivery_attempt(*, tenant: Tenant, delivery_id: int) -> DeliveryAttempt | None:
    """Make the delivery's due attempt; None when there is none to make (done, not due, or held)."""
    require_scope(tenant)
    now = timezone.now()
    timeout = float(settings.VERITY_WEBHOOK_TIMEOUT_SECONDS)
    with transaction.atomic(using=scope_database()):
        claimed = (
            deliveries_due(now=now)
            .filter(pk=delivery_id)
            .update(leased_until=now + timedelta(seconds=2 * timeout + 30))
        )
        if not claimed:
            return None
        delivery = Delivery.objects.select_related("event", "endpoint").get(pk=delivery_id)
    endpoint, event = delivery.endpoint, delivery.event
    if not endpoint.enabled:
        Delivery.objects.filter(pk=delivery_id).update(status=DeliveryStatus.CANCELLED, leased_until=None)
        return None
    payload = event_payload(event, livemode=tenant.livemode)
    try:
        headers = signed_headers(signing_secrets(tenant, endpoint, now), event.public_id, now, payload)
        answer = post(destination(endpoint.url), payload, headers, timeout=timeout)
    except (SealBroken, UpstreamUnavailable) as error:
        # The tenant's KMS key refused or could not be reached: nothing goes out unsigned. The
        # attempt is recorded and retried on the schedule; raising instead left the delivery
        # leased, unrecorded, and sent again by the sweeper after every lease, without end.
        answer = Answer(None, SECRET_UNAVAILABLE, str(error)[:1024], 0)
    except WebhookUrlRefused as refused:  # checked again at each attempt: DNS may have changed
        answer = Answer(None, refused.code.removeprefix("webhook_url_")[:32], refused.detail[:1024], 0)
    return _record(tenant, delivery_id, endpoint, event, answer, attempted_at=now)


def _record(
    tenant: Tenant, delivery_id: int, endpoint: WebhookEndpoint, event: Event, answer: Answer, *, attempted_at: datetime
) -> DeliveryAttempt:
    with transaction.atomic(using=scope_database()):
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        attempt = DeliveryAttempt.objects.create(
            tenant=tenant,
            delivery=delivery,
            endpoint=endpoint,
            event=event,
            url=endpoint.url,
            succeeded=answer.succeeded,
            status_code=answer.status_code,
            error_code=answer.error_code,
            latency_ms=answer.latency_ms,
            response_body=answer.body,
            attempted_at=attempted_at,
        )
        delivery.leased_until = None
        if answer.succeeded:
            delivery.status, delivery.next_attempt_at, delivery.failing_since = DeliveryStatus.SUCCEEDED, None, None
            delivery.attempts += 1
            delivery.save()
            return attempt
        delivery.attempts += 1
        delivery.failing_since = delivery.failing_since or attempted_at
        schedule = settings.VERITY_WEBHOOK_RETRY_SCHEDULE
        if delivery.attempts <= len(schedule):
            delay = schedule[delivery.attempts - 1]
            delivery.next_attempt_at = timezone.now() + timedelta(seconds=delay)
            delivery.save()
            if delay <= COUNTDOWN_LIMIT_SECONDS:
                delivery_dispatch(tenant_id=tenant.pk, delivery_id=delivery.pk, countdown=delay)
            return attempt
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        delivery.save()
        if answer.error_code != SECRET_UNAVAILABLE:  # Verity's side failed, not the receiver
            _disable_if_failing(tenant, endpoint, since=delivery.failing_since)
    return attempt


def _disable_if_failing(tenant: Tenant, endpoint: WebhookEndpoint, *, since: datetime) -> None:
    """Disable the endpoint when nothing it was sent has succeeded since ``since``."""
    answered = DeliveryAttempt.objects.filter(endpoint=endpoint, succeeded=True, attempted_at__gte=since).exists()
    locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if answered or not locked.enabled:
        return
    locked.enabled, locked.disabled_reason, locked.disabled_at = False, DisabledReason.FAILING, timezone.now()
    locked.save(update_fields=["enabled", "disabled_reason", "disabled_at", "updated_at"])
    Delivery.objects.filter(endpoint=locked, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.CANCELLED, next_attempt_at=None, leased_until=None
    )
    record_endpoint_disabled(tenant, locked, failing_since=since)
    admins = list(
        Membership.objects.filter(role=Role.TENANT_ADMIN).exclude(user__email="").values_list("user__email", flat=True)
    )
    if admins:
        transaction.on_commit(lambda: _tell_admins(tenant, locked, since, admins), using=scope_database(), robust=True)


def _tell_admins(tenant: Tenant, endpoint: WebhookEndpoint, since: datetime, recipients: list[str]) -> Any:
    return send_mail(
        subject=f"[Verity] Webhook endpoint {endpoint.public_id} disabled",
        message=(
            f"Verity disabled the webhook endpoint {endpoint.public_id} ({endpoint.url}) of {tenant.name}: "
            f"every delivery to it has failed since {since.isoformat()}, through the whole retry schedule.\n\n"
            "Its recent attempts (status codes and answers) are in the admin under Webhooks, and at "
            f"GET /v1/webhook-endpoints/{endpoint.public_id}/attempts. Fix the receiver, enable the endpoint "
            "again (PATCH enabled=true, or the admin), and redeliver the events it missed "
            "(POST /v1/events/{id}/redeliver)."
        ),
        from_email=None,
        recipient_list=recipients,
    )
