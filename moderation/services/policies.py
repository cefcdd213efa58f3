"""Policy versions: each change is a new version; results name the version that decided them."""

from __future__ import annotations

import json
from typing import Any

from django.db import IntegrityError, transaction

from audit.recording import record_change
from moderation.models import (
    ModerationPolicy,
)
from moderation.policies import default_rules, validate_rules
from moderation.services import MODERATION_SOURCE
from tenants.models import Tenant
from tenants.scope import require_scope, scope_connection, scope_database


def policy_put(*, tenant: Tenant, categories: dict[str, Any], created_by: str, actor: Any = None) -> ModerationPolicy:
    """Make ``categories`` (completed with the defaults) the tenant's policy, as a new version.

    The same rules as the current version's change nothing and return that version.
    """
    require_scope(tenant)
    rules = validate_rules(categories)
    with transaction.atomic(using=scope_database()):
        current = policy_in_force(tenant, lock=True)
        if current.rules == rules:
            return current
        policy = ModerationPolicy.objects.create(
            tenant=tenant, version=current.version + 1, rules=rules, created_by=created_by[:256]
        )
        record_change(
            tenant=tenant,
            event_source=MODERATION_SOURCE,
            event_name="CreatePolicyVersion",
            actor=actor,
            request_parameters={"version": policy.version, "rules": json.dumps(rules, sort_keys=True)},
        )
    return policy


def policy_in_force(tenant: Tenant, *, lock: bool = False) -> ModerationPolicy:
    """The tenant's newest version; version 1 (the defaults) is written the first time one is needed."""
    # Inside a caller's transaction no savepoint of its own: a failure here fails the caller's too.
    with transaction.atomic(using=scope_database(), savepoint=False):
        if lock:  # one writer of a new version at a time, until this transaction ends
            with scope_connection().cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"moderation-policy:{tenant.pk}"]
                )
        current = ModerationPolicy.objects.order_by("-version").first()
        if current is not None:
            return current
        try:
            with transaction.atomic(using=scope_database()):
                return ModerationPolicy.objects.create(tenant=tenant, version=1, rules=default_rules())
        except IntegrityError:  # a concurrent request wrote it first
            return ModerationPolicy.objects.get(version=1)
