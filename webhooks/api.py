"""Webhook endpoints, events and delivery attempts over the API.

POST   /v1/webhook-endpoints                      webhooks:CreateEndpoint        201, with the secret (once)
GET    /v1/webhook-endpoints                      webhooks:ListEndpoints
GET    /v1/webhook-endpoints/{id}                 webhooks:GetEndpoint
PATCH  /v1/webhook-endpoints/{id}                 webhooks:UpdateEndpoint
DELETE /v1/webhook-endpoints/{id}                 webhooks:DeleteEndpoint        204
POST   /v1/webhook-endpoints/{id}/rotate-secret   webhooks:RotateEndpointSecret  the new secret (once)
GET    /v1/webhook-endpoints/{id}/attempts        webhooks:ListAttempts
GET    /v1/events                                 webhooks:ListEvents
GET    /v1/events/{id}                            webhooks:GetEvent
POST   /v1/events/{id}/redeliver                  webhooks:RedeliverEvent        202
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from audit.redaction import HIDE, KEEP, ListOf, Spec, register_action
from config.api.idempotency import IDEMPOTENCY_PARAMETER
from config.api.pagination import CursorPagination, page_of
from config.api.serializers import ResourceOutput, StrictInputSerializer
from config.api.views import ApiView
from tenants.authentication import api_key_of
from webhooks.destinations import MAX_URL_LENGTH
from webhooks.models import (
    ALL_EVENTS,
    DisabledReason,
    EventType,
)
from webhooks.selectors import attempt_list, endpoint_get, endpoint_list, event_get, event_list
from webhooks.services import (
    MAX_OVERLAP_SECONDS,
    IssuedEndpoint,
    event_redeliver,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
)

_ENDPOINT_SPEC: dict[str, Spec] = {
    "id": KEEP,
    "url": KEEP,
    "enabled_events": ListOf(KEEP),
    "enabled": KEEP,
    "disabled_reason": KEEP,
    "secret": HIDE,
}
_ENDPOINT_INPUT: dict[str, Spec] = {"url": KEEP, "enabled_events": ListOf(KEEP), "enabled": KEEP, "description": HIDE}
CREATE_ENDPOINT = register_action("webhooks:CreateEndpoint", request=_ENDPOINT_INPUT, response=_ENDPOINT_SPEC)
LIST_ENDPOINTS = register_action("webhooks:ListEndpoints", request={"limit": KEEP, "cursor": HIDE})
GET_ENDPOINT = register_action("webhooks:GetEndpoint", request={"endpoint_id": KEEP}, response=_ENDPOINT_SPEC)
UPDATE_ENDPOINT = register_action(
    "webhooks:UpdateEndpoint", request={"endpoint_id": KEEP, **_ENDPOINT_INPUT}, response=_ENDPOINT_SPEC
)
DELETE_ENDPOINT = register_action("webhooks:DeleteEndpoint", request={"endpoint_id": KEEP})
ROTATE_SECRET = register_action(
    "webhooks:RotateEndpointSecret", request={"endpoint_id": KEEP, "overlap_seconds": KEEP}, response=_ENDPOINT_SPEC
)
LIST_ATTEMPTS = register_action(
    "webhooks:ListAttempts",
    request={"endpoint_id": KEEP, "event_id": KEEP, "succeeded": KEEP, "limit": KEEP, "cursor": HIDE},
)
LIST_EVENTS = register_action("webhooks:ListEvents", request={"type": KEEP, "limit": KEEP, "cursor": HIDE})
GET_EVENT = register_action("webhooks:GetEvent", request={"event_id": KEEP}, response={"id": KEEP, "type": KEEP})
REDELIVER_EVENT = register_action(
    "webhooks:RedeliverEvent", request={"event_id": KEEP, "endpoint_id": KEEP}, response={"event_id": KEEP}
)
_URL_ERRORS = (
    "400 `webhook_url_invalid`, `webhook_url_scheme` (https only in production), `webhook_url_unresolvable`, "
    "`webhook_url_forbidden_address` (the host resolves to a loopback, private, link-local, multicast or "
    "otherwise non-public address), `webhook_unknown_event_type`, `validation_error`, `unknown_field`"
)


class EndpointOutput(ResourceOutput):
    id = serializers.CharField(source="public_id")
    url = serializers.CharField()
    description = serializers.CharField()
    enabled_events = serializers.ListField(child=serializers.CharField())
    enabled = serializers.BooleanField()
    disabled_reason = serializers.ChoiceField(
        choices=DisabledReason.choices, help_text="Why it is disabled: by_tenant, or failing (Verity disabled it)."
    )
    disabled_at = serializers.DateTimeField(allow_null=True)
    secret_rotation_ends_at = serializers.DateTimeField(
        source="previous_secret_expires_at",
        allow_null=True,
        help_text="Until then the previous secret signs too (a second v1 signature).",
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class EndpointWithSecretOutput(EndpointOutput):
    secret = serializers.CharField(help_text="The signing secret (whsec_…), shown only in this answer.")


def _with_secret(issued: IssuedEndpoint) -> dict[str, Any]:
    return {**EndpointOutput(issued.endpoint).data, "secret": issued.secret}


_EVENT_TYPES = [*EventType.values, ALL_EVENTS]


class EndpointListView(ApiView):
    policy_actions = {"POST": CREATE_ENDPOINT, "GET": LIST_ENDPOINTS}

    class Input(StrictInputSerializer):
        url = serializers.CharField(max_length=MAX_URL_LENGTH, help_text="https:// (http:// in development only).")
        enabled_events = serializers.ListField(
            child=serializers.ChoiceField(choices=_EVENT_TYPES), min_length=1, max_length=len(_EVENT_TYPES)
        )
        description = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
        enabled = serializers.BooleanField(required=False, default=True)

    @extend_schema(
        operation_id="webhook_endpoints_create",
        request=Input,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: EndpointWithSecretOutput},
        description="Register a receiver. The answer carries its signing secret, shown only this once. Errors: "
        + _URL_ERRORS
        + ".",
    )
    def post(self, request: Request) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        issued = webhook_endpoint_create(tenant=api_key_of(request).tenant, **data.validated_data)
        return Response(_with_secret(issued), status=status.HTTP_201_CREATED)

    @extend_schema(operation_id="webhook_endpoints_list", responses={200: page_of(EndpointOutput)})
    def get(self, request: Request) -> Response:
        return self.paginated(endpoint_list(), EndpointOutput, request)


class EndpointDetailView(ApiView):
    policy_actions = {"GET": GET_ENDPOINT, "PATCH": UPDATE_ENDPOINT, "DELETE": DELETE_ENDPOINT}

    class Input(StrictInputSerializer):
        url = serializers.CharField(max_length=MAX_URL_LENGTH, required=False)
        enabled_events = serializers.ListField(
            child=serializers.ChoiceField(choices=_EVENT_TYPES),
            min_length=1,
            max_length=len(_EVENT_TYPES),
            required=False,
        )
        description = serializers.CharField(max_length=255, required=False, allow_blank=True)
        enabled = serializers.BooleanField(required=False, help_text="true again after Verity disabled it: resumes.")

    @extend_schema(operation_id="webhook_endpoints_get", responses={200: EndpointOutput})
    def get(self, request: Request, endpoint_id: str) -> Response:
        return Response(EndpointOutput(endpoint_get(public_id=endpoint_id)).data)

    @extend_schema(
        operation_id="webhook_endpoints_update",
        request=Input,
        responses={200: EndpointOutput},
        description="Change the URL, the event types, the description, or enable/disable it. Disabling cancels "
        "pending deliveries. Errors: 404 `not_found`; " + _URL_ERRORS + ".",
    )
    def patch(self, request: Request, endpoint_id: str) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = webhook_endpoint_update(
            tenant=api_key_of(request).tenant, endpoint=endpoint_get(public_id=endpoint_id), **data.validated_data
        )
        return Response(EndpointOutput(endpoint).data)

    @extend_schema(
        operation_id="webhook_endpoints_delete",
        responses={204: None},
        description="Delete the endpoint with its delivery history; events stay. Errors: 404 `not_found`.",
    )
    def delete(self, request: Request, endpoint_id: str) -> Response:
        webhook_endpoint_delete(tenant=api_key_of(request).tenant, endpoint=endpoint_get(public_id=endpoint_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class EndpointRotateSecretView(ApiView):
    policy_actions = {"POST": ROTATE_SECRET}

    class Input(StrictInputSerializer):
        overlap_seconds = serializers.IntegerField(
            min_value=0,
            max_value=MAX_OVERLAP_SECONDS,
            required=False,
            help_text="How long the current secret keeps signing beside the new one (default 86400; 0: not at all).",
        )

    @extend_schema(
        operation_id="webhook_endpoints_rotate_secret",
        request=Input,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={200: EndpointWithSecretOutput},
        description="A new signing secret, shown only in this answer. During the overlap each delivery carries "
        "two signatures (webhook-signature: 'v1,<new> v1,<old>'), so receivers can switch without losing any. "
        "Errors: 404 `not_found`; 400 `validation_error`.",
    )
    def post(self, request: Request, endpoint_id: str) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        issued = webhook_endpoint_rotate_secret(
            tenant=api_key_of(request).tenant,
            endpoint=endpoint_get(public_id=endpoint_id),
            overlap_seconds=data.validated_data.get("overlap_seconds"),
        )
        return Response(_with_secret(issued))


class AttemptOutput(ResourceOutput):
    id = serializers.CharField(source="public_id")
    event_id = serializers.CharField(source="event.public_id")
    event_type = serializers.CharField(source="event.type")
    url = serializers.CharField()
    succeeded = serializers.BooleanField(help_text="The receiver answered 2xx.")
    status_code = serializers.IntegerField(allow_null=True, help_text="null: no answer (see error_code).")
    error_code = serializers.CharField(
        help_text=(
            "Why there was no answer: timeout, connection_failed, forbidden_address, unresolvable, "
            "secret_unavailable (nothing was sent); '' otherwise."
        )
    )
    latency_ms = serializers.IntegerField()
    response_body = serializers.CharField(help_text="The first 1,024 bytes of the answer.")
    attempted_at = serializers.DateTimeField()


class _NewestAttemptFirst(CursorPagination):
    ordering = "-attempted_at"


class AttemptListView(ApiView):
    policy_actions = {"GET": LIST_ATTEMPTS}

    class Filters(serializers.Serializer[Any]):
        event_id = serializers.CharField(max_length=32, required=False)
        succeeded = serializers.BooleanField(required=False, allow_null=True, default=None)

    @extend_schema(
        operation_id="webhook_endpoints_attempts", parameters=[Filters], responses={200: page_of(AttemptOutput)}
    )
    def get(self, request: Request, endpoint_id: str) -> Response:
        filters = self.validated_query(self.Filters, request)
        attempts = attempt_list(endpoint=endpoint_get(public_id=endpoint_id), **filters)
        return self.paginated(attempts, AttemptOutput, request, _NewestAttemptFirst())


class WebhookEventOutput(ResourceOutput):
    id = serializers.CharField(source="public_id")
    type = serializers.ChoiceField(choices=EventType.choices)
    data = serializers.DictField(  # type: ignore[assignment]
        help_text="The resource and its new state: object, id, and its status fields."
    )
    created_at = serializers.DateTimeField()


class EventListView(ApiView):
    policy_actions = {"GET": LIST_EVENTS}

    class Filters(serializers.Serializer[Any]):
        type = serializers.ChoiceField(choices=EventType.choices, required=False)

    @extend_schema(operation_id="events_list", parameters=[Filters], responses={200: page_of(WebhookEventOutput)})
    def get(self, request: Request) -> Response:
        return self.paginated(event_list(**self.validated_query(self.Filters, request)), WebhookEventOutput, request)


class EventDetailView(ApiView):
    policy_actions = {"GET": GET_EVENT}

    @extend_schema(operation_id="events_get", responses={200: WebhookEventOutput})
    def get(self, request: Request, event_id: str) -> Response:
        return Response(WebhookEventOutput(event_get(public_id=event_id)).data)


class RedeliveryOutput(serializers.Serializer[Any]):
    event_id = serializers.CharField()
    endpoint_ids = serializers.ListField(child=serializers.CharField())


class EventRedeliverView(ApiView):
    policy_actions = {"POST": REDELIVER_EVENT}

    class Input(StrictInputSerializer):
        endpoint_id = serializers.CharField(
            max_length=32, required=False, help_text="Only to this endpoint; default: every enabled one subscribed."
        )

    @extend_schema(
        operation_id="events_redeliver",
        request=Input,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={202: RedeliveryOutput},
        description="Send the event again with a fresh retry schedule (same webhook-id: receivers deduplicate). "
        "Errors: 404 `not_found`, `webhook_no_endpoint`; 400 `webhook_endpoint_disabled`.",
    )
    def post(self, request: Request, event_id: str) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        event = event_get(public_id=event_id)
        named = data.validated_data.get("endpoint_id")
        endpoint = endpoint_get(public_id=named) if named else None
        deliveries = event_redeliver(tenant=api_key_of(request).tenant, event=event, endpoint=endpoint)
        body = {"event_id": event.public_id, "endpoint_ids": [delivery.endpoint.public_id for delivery in deliveries]}
        return Response(body, status=status.HTTP_202_ACCEPTED)
