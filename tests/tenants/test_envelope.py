"""Envelope encryption under the tenant's KMS key (moto): what opens, what does not, and how often KMS is asked."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from audit.models import AuditEvent
from tenants import envelope
from tenants.envelope import SealBroken, seal, unseal
from tenants.models import Tenant
from tenants.scope import tenant_scope
from tests.factories import TenantFactory, with_kms_key

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("aws")]
RECORD = "verification.document/doc_1"


@pytest.fixture(autouse=True)
def _no_cached_keys() -> Iterator[None]:
    envelope.forget_keys()
    yield
    envelope.forget_keys()


@pytest.fixture
def tenant() -> Tenant:
    return with_kms_key(TenantFactory())


def _kms_calls(tenant: Tenant) -> list[str]:
    with tenant_scope(tenant):
        return list(
            AuditEvent.objects.filter(event_source="kms.amazonaws.com")
            .order_by("pk")
            .values_list("event_name", flat=True)
        )


def test_a_sealed_value_opens_for_its_tenant_and_record_and_shows_no_plaintext(tenant: Tenant) -> None:
    with tenant_scope(tenant):
        sealed = seal(tenant, b"ERIKSSON ANNA MARIA", record=RECORD)
        assert unseal(tenant, sealed, record=RECORD) == b"ERIKSSON ANNA MARIA"
    assert "ERIKSSON" not in sealed
    assert sealed.startswith("v1:")


def test_another_tenants_key_does_not_open_it(tenant: Tenant) -> None:
    other = with_kms_key(TenantFactory())
    with tenant_scope(tenant):
        sealed = seal(tenant, b"secret", record=RECORD)
    envelope.forget_keys()  # as in another process: the data key must come from KMS

    with tenant_scope(other), pytest.raises(SealBroken):
        unseal(other, sealed, record=RECORD)


def test_a_value_moved_to_another_record_or_changed_does_not_open(tenant: Tenant) -> None:
    with tenant_scope(tenant):
        sealed = seal(tenant, b"secret", record=RECORD)
        with pytest.raises(SealBroken, match="not this record's"):
            unseal(tenant, sealed, record="verification.document/doc_2")
        version, blob, nonce, ciphertext = sealed.split(":")
        flipped = ("A" if ciphertext[0] != "A" else "B") + ciphertext[1:]
        with pytest.raises(SealBroken):
            unseal(tenant, ":".join([version, blob, nonce, flipped]), record=RECORD)
        for malformed in ("", "v1:x", "v2:" + ":".join([blob, nonce, ciphertext]), "v1:!!:!!:!!"):
            with pytest.raises(SealBroken):
                unseal(tenant, malformed, record=RECORD)


def test_one_data_key_seals_many_values_until_it_expires_and_each_kms_call_is_audited(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    with tenant_scope(tenant):
        sealed = [seal(tenant, f"value {n}".encode(), record=RECORD) for n in range(3)]
        assert {value.split(":")[1] for value in sealed} == {sealed[0].split(":")[1]}  # one data key
        assert _kms_calls(tenant) == ["GenerateDataKey"]

        envelope.forget_keys()
        assert [unseal(tenant, value, record=RECORD) for value in sealed] == [b"value 0", b"value 1", b"value 2"]
        assert _kms_calls(tenant) == ["GenerateDataKey", "Decrypt"]

        monkeypatch.setattr(envelope, "KEY_CACHE_SECONDS", 0.0)
        seal(tenant, b"later", record=RECORD)
        assert _kms_calls(tenant) == ["GenerateDataKey", "Decrypt", "GenerateDataKey"]


def test_a_data_key_seals_at_most_its_message_limit(tenant: Tenant, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(envelope, "MAX_MESSAGES_PER_KEY", 2)
    with tenant_scope(tenant):
        keys = {seal(tenant, b"x", record=RECORD).split(":")[1] for _ in range(3)}
    assert len(keys) == 2
