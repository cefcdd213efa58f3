"""Signing keys, fingerprints, published public keys and rotation."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from audit.cloudtrail.signing import KeyRing, PublicKey, SigningKey, digest_string_to_sign

T0 = datetime(2024, 3, 1, tzinfo=UTC)


def test_published_key_is_base64_pkcs1_der_fingerprinted_by_md5(keyring: KeyRing) -> None:
    key = keyring.active
    pkcs1_der = key.private_key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)

    [entry] = keyring.public_keys_json()

    assert set(entry) == {"Fingerprint", "Value", "ValidityStartTime", "ValidityEndTime"}
    assert base64.b64decode(entry["Value"]) == pkcs1_der
    assert entry["Fingerprint"] == hashlib.md5(pkcs1_der, usedforsecurity=False).hexdigest() == key.fingerprint
    assert entry["ValidityStartTime"] == "2024-02-29T09:00:00Z"
    assert entry["ValidityEndTime"] is None
    assert key.private_key.key_size == 2048


def test_signature_is_hex_sha256_with_rsa_pkcs1_v15(keyring: KeyRing) -> None:
    message = b"2024-03-01T10:00:00Z\nbucket/key\n" + b"0" * 64 + b"\nnull"

    signature = keyring.active.sign(message)

    keyring.active.private_key.public_key().verify(
        bytes.fromhex(signature), message, padding.PKCS1v15(), hashes.SHA256()
    )
    assert keyring.active.public.verify(message, signature)
    assert not keyring.active.public.verify(message + b"x", signature)
    assert not keyring.active.public.verify(message, "not hex")


def test_string_to_sign_is_cloudtrails() -> None:
    first = digest_string_to_sign(
        digest_end_time="2024-03-01T10:00:00Z",
        digest_bucket="b",
        digest_key="AWSLogs/k.json.gz",
        digest_sha256="ab" * 32,
        previous_signature=None,
    )
    later = digest_string_to_sign(
        digest_end_time="2024-03-01T11:00:00Z",
        digest_bucket="b",
        digest_key="AWSLogs/l.json.gz",
        digest_sha256="cd" * 32,
        previous_signature="0f0f",
    )

    assert first == f"2024-03-01T10:00:00Z\nb/AWSLogs/k.json.gz\n{'ab' * 32}\nnull".encode()
    assert later == f"2024-03-01T11:00:00Z\nb/AWSLogs/l.json.gz\n{'cd' * 32}\n0f0f".encode()


def test_private_key_round_trips_through_encrypted_pem(keyring: KeyRing) -> None:
    pem = keyring.active.private_key_pem(password=b"correct horse")

    loaded = SigningKey.from_pem(pem, valid_from=T0, password=b"correct horse")

    assert b"ENCRYPTED" in pem
    assert loaded.fingerprint == keyring.active.fingerprint


def test_rotation_activates_a_new_key_and_keeps_the_old_one_published() -> None:
    ring = KeyRing.generate(valid_from=T0)
    old = ring.active
    rotated_at = T0 + timedelta(days=30)

    new = ring.rotate(at=rotated_at)

    assert ring.active is new
    assert new.fingerprint != old.fingerprint
    assert ring.key_at(rotated_at - timedelta(seconds=1)).fingerprint == old.fingerprint
    assert ring.key_at(rotated_at) is new
    published = {entry["Fingerprint"]: entry for entry in ring.public_keys_json()}
    assert published[old.fingerprint]["ValidityEndTime"] == "2024-03-31T00:00:00Z"
    assert published[new.fingerprint]["ValidityStartTime"] == "2024-03-31T00:00:00Z"
    assert published[new.fingerprint]["ValidityEndTime"] is None


def test_rotation_must_move_forward_and_keys_cover_only_their_period() -> None:
    ring = KeyRing.generate(valid_from=T0)

    with pytest.raises(ValueError, match="after the active key"):
        ring.rotate(at=T0)
    with pytest.raises(LookupError, match="no signing key"):
        ring.key_at(T0 - timedelta(seconds=1))


def test_public_key_entries_round_trip_and_a_wrong_fingerprint_is_refused(keyring: KeyRing) -> None:
    [entry] = keyring.public_keys_json()

    assert PublicKey.from_json(entry).fingerprint == keyring.active.fingerprint
    with pytest.raises(ValueError, match="is not the MD5"):
        PublicKey.from_json({**entry, "Fingerprint": "0" * 32})
    junk = {
        "Value": base64.b64encode(b"junk").decode(),
        "Fingerprint": hashlib.md5(b"junk", usedforsecurity=False).hexdigest(),
    }
    with pytest.raises(ValueError, match="not a DER RSA public key"):
        PublicKey.from_json({**entry, **junk})
    with pytest.raises(ValueError, match="malformed"):
        PublicKey.from_json({"Value": entry["Value"]})
