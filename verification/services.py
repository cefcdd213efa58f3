"""Writes for verification."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from config.errors import Conflict
from config.metadata import validate_metadata
from tenants.models import Tenant
from tenants.scope import scope_database
from verification.models import Subject


def subject_create(*, tenant: Tenant, external_id: str | None = None, metadata: Any = None) -> Subject:
    metadata = validate_metadata({} if metadata is None else metadata)
    if external_id is not None and Subject.objects.filter(external_id=external_id).exists():
        raise Conflict(f"A subject with external_id {external_id!r} already exists.", code="external_id_conflict")
    try:
        with transaction.atomic(using=scope_database()):
            return Subject.objects.create(tenant=tenant, external_id=external_id, metadata=metadata)
    except IntegrityError as exc:  # a concurrent request created it first
        raise Conflict(
            f"A subject with external_id {external_id!r} already exists.", code="external_id_conflict"
        ) from exc
