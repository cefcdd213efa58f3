"""The admin console's events: sign-ins, sign-outs and every change made in the admin."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.db.models import Model
from django.http import HttpRequest

from audit.identity import resource, unknown_user_identity, user_identity, verity_event_source
from audit.models import EventType
from audit.recording.events import RecordedEvent, record_event
from config.api.network import client_ip
from tenants.models import Tenant
from tenants.scope import current_scope, platform_scope

if TYPE_CHECKING:
    from django.contrib.admin.models import LogEntry


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
