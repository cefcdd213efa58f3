"""The idempotency service: a key is claimed, then holds its request's outcome, replayed only for the same
tenant, key and request while it is fresh; a claim in progress refuses a duplicate; an expired key or
an abandoned claim can be used again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from config.api.idempotency import (
    CLAIM_TIMEOUT,
    idempotency_claim,
    idempotency_records_purge,
    idempotency_release,
    idempotency_store,
)
from config.errors import Conflict
from tenants.models import IdempotencyRecord, Tenant
from tenants.scope import TenantScopeError, platform_scope, tenant_scope
from tests.committed import delete_tenant_as_owner, in_own_connection
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenant() -> Iterator[Tenant]:
    tenant = TenantFactory()
    with tenant_scope(tenant):
        yield tenant


def _finish(tenant: Tenant, key: str, *, fingerprint: str = "f1", body: bytes = b"first") -> None:
    assert idempotency_claim(tenant=tenant, key=key, fingerprint=fingerprint) is None
    idempotency_store(tenant=tenant, key=key, status=201, body=body, headers={})


def _age(key: str, by: timedelta) -> None:
    IdempotencyRecord.objects.filter(key=key).update(created_at=timezone.now() - by)


TTL = timedelta(hours=settings.VERITY_IDEMPOTENCY_TTL_HOURS, minutes=1)


def test_a_stored_outcome_is_replayed_for_the_same_key_and_request(tenant: Tenant) -> None:
    _finish(tenant, "key-a")
    record = idempotency_claim(tenant=tenant, key="key-a", fingerprint="f1")
    assert record is not None
    assert (record.response_status, bytes(record.response_body)) == (201, b"first")


def test_another_key_is_not_answered_with_a_stored_outcome(tenant: Tenant) -> None:
    _finish(tenant, "key-a")
    assert idempotency_claim(tenant=tenant, key="key-b", fingerprint="f1") is None


def test_another_tenants_key_is_not_answered_with_its_outcome(tenant: Tenant) -> None:
    _finish(tenant, "key-a")
    other = TenantFactory()
    with tenant_scope(other):
        assert idempotency_claim(tenant=other, key="key-a", fingerprint="f1") is None


def test_a_claim_in_progress_refuses_a_duplicate_until_it_is_released(tenant: Tenant) -> None:
    assert idempotency_claim(tenant=tenant, key="key-a", fingerprint="f1") is None
    with pytest.raises(Conflict) as refused:
        idempotency_claim(tenant=tenant, key="key-a", fingerprint="f1")
    assert refused.value.code == "idempotency_in_progress"
    idempotency_release(tenant=tenant, key="key-a")
    assert not IdempotencyRecord.objects.filter(key="key-a").exists()
    assert idempotency_claim(tenant=tenant, key="key-a", fingerprint="f1") is None


def test_release_never_removes_a_stored_outcome(tenant: Tenant) -> None:
    _finish(tenant, "key-a")
    idempotency_release(tenant=tenant, key="key-a")
    assert idempotency_claim(tenant=tenant, key="key-a", fingerprint="f1") is not None


def test_an_abandoned_claim_can_be_taken_over_after_the_claim_timeout(tenant: Tenant) -> None:
    assert idempotency_claim(tenant=tenant, key="key-a", fingerprint="f1") is None
    _age("key-a", CLAIM_TIMEOUT - timedelta(seconds=5))
    with pytest.raises(Conflict):
        idempotency_claim(tenant=tenant, key="key-a", fingerprint="f1")
    _age("key-a", CLAIM_TIMEOUT + timedelta(seconds=5))
    assert idempotency_claim(tenant=tenant, key="key-a", fingerprint="f1") is None


def test_an_expired_key_can_be_used_again_and_replays_its_new_outcome(tenant: Tenant) -> None:
    _finish(tenant, "key-a")
    _age("key-a", TTL)
    _finish(tenant, "key-a", fingerprint="f2", body=b"second")
    record = idempotency_claim(tenant=tenant, key="key-a", fingerprint="f2")
    assert record is not None
    assert bytes(record.response_body) == b"second"


def test_reusing_a_key_for_a_different_request_is_a_conflict_that_says_so(tenant: Tenant) -> None:
    _finish(tenant, "key-a")
    with pytest.raises(Conflict) as refused:
        idempotency_claim(tenant=tenant, key="key-a", fingerprint="f2")
    assert refused.value.code == "idempotency_conflict"
    assert refused.value.detail == "This Idempotency-Key was already used with a different request."


def test_the_purge_deletes_only_expired_records_of_every_tenant_and_needs_the_platform_scope(tenant: Tenant) -> None:
    _finish(tenant, "old")
    _finish(tenant, "fresh")
    _age("old", TTL)
    with pytest.raises(TenantScopeError):
        idempotency_records_purge()
    with platform_scope():
        assert idempotency_records_purge() >= 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]


def test_the_services_refuse_to_work_for_a_tenant_other_than_the_scopes(tenant: Tenant) -> None:
    other = TenantFactory()
    with tenant_scope(other):
        for service in (
            lambda: idempotency_claim(tenant=tenant, key="k", fingerprint="f1"),
            lambda: idempotency_store(tenant=tenant, key="k", status=201, body=b"", headers={}),
            lambda: idempotency_release(tenant=tenant, key="k"),
        ):
            with pytest.raises(TenantScopeError):
                service()


def test_a_claim_exactly_as_old_as_the_timeout_is_still_in_progress(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = timezone.now()
    monkeypatch.setattr("config.api.idempotency.timezone.now", lambda: now)
    assert idempotency_claim(tenant=tenant, key="k", fingerprint="f1") is None
    IdempotencyRecord.objects.filter(key="k").update(created_at=now - CLAIM_TIMEOUT)

    with pytest.raises(
        Conflict, match=r"^A request with this Idempotency-Key is still being processed; retry shortly\.$"
    ) as refused:
        idempotency_claim(tenant=tenant, key="k", fingerprint="f1")
    assert refused.value.code == "idempotency_in_progress"


def test_an_outcome_exactly_as_old_as_the_ttl_is_still_replayed(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = timezone.now()
    monkeypatch.setattr("config.api.idempotency.timezone.now", lambda: now)
    _finish(tenant, "k")
    IdempotencyRecord.objects.filter(key="k").update(
        created_at=now - timedelta(hours=settings.VERITY_IDEMPOTENCY_TTL_HOURS)
    )

    record = idempotency_claim(tenant=tenant, key="k", fingerprint="f1")
    assert record is not None
    assert bytes(record.response_body) == b"first"


def test_storing_or_releasing_one_key_leaves_the_other_claims_alone(tenant: Tenant) -> None:
    for key in ("k1", "k2", "k3"):
        assert idempotency_claim(tenant=tenant, key=key, fingerprint="f1") is None

    idempotency_store(tenant=tenant, key="k1", status=201, body=b"one", headers={})
    idempotency_release(tenant=tenant, key="k3")

    pending = dict(IdempotencyRecord.objects.values_list("key", "response_status"))
    assert pending == {"k1": 201, "k2": None}


def test_a_stored_outcome_is_never_overwritten_by_a_later_store(tenant: Tenant) -> None:
    _finish(tenant, "k", body=b"first")

    idempotency_store(tenant=tenant, key="k", status=500, body=b"second", headers={})

    record = IdempotencyRecord.objects.get(key="k")
    assert (record.response_status, bytes(record.response_body)) == (201, b"first")


def test_a_claim_lost_to_a_concurrent_request_answers_as_that_request_stands(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another request inserts and commits the key between this one's look and its own insert."""
    tenant_id = in_own_connection(lambda: TenantFactory().pk)
    create = IdempotencyRecord.objects.create

    def the_other_request_claims_first() -> None:
        with tenant_scope(tenant_id):
            create(tenant_id=tenant_id, key="k", request_fingerprint="f1")

    def beaten(**fields: object) -> IdempotencyRecord:
        in_own_connection(the_other_request_claims_first)
        return create(**fields)  # refused: the key is taken

    monkeypatch.setattr(IdempotencyRecord.objects, "create", beaten)
    try:
        tenant = Tenant.objects.get(pk=tenant_id)
        with tenant_scope(tenant), pytest.raises(Conflict) as refused:
            idempotency_claim(tenant=tenant, key="k", fingerprint="f1")
        assert refused.value.code == "idempotency_in_progress"
    finally:
        delete_tenant_as_owner(tenant_id)
