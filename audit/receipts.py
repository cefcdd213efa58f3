"""Signed receipts: a JSON document signed with the platform's digest signing key, checkable offline.

A receipt file is UTF-8 JSON::

    {
      "format": "verity-receipt/1",
      "body": "<base64 of the receipt's JSON, exactly the bytes that were signed>",
      "signatureAlgorithm": "SHA256withRSA",
      "publicKeyFingerprint": "<hex MD5 of the PKCS#1 DER key, as GET /v1/audit/public-keys lists it>",
      "signature": "<hex SHA256withRSA (PKCS#1 v1.5) signature of the body's bytes>"
    }

The body names its own ``issuedAt``; the key must have been valid then. The keys are the audit
digests' (CloudTrail-style: rotated, every public half published), so whoever validates the
audit log can check a receipt with the same key list, with ``manage.py receipt_verify`` or any
RSA tool (``docs/privacy.md`` shows openssl).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from audit.cloudtrail.records import format_event_time, parse_event_time
from audit.cloudtrail.signing import SIGNATURE_ALGORITHM, KeyRing, PublicKey

RECEIPT_FORMAT = "verity-receipt/1"


def receipt_sign(body: Mapping[str, Any], *, ring: KeyRing) -> bytes:
    """The receipt file for ``body`` (which must hold ``issuedAt``), signed with the key valid then."""
    issued_at = parse_event_time(str(body["issuedAt"]))
    key = ring.key_at(issued_at)
    signed = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    document = {
        "format": RECEIPT_FORMAT,
        "body": base64.b64encode(signed).decode("ascii"),
        "signatureAlgorithm": SIGNATURE_ALGORITHM,
        "publicKeyFingerprint": key.fingerprint,
        "signature": key.sign(signed),
    }
    return (json.dumps(document, indent=2) + "\n").encode("ascii")


@dataclass(frozen=True)
class ReceiptCheck:
    """What checking a receipt found: ``problems`` is empty when the receipt is authentic."""

    body: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems


def receipt_check(data: bytes, *, public_keys: Iterable[PublicKey]) -> ReceiptCheck:
    """Check a receipt file against published keys; every refusal names its reason."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return ReceiptCheck(problems=["the file is not UTF-8 JSON"])
    if not isinstance(document, dict) or document.get("format") != RECEIPT_FORMAT:
        return ReceiptCheck(problems=[f"the file is not a {RECEIPT_FORMAT} receipt"])
    if document.get("signatureAlgorithm") != SIGNATURE_ALGORITHM:
        return ReceiptCheck(problems=[f"unsupported signature algorithm {document.get('signatureAlgorithm')!r}"])
    fields = {name: document.get(name) for name in ("body", "publicKeyFingerprint", "signature")}
    if not all(isinstance(value, str) for value in fields.values()):
        return ReceiptCheck(problems=["body, publicKeyFingerprint and signature must be strings"])
    try:
        signed = base64.b64decode(str(fields["body"]), validate=True)
        body = json.loads(signed.decode("ascii"))
        issued_at = parse_event_time(str(body["issuedAt"]))
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError, KeyError):
        return ReceiptCheck(problems=["the body is not base64 of a JSON object with an issuedAt time"])
    key = next((key for key in public_keys if key.fingerprint == fields["publicKeyFingerprint"]), None)
    if key is None:
        return ReceiptCheck(body, [f"no published key has fingerprint {fields['publicKeyFingerprint']}"])
    problems = []
    if not key.is_valid_at(issued_at):
        problems.append(f"key {key.fingerprint} was not valid at {format_event_time(issued_at)}")
    if not key.verify(signed, str(fields["signature"])):
        problems.append("the signature does not match the body")
    return ReceiptCheck(body, problems)
