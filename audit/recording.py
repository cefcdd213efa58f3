"""Writes to the audit log: recording events and sealing the hash chain.

An event is inserted in the caller's transaction (a rolled-back change leaves no event), except
what must outlive a rollback — a downstream AWS call that happened, a request's failure — which
is committed at once on the ``audit`` connection (``commit_now``). Every event is *sealed* —
given its place in the tenant's chain — by ``chain_seal`` right after its transaction commits.
Sealing after commit, instead of locking the chain while inserting, means a request that
records an event early does not hold a tenant-wide lock until it commits, so a tenant's
concurrent requests never queue behind each other's audit rows. The chain is still gapless and
fork-free: the database seals under a per-tenant lock, hashing each event's stored canonical
JSON exactly as ``audit.cloudtrail.records.record_hash`` does (which verification uses to
recompute every hash).
"""

from __future__ import annotations

import functools
import json
import logging
import uuid
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

import psycopg
from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone

from audit.cloudtrail.records import canonical_json
from audit.identity import (
    SYSTEM_PRINCIPAL,
    Resource,
    UserIdentity,
    actor_identity,
    anonymous_identity,
    api_key_identity,
    aws_event_source,
    platform_account_id,
    resource,
    system_identity,
    unknown_user_identity,
    user_identity,
    verity_event_source,
)
from audit.models import (
    AuditEvent,
    EventCategory,
    EventType,
)
from audit.redaction import redact, rules_for, scrub_text
from config.api.middleware import current_request_id
from config.api.network import client_ip
from tenants.keys import bearer_token, key_prefix_of
from tenants.models import Tenant
from tenants.scope import current_scope, platform_scope, scope_connection, scope_database, tenant_scope

if TYPE_CHECKING:
    from django.contrib.admin.models import LogEntry

logger = logging.getLogger(__name__)

EVENT_VERSION = "1.08"
SEAL_BATCH = 5000
# A seal after commit waits at most this long for another seal of the same chain.
SEAL_LOCK_TIMEOUT = "2s"
MAX_USER_AGENT = 256
MAX_ERROR_MESSAGE = 1024
MAX_IDENTITY_VALUE = 256
MAX_ERROR_CODE = 128
_READ_ONLY_PREFIXES = ("Describe", "Get", "List", "Search", "Detect", "Compare", "Head", "Lookup")
# A second connection with the application's credentials, for events that commit on their own.
AUDIT_DATABASE = "audit"


# ---------------------------------------------------------------------------------------------
# Recording


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


def _scope_of_chain(chain: int | None) -> AbstractContextManager[Any]:
    """The scope a chain's rows are visible and writable in: the caller's, when it covers the chain.

    The audit log writes each event into its own tenant's chain whatever scope its caller runs
    in (an operator's change to a tenant goes into that tenant's log), so this, with
    ``_independent_scope`` and ``_own_scope``, is the one place outside the edges that enters a
    scope (``tests/test_architecture.py`` allows it here only).
    """
    scope = current_scope()
    in_scope = scope is not None and (scope.all_tenants or (chain is not None and scope.tenant_id == chain))
    return nullcontext() if in_scope else _own_scope(chain)


def _independent_scope(chain: int | None) -> AbstractContextManager[Any]:
    """The chain's scope on the ``audit`` connection, whose transaction commits on its own."""
    if chain is None:
        return platform_scope(database=AUDIT_DATABASE)
    return tenant_scope(chain, database=AUDIT_DATABASE)


def _seal_after_commit(chain: int | None) -> None:
    """Seal ``chain`` once after the current transaction commits, however many events it wrote.

    Django replaces its list of commit callbacks at every commit and rollback, so a marker tied
    to that list object is forgotten exactly when the callbacks are.
    """
    connection = scope_connection()
    pending = connection.run_on_commit
    marker: tuple[list[Any], set[int | None]] | None = getattr(connection, "_verity_audit_seals", None)
    if marker is None or marker[0] is not pending:
        marker = (pending, set())
        setattr(connection, "_verity_audit_seals", marker)  # noqa: B010 - the proxy forwards setattr
    if chain in marker[1]:
        return
    marker[1].add(chain)
    transaction.on_commit(functools.partial(_seal_quietly, chain), using=connection.alias)


def _seal_quietly(chain: int | None) -> None:
    # The events are committed either way; a seal that fails here is retried by the sweeper
    # (audit.tasks.seal_pending_chains), so the request that wrote them must not fail.
    try:
        chain_seal(tenant_id=chain, lock_timeout=SEAL_LOCK_TIMEOUT)
    except DatabaseError:
        logger.warning("Sealing the audit chain of tenant %s was deferred to the sweeper", chain, exc_info=True)


# ---------------------------------------------------------------------------------------------
# The chain


def chain_seal(*, tenant_id: int | None, lock_timeout: str | None = None) -> int:
    """Give every committed, unsealed event of the chain its sequence and hash; return how many.

    The database does the hashing (``verity_audit_seal``), so records never travel back to
    Python. Run it outside a transaction: each batch takes the chain's lock in its own
    transaction (inside a caller's transaction the lock is held until that one ends).
    ``lock_timeout`` bounds the wait for a concurrent seal (a PostgreSQL interval such as
    ``"2s"``); the default waits as long as it takes.
    """
    sealed = 0
    while True:
        with _own_scope(tenant_id), transaction.atomic(using=scope_database()), scope_connection().cursor() as cursor:
            own_transaction = len(scope_connection().atomic_blocks) == 1
            cursor.execute(
                "SELECT verity_audit_seal(%s, %s, %s, %s)", [tenant_id, SEAL_BATCH, lock_timeout, own_transaction]
            )
            batch = int(cursor.fetchone()[0])
        sealed += batch
        if batch < SEAL_BATCH:
            return sealed


def _own_scope(chain: int | None) -> AbstractContextManager[Any]:
    """The chain's own scope (and transaction): RLS then shows exactly its rows."""
    return platform_scope() if chain is None else tenant_scope(chain)


# ---------------------------------------------------------------------------------------------
# Event kinds the rest of Verity records


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


def record_console_sign_in(
    *, request: HttpRequest | None, username: str, succeeded: bool, user: Any | None = None
) -> RecordedEvent:
    """An admin sign-in attempt (CloudTrail's ConsoleLogin, eventType AwsConsoleSignIn).

    A failed attempt for a username that does not exist records the name as
    HIDDEN_DUE_TO_SECURITY_REASONS, as CloudTrail does: people type passwords into that field.
    """
    from django.contrib.auth import get_user_model

    if user is None:
        user = get_user_model()._default_manager.filter(**{get_user_model().USERNAME_FIELD: username}).first()
    tenant = _tenant_of_user(user) if user is not None else None
    if user is not None:
        identity = user_identity(user_pk=user.pk, username=user.get_username(), tenant=tenant)
    else:
        identity = unknown_user_identity()
    return record_event(
        tenant=tenant,
        event_source=verity_event_source("signin"),
        event_name="ConsoleLogin",
        identity=identity,
        event_type=EventType.CONSOLE_SIGN_IN,
        source_ip=client_ip(request) if request is not None else None,
        user_agent=request.headers.get("User-Agent") if request is not None else None,
        response_elements={"ConsoleLogin": "Success" if succeeded else "Failure"},
        error_code=None if succeeded else "FailedAuthentication",
        error_message=None if succeeded else "Failed authentication",
        request_id=getattr(request, "request_id", None),
    )


def record_console_sign_out(*, request: HttpRequest | None, user: Any) -> RecordedEvent:
    tenant = _tenant_of_user(user)
    return record_event(
        tenant=tenant,
        event_source=verity_event_source("signin"),
        event_name="ConsoleLogout",
        identity=user_identity(user_pk=user.pk, username=user.get_username(), tenant=tenant),
        event_type=EventType.CONSOLE_SIGN_IN,
        source_ip=client_ip(request) if request is not None else None,
        user_agent=request.headers.get("User-Agent") if request is not None else None,
        response_elements={"ConsoleLogout": "Success"},
        request_id=getattr(request, "request_id", None),
    )


def _tenant_of_user(user: Any) -> Tenant | None:
    from tenants.selectors import membership_for_user

    membership = membership_for_user(user.pk)
    return membership.tenant if membership is not None else None


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


# Models whose every write goes through services that call ``record_change`` themselves.
_AUDITED_BY_SERVICES: set[type[Model]] = set()


def audited_by_services(*models: type[Model]) -> None:
    """Declare that ``models`` are changed only through services that record their own events, so the
    admin's LogEntry for such a change (kept for the admin's history page) is not recorded a second time."""
    _AUDITED_BY_SERVICES.update(models)


_ADMIN_VERBS = {1: "Create", 2: "Update", 3: "Delete"}


def record_admin_change(entry: LogEntry, *, request: HttpRequest | None = None) -> RecordedEvent | None:
    """One add, change or delete made in the admin, from the LogEntry Django writes for it.

    Names the model, the object id and the changed field labels — never the values. Records
    nothing for a model whose services record their changes (``audited_by_services``).
    """
    content_type = entry.content_type
    model = content_type.model_class() if content_type is not None else None
    if model in _AUDITED_BY_SERVICES:
        return None
    model_name = model.__name__ if model is not None else (content_type.model if content_type else "Object")
    app_label = content_type.app_label if content_type is not None else "unknown"
    object_id = "" if entry.object_id is None else str(entry.object_id)
    tenant = _tenant_of_admin_object(model, object_id, entry.user)
    changed: list[str] = []
    for part in _parts(entry):
        fields = part.get("changed", {}).get("fields", []) if isinstance(part.get("changed"), dict) else []
        changed += [str(field) for field in fields]
    user = entry.user
    identity = user_identity(
        user_pk=user.pk, username=user.get_username(), tenant=None if user.is_superuser else tenant
    )
    return record_event(
        tenant=tenant,
        event_source=verity_event_source("admin"),
        event_name=f"{_ADMIN_VERBS.get(entry.action_flag, 'Change')}{model_name}",
        identity=identity,
        source_ip=client_ip(request) if request is not None else None,
        user_agent=request.headers.get("User-Agent") if request is not None else None,
        request_parameters={
            "model": f"{app_label}.{content_type.model if content_type else 'unknown'}",
            "objectId": object_id,
            "changedFields": changed,
        },
        resources=[resource(tenant, service=app_label, resource_type=model_name.lower(), resource_id=object_id)]
        if tenant is not None and object_id
        else (),
        request_id=getattr(request, "request_id", None),
    )


def _parts(entry: LogEntry) -> list[dict[str, Any]]:
    try:
        parts = json.loads(entry.change_message or "[]")
    except ValueError:
        return []
    return [part for part in parts if isinstance(part, dict)] if isinstance(parts, list) else []


def _tenant_of_admin_object(model: Any, object_id: str, user: Any) -> Tenant | None:
    """The tenant whose log an admin change belongs in: the object's own tenant when it has one."""
    from django.contrib.auth import get_user_model

    scope = current_scope()
    if scope is not None and scope.tenant_id is not None:
        return Tenant.objects.filter(pk=scope.tenant_id).first()
    if model is Tenant:
        return Tenant.objects.filter(pk=object_id).first() if object_id.isdigit() else None
    if model is not None and model is get_user_model() and object_id.isdigit():
        # A change to a tenant's staff user belongs in that tenant's log.
        return _tenant_of_user(model(pk=int(object_id)))
    if model is not None and object_id and any(field.name == "tenant" for field in model._meta.get_fields()):
        with platform_scope():
            tenant_id = model._base_manager.filter(pk=object_id).values_list("tenant_id", flat=True).first()
        if tenant_id is not None:
            return Tenant.objects.filter(pk=tenant_id).first()
    return None if user.is_superuser else _tenant_of_user(user)


def record_bulk_admin_deletions(entries: Sequence[LogEntry], *, request: HttpRequest | None = None) -> None:
    """Record deletions that Django logged with ``bulk_create`` (which sends no post_save).

    Django's ``ModelAdmin.log_deletions`` saves a single entry normally but bulk-creates several;
    call this from an overridden ``log_deletions`` with what it returned. A single entry was
    already recorded by the post_save receiver, so it is skipped here.
    """
    if len(entries) > 1:
        for entry in entries:
            record_admin_change(entry, request=request)


def connect_admin_signals() -> None:
    """Record admin sign-ins, sign-outs, failed sign-ins and every LogEntry Django saves."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
    from django.db.models.signals import post_save

    user_logged_in.connect(_on_logged_in, dispatch_uid="verity-audit-login")
    user_logged_out.connect(_on_logged_out, dispatch_uid="verity-audit-logout")
    user_login_failed.connect(_on_login_failed, dispatch_uid="verity-audit-login-failed")
    post_save.connect(_on_log_entry, sender=LogEntry, dispatch_uid="verity-audit-admin-change")


def _on_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    record_console_sign_in(request=request, username=user.get_username(), succeeded=True, user=user)


def _on_logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record_console_sign_out(request=request, user=user)


def _on_login_failed(sender: Any, credentials: Mapping[str, Any], request: HttpRequest | None, **kwargs: Any) -> None:
    from django.contrib.auth import get_user_model

    username = credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username") or ""
    record_console_sign_in(request=request, username=str(username), succeeded=False)


def _on_log_entry(sender: Any, instance: LogEntry, created: bool, **kwargs: Any) -> None:
    from audit.identity import current_request

    if created:
        record_admin_change(instance, request=current_request.get())


class GatewayCall(Protocol):
    """What ``vision.gateway.CallRecord`` carries (structural, so audit does not import vision)."""

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
) -> RecordedEvent:
    """A downstream AWS call (``service`` ``rekognition``/``kms``/``s3``) made on the tenant's behalf.

    eventSource is AWS's own (``rekognition.amazonaws.com``) and eventName the real operation;
    requestID is the Verity request that caused it, AWS's request id goes in additionalEventData.
    S3 object operations are data events; everything else is a management event, as in CloudTrail.

    The call happened whatever becomes of the caller's transaction, so its event is committed
    at once, on its own (``commit_now``): rolling back the business change never erases it.
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
        commit_now=True,
    )


def record_gateway_call(call: GatewayCall) -> RecordedEvent:
    """A Rekognition call made through the vision gateway (register with ``register_call_recorder``)."""
    return record_aws_call(
        tenant=_tenant_for_audit(call.tenant_id),
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
