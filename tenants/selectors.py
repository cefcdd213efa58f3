"""Reads for tenants: resolving credentials before a scope exists, and effective thresholds."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from django.db import connection

from tenants.keys import hash_key_secret, key_prefix_of
from tenants.models import ApiKey, Tenant, Threshold
from tenants.scope import current_scope, require_scope
from tenants.thresholds import THRESHOLDS


def api_key_tenant(token: str) -> int | None:
    """The tenant a well-formed token's key belongs to, looked up before any scope exists; or None.

    Only the key's prefix is looked up (``verity_api_key_lookup``, which sees every tenant's
    keys); the secret is checked by ``api_key_resolve`` inside that tenant's scope.
    """
    prefix = key_prefix_of(token)
    if prefix is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT tenant_id FROM verity_api_key_lookup(%s)", [prefix])
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def api_key_resolve(token: str) -> ApiKey | None:
    """The active key of an active tenant that this token belongs to, or None for any reason.

    Runs in the scope of the tenant ``api_key_tenant`` named. The caller learns nothing about
    *why* a token failed: every failure is the same None.
    """
    require_scope()
    prefix = key_prefix_of(token)
    api_key = ApiKey.objects.select_related("tenant").filter(prefix=prefix).first() if prefix else None
    if api_key is None or not hmac.compare_digest(api_key.secret_hash, hash_key_secret(token)):
        return None
    if not api_key.is_usable() or not api_key.tenant.is_active:
        return None
    return api_key


@dataclass(frozen=True)
class MembershipInfo:
    tenant: Tenant
    role: str


def membership_for_user(user_id: int) -> MembershipInfo | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tenant_id, role FROM verity_membership_lookup(%s)", [user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    tenant = Tenant.objects.filter(pk=row[0]).first()
    if tenant is None or not tenant.is_active:
        return None
    return MembershipInfo(tenant=tenant, role=row[1])


def effective_thresholds(*, face_model_version: str = "") -> dict[str, float]:
    """Thresholds for the current tenant: a version-specific override beats a general one beats the default."""
    values = {operation: spec.default for operation, spec in THRESHOLDS.items()}
    overrides = Threshold.objects.filter(face_model_version__in={"", face_model_version}).order_by("face_model_version")
    for threshold in overrides:  # "" sorts first, so the version-specific row wins
        values[threshold.operation] = threshold.value
    return values


def tenant_describe(tenant: Tenant) -> dict[str, object]:
    """The tenant as its own developers see it, thresholds included."""
    fields = ("public_id", "slug", "name", "account_id", "region", "status", "shard_count")
    return {name: getattr(tenant, name) for name in fields} | {"thresholds": effective_thresholds()}


def test_tenant_of(live_tenant: Tenant) -> Tenant | None:
    """The live tenant's test-mode twin, if it has one yet."""
    return Tenant.objects.filter(live_tenant=live_tenant).first()


_livemode: dict[int, bool] = {}


def scope_livemode() -> bool:
    """Whether the current scope's tenant is live (False for a test-mode twin); True outside a tenant."""
    scope = current_scope()
    if scope is None or scope.tenant_id is None:
        return True
    known = _livemode.get(scope.tenant_id)
    if known is None:  # a tenant's mode never changes
        known = _livemode[scope.tenant_id] = not Tenant.objects.filter(
            pk=scope.tenant_id, live_tenant__isnull=False
        ).exists()
    return known
