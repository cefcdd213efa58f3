"""Writes for tenants: API keys and thresholds (provisioning: tenants/provisioning.py; staff: tenants/staff.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.identity import IAM_SOURCE, verity_event_source
from audit.recording import audited_by_services, record_change
from audit.redaction import KEEP, register_event
from config.errors import InvalidInput
from tenants.keys import KEY_ID_LENGTH, KEY_SECRET_LENGTH, hash_key_secret, random_key_string
from tenants.models import (
    ApiKey,
    ApiKeyMode,
    Tenant,
    Threshold,
    validate_api_key_rate_limit,
)
from tenants.policy import FULL_ACCESS_POLICY, PolicyError, validate_policy
from tenants.scope import require_scope
from tenants.thresholds import validate_threshold

TENANTS_SOURCE = verity_event_source("tenants")
register_event(
    IAM_SOURCE,
    "CreateAccessKey",
    request={"userName": KEEP, "mode": KEEP, "expiresAt": KEEP, "rateLimit": KEEP, "policyDocument": KEEP},
    response={"accessKey": {"accessKeyId": KEEP, "status": KEEP, "createDate": KEEP}},
)
register_event(IAM_SOURCE, "DeleteAccessKey", request={"userName": KEEP, "accessKeyId": KEEP})
register_event(TENANTS_SOURCE, "PutThreshold", request={"operation": KEEP, "faceModelVersion": KEEP, "value": KEEP})
register_event(TENANTS_SOURCE, "DeleteThreshold", request={"operation": KEEP, "faceModelVersion": KEEP})
audited_by_services(ApiKey, Threshold)


@dataclass(frozen=True)
class IssuedKey:
    api_key: ApiKey
    token: str


def apikey_create(
    *,
    tenant: Tenant,
    name: str = "",
    mode: str = ApiKeyMode.LIVE,
    policy: dict[str, Any] | None = None,
    expires_at: datetime | None = None,
    rate_limit: str = "",
    actor: Any | None = None,
) -> IssuedKey:
    """Issue a key; the returned token is the only time the secret exists outside the caller.

    ``actor`` is the staff user or operator issuing it (``None``: a command or Verity itself).
    """
    if mode not in ApiKeyMode.values:
        raise InvalidInput(f"mode must be one of {ApiKeyMode.values}.", code="invalid_key_mode")
    try:
        document = validate_policy(FULL_ACCESS_POLICY if policy is None else policy)
    except PolicyError as exc:
        raise InvalidInput(str(exc), code="invalid_policy") from exc
    if expires_at is not None and expires_at <= timezone.now():
        raise InvalidInput("expires_at must be in the future.", code="invalid_expiry")
    try:
        validate_api_key_rate_limit(rate_limit, tenant=tenant)
    except ValidationError as exc:
        raise InvalidInput(exc.messages[0], code=exc.code or "invalid_rate_limit") from exc
    require_scope(tenant)
    prefix = f"vk_{mode}_{random_key_string(KEY_ID_LENGTH)}"
    token = prefix + random_key_string(KEY_SECRET_LENGTH)
    with transaction.atomic():
        api_key = ApiKey.objects.create(
            tenant=tenant,
            name=name,
            mode=mode,
            prefix=prefix,
            secret_hash=hash_key_secret(token),
            policy=document,
            expires_at=expires_at,
            rate_limit=rate_limit,
        )
        record_change(
            tenant=tenant,
            event_source=IAM_SOURCE,
            event_name="CreateAccessKey",
            actor=actor,
            request_parameters={
                "userName": api_key.name or prefix,
                "mode": mode,
                "expiresAt": _iso(expires_at),
                "rateLimit": rate_limit,
                "policyDocument": json.dumps(document, separators=(",", ":")),
            },
            response_elements={
                "accessKey": {"accessKeyId": prefix, "status": "Active", "createDate": _iso(api_key.created_at)}
            },
        )
    return IssuedKey(api_key=api_key, token=token)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def apikey_mark_used(*, api_key: ApiKey) -> None:
    """Record when a key was last used, at most once a minute so busy keys cost no extra writes."""
    now = timezone.now()
    if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now


def apikey_revoke(*, api_key: ApiKey, actor: Any | None = None) -> ApiKey:
    """Revoke a key; revoking twice keeps the first revocation time and records one event."""
    require_scope(api_key.tenant_id)
    with transaction.atomic():
        revoked = ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        api_key.refresh_from_db()
        if revoked:
            record_change(
                tenant=api_key.tenant,
                event_source=IAM_SOURCE,
                event_name="DeleteAccessKey",
                actor=actor,
                request_parameters={"userName": api_key.name or api_key.prefix, "accessKeyId": api_key.prefix},
            )
    return api_key


def threshold_set(
    *, tenant: Tenant, operation: str, value: float, face_model_version: str = "", actor: Any | None = None
) -> Threshold:
    """Set one of the tenant's thresholds (for one face-model version, or ``""`` for all of them)."""
    try:
        validate_threshold(operation, value)
    except ValidationError as exc:
        raise InvalidInput(exc.messages[0], code="invalid_threshold") from exc
    require_scope(tenant)
    with transaction.atomic():
        current = Threshold.objects.filter(operation=operation, face_model_version=face_model_version).first()
        if current is not None and current.value == float(value):
            return current
        threshold, _ = Threshold.objects.update_or_create(
            tenant=tenant,
            operation=operation,
            face_model_version=face_model_version,
            defaults={"value": float(value)},
        )
        record_change(
            tenant=tenant,
            event_source=TENANTS_SOURCE,
            event_name="PutThreshold",
            actor=actor,
            request_parameters={
                "operation": operation,
                "faceModelVersion": face_model_version,
                "value": float(value),
            },
        )
    return threshold


def threshold_delete(*, threshold: Threshold, actor: Any | None = None) -> None:
    """Remove a tenant's threshold, so the default applies again; removing it twice is harmless."""
    require_scope(threshold.tenant_id)
    with transaction.atomic():
        deleted, _ = Threshold.objects.filter(pk=threshold.pk).delete()
        if deleted:
            record_change(
                tenant=threshold.tenant,
                event_source=TENANTS_SOURCE,
                event_name="DeleteThreshold",
                actor=actor,
                request_parameters={
                    "operation": threshold.operation,
                    "faceModelVersion": threshold.face_model_version,
                },
            )
