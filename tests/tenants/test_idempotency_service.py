"""The idempotency service: a stored outcome is replayed only for the same tenant, key and request, and
only while it is fresh; an expired key can be used again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from config.errors import Conflict
from tenants.models import IdempotencyRecord
from tenants.scope import tenant_scope
from tenants.services import idempotency_claim, idempotency_store
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


def _store(tenant: object, key: str, *, fingerprint: str = "f1", body: bytes = b"first") -> None:
    idempotency_store(tenant=tenant, key=key, fingerprint=fingerprint, status=201, body=body, headers={})


def _expire(tenant: object, key: str) -> None:
    expired = timezone.now() - timedelta(hours=settings.VERITY_IDEMPOTENCY_TTL_HOURS, minutes=1)
    with tenant_scope(tenant):
        IdempotencyRecord.objects.filter(key=key).update(created_at=expired)


def test_a_stored_outcome_is_replayed_for_the_same_key_and_request() -> None:
    tenant = TenantFactory()
    _store(tenant, "key-a")
    record = idempotency_claim(tenant=tenant, key="key-a", fingerprint="f1")
    assert record is not None
    assert bytes(record.response_body) == b"first"


def test_another_key_is_not_answered_with_a_stored_outcome() -> None:
    tenant = TenantFactory()
    _store(tenant, "key-a")
    assert idempotency_claim(tenant=tenant, key="key-b", fingerprint="f1") is None


def test_an_expired_outcome_is_not_replayed() -> None:
    tenant = TenantFactory()
    _store(tenant, "key-a")
    _expire(tenant, "key-a")
    assert idempotency_claim(tenant=tenant, key="key-a", fingerprint="f2") is None


def test_an_expired_key_can_be_used_again_and_replays_its_new_outcome() -> None:
    tenant = TenantFactory()
    _store(tenant, "key-a")
    _expire(tenant, "key-a")
    _store(tenant, "key-a", fingerprint="f2", body=b"second")
    record = idempotency_claim(tenant=tenant, key="key-a", fingerprint="f2")
    assert record is not None
    assert bytes(record.response_body) == b"second"


def test_reusing_a_key_for_a_different_request_is_a_conflict_that_says_so() -> None:
    tenant = TenantFactory()
    _store(tenant, "key-a")
    with pytest.raises(Conflict) as refused:
        idempotency_claim(tenant=tenant, key="key-a", fingerprint="f2")
    assert refused.value.code == "idempotency_conflict"
    assert refused.value.detail == "This Idempotency-Key was already used with a different request."
