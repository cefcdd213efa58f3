"""Recording one event: building its CloudTrail record and inserting the row.

An event is inserted in the caller's transaction (a rolled-back change leaves no event), except
what must outlive a rollback — a downstream AWS call that happened, a request's failure — which
is committed at once on the ``audit`` connection (``commit_now``). Either way its chain is
sealed right after the transaction commits (``audit.recording.chain``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.cloudtrail.records import canonical_json
from audit.identity import SYSTEM_PRINCIPAL, Resource, UserIdentity, platform_account_id
from audit.models import AuditEvent, EventCategory, EventType
from audit.recording.chain import _independent_scope, _scope_of_chain, _seal_after_commit
from audit.redaction import redact, rules_for, scrub_text
from config.api.middleware import current_request_id
from tenants.models import Tenant
from tenants.scope import scope_connection, scope_database

EVENT_VERSION = "1.08"
MAX_USER_AGENT = 256
MAX_ERROR_MESSAGE = 1024
MAX_IDENTITY_VALUE = 256
MAX_ERROR_CODE = 128


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """What ``record_event`` wrote: the row's id, its eventID and the record exactly as stored."""

    id: int
    event_id: uuid.UUID
    tenant_id: int | None
    record: dict[str, Any]


_EVENT_TYPES = frozenset(EventType.values)
_CATEGORIES = frozenset(EventCategory.values)


def record_event(
    *,
    tenant: Tenant | None,
    event_source: str,
    event_name: str,
    identity: UserIdentity,
    event_type: str = EventType.API_CALL,
    read_only: bool = False,
    category: str = EventCategory.MANAGEMENT,
    source_ip: str | None = None,
    user_agent: str | None = None,
    request_parameters: Mapping[str, Any] | None = None,
    response_elements: Mapping[str, Any] | None = None,
    service_event_details: Mapping[str, Any] | None = None,
    additional_event_data: Mapping[str, Any] | None = None,
    error_code: str | None = None,
    error_message: str | None = None,
    resources: Sequence[Resource] = (),
    request_id: str | None = None,
    event_time: datetime | None = None,
    commit_now: bool = False,
) -> RecordedEvent:
    """Append one CloudTrail record to ``tenant``'s log (``None``: the platform's log).

    By default the row joins the caller's transaction, so it commits or rolls back with the
    change it describes. ``commit_now=True`` writes and commits it at once in a transaction of
    its own, so it stands whatever the caller's transaction does — for a failure that must
    outlive the rolled-back request, and for a downstream call that really happened. It is
    written on the ``audit`` connection (same credentials, another session), so the caller may
    be inside a transaction of its own; its chain is sealed as soon as it commits.

    Parameters are reduced by the allow-list of ``audit.redaction`` for this event;
    ``request_id`` defaults to the current ``X-Request-Id``.
    """
    if event_type not in _EVENT_TYPES:
        raise ValueError(f"eventType must be one of {sorted(_EVENT_TYPES)}")
    if category not in _CATEGORIES:
        raise ValueError(f"eventCategory must be one of {sorted(_CATEGORIES)}")
    event_id = uuid.uuid4()
    moment = event_time or timezone.now()
    request_id = current_request_id.get() if request_id is None else request_id
    record = _build_record(
        tenant=tenant,
        event_id=event_id,
        event_time=moment,
        event_source=event_source,
        event_name=event_name,
        identity=identity,
        event_type=event_type,
        read_only=read_only,
        category=category,
        source_ip=source_ip,
        user_agent=user_agent,
        request_parameters=request_parameters,
        response_elements=response_elements,
        service_event_details=service_event_details,
        additional_event_data=additional_event_data,
        error_code=error_code,
        error_message=error_message,
        resources=resources,
        request_id=request_id,
    )
    identity = record["userIdentity"]
    chain = None if tenant is None else tenant.pk
    row = (
        chain,
        event_id,
        moment,
        event_source[:128],
        event_name[:128],
        event_type,
        (identity.get("principalId") or "")[:256],
        (identity.get("userName") or "")[:256],
        (identity.get("accessKeyId") or "")[:64],
        (record["sourceIPAddress"] or "")[:128],
        record.get("errorCode") or "",
        (request_id or "")[:128],
        read_only,
        canonical_json(record).decode("utf-8"),
    )
    with (
        _independent_scope(chain) if commit_now else _scope_of_chain(chain),
        transaction.atomic(using=scope_database(), savepoint=False, durable=commit_now),
    ):
        pk = _insert(row)
        _seal_after_commit(chain)
    return RecordedEvent(id=pk, event_id=event_id, tenant_id=chain, record=record)


_INSERT_COLUMNS = (
    "tenant_id",
    "event_id",
    "event_time",
    "event_source",
    "event_name",
    "event_type",
    "principal_id",
    "user_name",
    "access_key_id",
    "source_ip",
    "error_code",
    "request_id",
    "read_only",
    "record",
)
_INSERT_SQL = (
    f"INSERT INTO {AuditEvent._meta.db_table} ({', '.join(_INSERT_COLUMNS)}) "  # noqa: S608 - constant names
    f"VALUES ({', '.join(['%s'] * (len(_INSERT_COLUMNS) - 1))}, %s::json) RETURNING id"
)


def _insert(row: Sequence[Any]) -> int:
    """One prepared INSERT, because this runs on every request.

    ``Model.save`` spends about a millisecond of Python per row (the scoped manager builds a
    filtered queryset even for an insert), and Django's client-side parameter binding makes
    PostgreSQL parse and plan the statement every time; a server-binding psycopg cursor on the
    same connection (same session, same transaction) is prepared after a few executions.
    """
    connection = scope_connection()
    connection.carry_scope()  # type: ignore[attr-defined]  # tenants.db: the raw cursor below bypasses it
    raw = connection.connection
    cached: tuple[Any, psycopg.Cursor[Any]] | None = getattr(connection, "_verity_audit_cursor", None)
    if cached is None or cached[0] is not raw or cached[1].closed:
        cached = (raw, psycopg.Cursor(raw))
        setattr(connection, "_verity_audit_cursor", cached)  # noqa: B010 - the proxy forwards setattr
    cursor = cached[1]
    with connection.wrap_database_errors:
        cursor.execute(_INSERT_SQL, row)
        inserted = cursor.fetchone()
    assert inserted is not None
    return int(inserted[0])


def _build_record(
    *,
    tenant: Tenant | None,
    event_id: uuid.UUID,
    event_time: datetime,
    event_source: str,
    event_name: str,
    identity: UserIdentity,
    event_type: str,
    read_only: bool,
    category: str,
    source_ip: str | None,
    user_agent: str | None,
    request_parameters: Mapping[str, Any] | None,
    response_elements: Mapping[str, Any] | None,
    service_event_details: Mapping[str, Any] | None,
    additional_event_data: Mapping[str, Any] | None,
    error_code: str | None,
    error_message: str | None,
    resources: Sequence[Resource],
    request_id: str | None,
) -> dict[str, Any]:
    """The CloudTrail record, with CloudTrail's key names, casing and key order."""
    rules = rules_for(event_source, event_name)
    identity = {
        key: scrub_text(value, limit=MAX_IDENTITY_VALUE) if isinstance(value, str) else value
        for key, value in identity.items()
    }
    is_service = identity.get("type") == "AWSService"
    utc = event_time.astimezone(UTC)
    record: dict[str, Any] = {
        "eventVersion": EVENT_VERSION,
        "userIdentity": identity,
        "eventTime": (
            f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}Z"
        ),
        "eventSource": event_source,
        "eventName": event_name,
        "awsRegion": tenant.region if tenant is not None else settings.AWS_DEFAULT_REGION,
        "sourceIPAddress": source_ip or (SYSTEM_PRINCIPAL if is_service else None),
        "userAgent": scrub_text(user_agent, limit=MAX_USER_AGENT) or (SYSTEM_PRINCIPAL if is_service else None),
        "requestParameters": redact(request_parameters, rules.request),
        "responseElements": redact(response_elements, rules.response),
    }
    if event_type == EventType.SERVICE_EVENT:
        record["serviceEventDetails"] = redact(service_event_details, rules.details)
    if additional_event_data:
        record["additionalEventData"] = {
            key: value for key, value in additional_event_data.items() if isinstance(value, str | int | float | bool)
        }
    if error_code:
        # CloudTrail leaves both out of successful calls.
        record["errorCode"] = scrub_text(error_code, limit=MAX_ERROR_CODE)
        record["errorMessage"] = scrub_text(error_message, limit=MAX_ERROR_MESSAGE)
    record["requestID"] = request_id
    record["eventID"] = str(event_id)
    record["readOnly"] = read_only
    record["resources"] = [_resource(item) for item in resources]
    record["eventType"] = event_type
    record["managementEvent"] = category == EventCategory.MANAGEMENT
    record["eventCategory"] = category
    record["recipientAccountId"] = tenant.account_id if tenant is not None else platform_account_id()
    return record


def _resource(item: Mapping[str, Any]) -> Resource:
    return {key: scrub_text(str(item[key]), limit=MAX_IDENTITY_VALUE) for key in ("ARN", "accountId", "type")}
