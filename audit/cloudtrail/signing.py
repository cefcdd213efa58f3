"""Digest signing keys and signatures, the way CloudTrail does them.

CloudTrail signs each digest with SHA256withRSA (RSASSA-PKCS1-v1_5 over SHA-256), publishes
public keys as PKCS#1 DER identified by the hex MD5 of that DER, and rotates keys while old
public keys stay listed so older digests keep validating.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from audit.cloudtrail.records import format_event_time, parse_event_time

SIGNATURE_ALGORITHM = "SHA256withRSA"
KEY_SIZE = 2048
_PUBLIC_EXPONENT = 65537


def digest_string_to_sign(
    *,
    digest_end_time: str,
    digest_bucket: str,
    digest_key: str,
    digest_sha256: str,
    previous_signature: str | None,
) -> bytes:
    """CloudTrail's string to sign for a digest file, as UTF-8 bytes.

    digestEndTime, digestS3Bucket + "/" + digestS3Object, the hex SHA-256 of the uncompressed
    digest file, and previousDigestSignature (the literal `null` for the first digest of a
    chain), joined by newlines.
    """
    previous = "null" if previous_signature is None else previous_signature
    text = f"{digest_end_time}\n{digest_bucket}/{digest_key}\n{digest_sha256}\n{previous}"
    return text.encode("utf-8")


def fingerprint_of(public_key_der: bytes) -> str:
    """CloudTrail's key fingerprint: hex MD5 of the PKCS#1 DER public key (an id, not a MAC)."""
    return hashlib.md5(public_key_der, usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class PublicKey:
    """A published verification key and the period it signs digests for: [valid_from, valid_until)."""

    der: bytes
    valid_from: datetime
    valid_until: datetime | None = None

    @cached_property
    def fingerprint(self) -> str:
        """Hex MD5 of the PKCS#1 DER."""
        return fingerprint_of(self.der)

    @cached_property
    def _rsa_key(self) -> rsa.RSAPublicKey:
        return _load_rsa_public_key(self.der)

    def is_valid_at(self, moment: datetime) -> bool:
        """Whether a digest ending at `moment` may be signed by this key."""
        return self.valid_from <= moment and (self.valid_until is None or moment < self.valid_until)

    def verify(self, message: bytes, signature_hex: str) -> bool:
        """Check a hex SHA256withRSA signature over `message`."""
        try:
            self._rsa_key.verify(binascii.unhexlify(signature_hex), message, padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError, TypeError):
            return False
        return True

    def to_json(self) -> dict[str, str | None]:
        """The entry CloudTrail's ListPublicKeys returns, with Value base64-encoded."""
        return {
            "Fingerprint": self.fingerprint,
            "Value": base64.b64encode(self.der).decode("ascii"),
            "ValidityStartTime": format_event_time(self.valid_from),
            "ValidityEndTime": None if self.valid_until is None else format_event_time(self.valid_until),
        }

    @classmethod
    def from_json(cls, entry: Mapping[str, Any]) -> PublicKey:
        """Load a `to_json` entry, refusing one whose Fingerprint is not the MD5 of its Value."""
        try:
            der = base64.b64decode(entry["Value"], validate=True)
            end = entry.get("ValidityEndTime")
            key = cls(
                der=der,
                valid_from=parse_event_time(entry["ValidityStartTime"]),
                valid_until=None if end is None else parse_event_time(end),
            )
            fingerprint = entry["Fingerprint"]
        except (AttributeError, KeyError, TypeError, binascii.Error) as error:
            msg = f"malformed public key entry: {error}"
            raise ValueError(msg) from error
        if key.fingerprint != fingerprint:
            msg = f"fingerprint {fingerprint} is not the MD5 of the key's value ({key.fingerprint})"
            raise ValueError(msg)
        try:
            _load_rsa_public_key(der)
        except (ValueError, TypeError) as error:
            msg = f"key {fingerprint} is not a DER RSA public key: {error}"
            raise ValueError(msg) from error
        return key


@dataclass(frozen=True)
class SigningKey:
    """A private signing key with the period it signs digests for: [valid_from, valid_until)."""

    private_key: rsa.RSAPrivateKey
    valid_from: datetime
    valid_until: datetime | None = None

    @classmethod
    def generate(cls, *, valid_from: datetime) -> SigningKey:
        """A fresh 2048-bit RSA key, valid from `valid_from` until rotated."""
        _require_aware(valid_from)
        key = rsa.generate_private_key(public_exponent=_PUBLIC_EXPONENT, key_size=KEY_SIZE)
        return cls(private_key=key, valid_from=valid_from)

    @classmethod
    def from_pem(
        cls,
        pem: bytes,
        *,
        valid_from: datetime,
        valid_until: datetime | None = None,
        password: bytes | None = None,
    ) -> SigningKey:
        """Load a key written by `private_key_pem`."""
        key = serialization.load_pem_private_key(pem, password=password)
        if not isinstance(key, rsa.RSAPrivateKey):
            msg = "signing key is not RSA"
            raise TypeError(msg)
        return cls(private_key=key, valid_from=valid_from, valid_until=valid_until)

    def private_key_pem(self, password: bytes | None = None) -> bytes:
        """PKCS#8 PEM, encrypted with `password` when given (store it encrypted at rest)."""
        encryption: serialization.KeySerializationEncryption = (
            serialization.NoEncryption() if password is None else serialization.BestAvailableEncryption(password)
        )
        return self.private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)

    @cached_property
    def public(self) -> PublicKey:
        """The published half: PKCS#1 DER of the RSA public key, same validity."""
        der = self.private_key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
        return PublicKey(der=der, valid_from=self.valid_from, valid_until=self.valid_until)

    @property
    def fingerprint(self) -> str:
        """Hex MD5 of the PKCS#1 DER public key, as named in digests."""
        return self.public.fingerprint

    def is_valid_at(self, moment: datetime) -> bool:
        """Whether a digest ending at `moment` is signed with this key."""
        return self.public.is_valid_at(moment)

    def sign(self, message: bytes) -> str:
        """Hex SHA256withRSA (PKCS#1 v1.5) signature of `message`."""
        return self.private_key.sign(message, padding.PKCS1v15(), hashes.SHA256()).hex()


class KeyRing:
    """All of a trail's signing keys: the active one signs, every one stays published."""

    def __init__(self, keys: Iterable[SigningKey] = ()) -> None:
        self._keys: list[SigningKey] = []
        for key in keys:
            self.add(key)

    @classmethod
    def generate(cls, *, valid_from: datetime) -> KeyRing:
        """A ring holding one fresh key valid from `valid_from`."""
        return cls([SigningKey.generate(valid_from=valid_from)])

    @property
    def keys(self) -> tuple[SigningKey, ...]:
        """Keys in order of validity start."""
        return tuple(self._keys)

    @property
    def active(self) -> SigningKey:
        """The key new digests are signed with: the newest one without an end."""
        open_ended = [key for key in self._keys if key.valid_until is None]
        if not open_ended:
            msg = "no active signing key; rotate to create one"
            raise LookupError(msg)
        return open_ended[-1]

    def add(self, key: SigningKey) -> None:
        """Add a persisted key (for example one loaded with SigningKey.from_pem)."""
        _require_aware(key.valid_from)
        if key.valid_until is not None:
            _require_aware(key.valid_until)
        self._keys.append(key)
        self._keys.sort(key=lambda ring_key: ring_key.valid_from)

    def rotate(self, *, at: datetime) -> SigningKey:
        """End the active key at `at` and make a fresh key active from `at`; return it."""
        _require_aware(at)
        current = self.active
        if at <= current.valid_from:
            msg = "rotation time must be after the active key's validity start"
            raise ValueError(msg)
        self._keys[self._keys.index(current)] = replace(current, valid_until=at)
        new_key = SigningKey.generate(valid_from=at)
        self.add(new_key)
        return new_key

    def key_at(self, moment: datetime) -> SigningKey:
        """The key that signs a digest ending at `moment` (the newest one valid then)."""
        for key in reversed(self._keys):
            if key.is_valid_at(moment):
                return key
        msg = f"no signing key is valid at {format_event_time(moment)}"
        raise LookupError(msg)

    def public_keys_json(self) -> list[dict[str, str | None]]:
        """Every key's public half, as CloudTrail's ListPublicKeys lists them."""
        return [key.public.to_json() for key in self._keys]


def _load_rsa_public_key(der: bytes) -> rsa.RSAPublicKey:
    key = serialization.load_der_public_key(der)
    if not isinstance(key, rsa.RSAPublicKey):
        msg = "public key is not RSA"
        raise TypeError(msg)
    return key


def _require_aware(moment: datetime) -> None:
    if moment.utcoffset() is None:
        msg = "key validity times must be timezone-aware"
        raise ValueError(msg)
