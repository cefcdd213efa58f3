"""The edges of the signing keys: what is refused and why, validity boundaries, PEM round trips."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from audit.cloudtrail.signing import KeyRing, PublicKey, SigningKey, fingerprint_of

T0 = datetime(2024, 3, 1, tzinfo=UTC)
T1 = T0 + timedelta(days=30)


def test_a_signing_key_that_is_not_rsa_is_refused_saying_so() -> None:
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(TypeError, match=r"^signing key is not RSA$"):
        SigningKey.from_pem(pem, valid_from=T0)


def test_a_published_key_that_is_not_rsa_is_refused_saying_so() -> None:
    der = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    entry = {
        "Fingerprint": fingerprint_of(der),
        "Value": base64.b64encode(der).decode(),
        "ValidityStartTime": "2024-03-01T00:00:00Z",
        "ValidityEndTime": None,
    }
    with pytest.raises(ValueError, match=r"is not a DER RSA public key: public key is not RSA$"):
        PublicKey.from_json(entry)


@pytest.mark.parametrize(
    ("valid_from", "valid_until"),
    [(datetime(2024, 3, 1), None), (T0, datetime(2024, 4, 1))],
)
def test_a_key_with_a_naive_validity_time_is_refused(valid_from: datetime, valid_until: datetime | None) -> None:
    key = SigningKey.generate(valid_from=T0)
    with pytest.raises(ValueError, match=r"^key validity times must be timezone-aware$"):
        KeyRing().add(SigningKey(private_key=key.private_key, valid_from=valid_from, valid_until=valid_until))


def test_rotating_to_a_moment_not_after_the_active_keys_start_is_refused_saying_so() -> None:
    ring = KeyRing.generate(valid_from=T0)
    with pytest.raises(ValueError, match=r"^rotation time must be after the active key's validity start$"):
        ring.rotate(at=T0 - timedelta(hours=1))


def test_a_key_signs_from_its_start_up_to_but_not_at_its_end() -> None:
    public = SigningKey.generate(valid_from=T0).public
    ended = PublicKey(der=public.der, valid_from=T0, valid_until=T1)

    assert ended.is_valid_at(T0)
    assert ended.is_valid_at(T1 - timedelta(seconds=1))
    assert not ended.is_valid_at(T1)


def test_a_key_read_back_from_pem_keeps_its_validity_period() -> None:
    key = SigningKey(private_key=SigningKey.generate(valid_from=T0).private_key, valid_from=T0, valid_until=T1)

    loaded = SigningKey.from_pem(key.private_key_pem(), valid_from=T0, valid_until=T1)

    assert (loaded.valid_from, loaded.valid_until, loaded.fingerprint) == (T0, T1, key.fingerprint)


def test_a_pem_written_without_a_password_is_not_encrypted() -> None:
    pem = SigningKey.generate(valid_from=T0).private_key_pem()

    assert b"ENCRYPTED" not in pem
    assert serialization.load_pem_private_key(pem, password=None) is not None
