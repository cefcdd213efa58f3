"""The kinds of event the rest of Verity records: API requests, service changes, AWS calls, system events."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from django.http import HttpRequest

from audit.identity import (
    Resource,
    UserIdentity,
    actor_identity,
    anonymous_identity,
    api_key_identity,
    aws_event_source,
    system_identity,
    verity_event_source,
)
from audit.models import EventCategory, EventType
from audit.recording.chain import committed_together
from audit.recording.events import RecordedEvent, record_event
from config.api.network import client_ip
from tenants.keys import bearer_token, key_prefix_of
from tenants.models import Tenant

_READ_ONLY_PREFIXES = ("Describe", "Get", "List", "Search", "Detect", "Compare", "Head", "Lookup")


def record_api_request(
    *,
    request: HttpRequest,
    action: str,
    status_code: int,
    error_code: str | None = None,
    error_message: str | None = None,
    request_parameters: Mapping[str, Any] | None = None,
    response_elements: Mapping[str, Any] | None = None,
    resources: Sequence[Resource] = (),
    category: str = EventCategory.MANAGEMENT,
    commit_now: bool = False,
) -> RecordedEvent:
    """One API request, successful or not. ``action`` is the view's policy action, e.g.
    ``verification:CreateSubject`` → eventSource ``verification.verity.local``, eventName
    ``CreateSubject``. A request without a valid key goes to the platform's log, naming only
    the presented key's public prefix.
    """
    app, _, operation = action.partition(":")
    api_key = getattr(request, "api_key", None)
    tenant = api_key.tenant if api_key is not None else None
    identity = api_key_identity(api_key) if api_key is not None else anonymous_identity(_presented_prefix(request))
    if status_code >= 400 and not error_code:
        error_code = f"Http{status_code}"
    return record_event(
        tenant=tenant,
        event_source=verity_event_source(app),
        event_name=operation,
        identity=identity,
        read_only=request.method in ("GET", "HEAD", "OPTIONS"),
        category=category,
        source_ip=client_ip(request),
        user_agent=request.headers.get("User-Agent"),
        request_parameters=request_parameters,
        response_elements=response_elements,
        error_code=error_code if status_code >= 400 else None,
        error_message=error_message if status_code >= 400 else None,
        resources=resources,
        request_id=getattr(request, "request_id", None),
        commit_now=commit_now,
    )


def _presented_prefix(request: HttpRequest) -> str | None:
    token = bearer_token(request)
    return key_prefix_of(token) if token else None


def record_change(
    *,
    tenant: Tenant,
    event_source: str,
    event_name: str,
    actor: Any | None,
    request_parameters: Mapping[str, Any] | None = None,
    response_elements: Mapping[str, Any] | None = None,
    resources: Sequence[Resource] = (),
) -> RecordedEvent:
    """A change a service made for ``actor`` (a staff user or operator; ``None``: a command or task).

    Call it inside the service's transaction. The same change gives the same event whichever edge
    called the service; only the identity and, for a request, its address and user agent differ.
    """
    from audit.identity import current_request

    request = current_request.get()
    return record_event(
        tenant=tenant,
        event_source=event_source,
        event_name=event_name,
        identity=actor_identity(actor, tenant),
        source_ip=client_ip(request) if request is not None else None,
        user_agent=request.headers.get("User-Agent") if request is not None else None,
        request_parameters=request_parameters,
        response_elements=response_elements,
        resources=resources,
    )


class GatewayCall(Protocol):
    """What ``vision.calls.CallRecord`` carries (structural, so audit does not import vision)."""

    @property
    def tenant_id(self) -> int: ...
    @property
    def operation(self) -> str: ...
    @property
    def request_parameters(self) -> Mapping[str, Any]: ...
    @property
    def response_summary(self) -> Mapping[str, Any] | None: ...
    @property
    def error_code(self) -> str | None: ...
    @property
    def error_message(self) -> str | None: ...
    @property
    def started_at(self) -> datetime: ...
    @property
    def latency_ms(self) -> float: ...
    @property
    def attempts(self) -> int: ...
    @property
    def request_id(self) -> str | None: ...
    @property
    def cached(self) -> bool: ...


def record_aws_call(
    *,
    tenant: Tenant | None,
    service: str,
    operation: str,
    request_parameters: Mapping[str, Any] | None,
    response_elements: Mapping[str, Any] | None,
    error_code: str | None = None,
    error_message: str | None = None,
    event_time: datetime | None = None,
    additional_event_data: Mapping[str, Any] | None = None,
    resources: Sequence[Resource] = (),
    identity: UserIdentity | None = None,
    commit_now: bool = True,
) -> RecordedEvent:
    """A downstream AWS call (``service`` ``rekognition``/``kms``/``s3``) made on the tenant's behalf.

    eventSource is AWS's own (``rekognition.amazonaws.com``) and eventName the real operation;
    requestID is the Verity request that caused it, AWS's request id goes in additionalEventData.
    S3 object operations are data events; everything else is a management event, as in CloudTrail.

    The call happened whatever becomes of the caller's transaction, so its event is committed
    at once, on its own (``commit_now``): rolling back the business change never erases it.
    Only ``record_gateway_calls`` passes ``commit_now=False``, inside a transaction of its own.
    """
    is_object_operation = service == "s3" and operation.endswith(("Object", "Objects", "ObjectAttributes"))
    return record_event(
        tenant=tenant,
        event_source=aws_event_source(service),
        event_name=operation,
        identity=identity or system_identity(tenant),
        read_only=operation.startswith(_READ_ONLY_PREFIXES),
        category=EventCategory.DATA if is_object_operation else EventCategory.MANAGEMENT,
        request_parameters=request_parameters,
        response_elements=response_elements,
        error_code=error_code,
        error_message=error_message,
        additional_event_data=additional_event_data,
        resources=resources,
        event_time=event_time,
        commit_now=commit_now,
    )


def record_gateway_calls(calls: Sequence[GatewayCall]) -> None:
    """Rekognition calls made through the vision gateway (its registered call recorder).

    One call is committed on its own at once; several (a search fanned out over every shard) are
    committed together per tenant, in one transaction of their own, and the chain sealed once.
    """
    if len(calls) == 1:
        record_gateway_call(calls[0])
        return
    # Looked up first, in the caller's scope: the transaction below is another connection's.
    tenants = {tenant_id: _tenant_for_audit(tenant_id) for tenant_id in dict.fromkeys(c.tenant_id for c in calls)}
    for tenant_id, tenant in tenants.items():
        with committed_together(tenant_id):
            for call in calls:
                if call.tenant_id == tenant_id:
                    _gateway_event(tenant, call, commit_now=False)


def record_gateway_call(call: GatewayCall) -> RecordedEvent:
    """A Rekognition call made through the vision gateway, committed at once."""
    return _gateway_event(_tenant_for_audit(call.tenant_id), call, commit_now=True)


def _gateway_event(tenant: Tenant, call: GatewayCall, *, commit_now: bool) -> RecordedEvent:
    return record_aws_call(
        tenant=tenant,
        service="rekognition",
        operation=call.operation,
        request_parameters=call.request_parameters,
        response_elements=call.response_summary,
        error_code=call.error_code,
        error_message=call.error_message,
        event_time=call.started_at,
        additional_event_data={
            "awsRequestId": call.request_id or "",
            "attempts": call.attempts,
            "latencyMs": round(call.latency_ms, 3),
            "cached": call.cached,
        },
        commit_now=commit_now,
    )


@functools.lru_cache(maxsize=4096)
def _tenant_for_audit(tenant_id: int) -> Tenant:
    # account_id and region never change, so one lookup per process is enough.
    return Tenant.objects.only("id", "account_id", "region").get(pk=tenant_id)


def record_system_event(
    *,
    tenant: Tenant | None,
    event_source: str,
    event_name: str,
    details: Mapping[str, Any] | None = None,
    error_code: str | None = None,
    error_message: str | None = None,
    resources: Sequence[Resource] = (),
    read_only: bool = False,
    commit_now: bool = False,
) -> RecordedEvent:
    """Something Verity did on its own (purge, erasure, digest, export): eventType AwsServiceEvent."""
    return record_event(
        tenant=tenant,
        event_source=event_source,
        event_name=event_name,
        identity=system_identity(tenant),
        event_type=EventType.SERVICE_EVENT,
        read_only=read_only,
        service_event_details=details,
        error_code=error_code,
        error_message=error_message,
        resources=resources,
        commit_now=commit_now,
    )
