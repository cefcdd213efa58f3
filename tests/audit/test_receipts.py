"""Signed receipts: what signs, what verifies, and every way a receipt is refused."""

from __future__ import annotations

import base64
import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from audit.cloudtrail.signing import KeyRing
from audit.receipts import RECEIPT_FORMAT, receipt_check, receipt_sign

START = datetime(2026, 1, 1, tzinfo=UTC)
BODY = {
    "receipt": "erasure",
    "erasureId": "era_1",
    "deleted": {"collections": {"deleted": 2}},
    "issuedAt": "2026-06-01T10:00:00Z",
}


@pytest.fixture(scope="module")
def ring() -> KeyRing:
    return KeyRing.generate(valid_from=START)


def _keys(ring: KeyRing) -> list:
    return [key.public for key in ring.keys]


def _edited(receipt: bytes, **changes: object) -> bytes:
    document = json.loads(receipt)
    document.update(changes)
    return json.dumps(document).encode()


def test_a_signed_receipt_verifies_and_gives_back_its_body(ring: KeyRing) -> None:
    check = receipt_check(receipt_sign(BODY, ring=ring), public_keys=_keys(ring))

    assert check.valid, check.problems
    assert check.body == BODY


def test_a_changed_body_fails_the_signature(ring: KeyRing) -> None:
    receipt = receipt_sign(BODY, ring=ring)
    forged = {**BODY, "deleted": {"collections": {"deleted": 3}}}
    encoded = base64.b64encode(json.dumps(forged, sort_keys=True, separators=(",", ":")).encode()).decode()

    check = receipt_check(_edited(receipt, body=encoded), public_keys=_keys(ring))

    assert check.problems == ["the signature does not match the body"]
    assert check.body == forged  # shown, so a reader sees what the forgery claims


def test_a_signature_by_an_unpublished_key_is_refused(ring: KeyRing) -> None:
    other = KeyRing.generate(valid_from=START)

    check = receipt_check(receipt_sign(BODY, ring=other), public_keys=_keys(ring))

    assert check.problems == [f"no published key has fingerprint {other.active.fingerprint}"]


def test_a_key_must_have_been_valid_when_the_receipt_was_issued() -> None:
    ring = KeyRing.generate(valid_from=START)
    ring.rotate(at=datetime(2026, 3, 1, tzinfo=UTC))
    early = ring.keys[0]
    receipt = receipt_sign(BODY, ring=ring)  # issued in June: signed by the second key
    # Re-sign the same body with the retired key, as someone holding it might.
    document = json.loads(receipt)
    signed = base64.b64decode(document["body"])
    backdated = _edited(receipt, publicKeyFingerprint=early.fingerprint, signature=early.sign(signed))

    assert json.loads(receipt)["publicKeyFingerprint"] == ring.keys[1].fingerprint
    assert receipt_check(backdated, public_keys=_keys(ring)).problems == [
        f"key {early.fingerprint} was not valid at 2026-06-01T10:00:00Z"
    ]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"\xff\xfe", "the file is not UTF-8 JSON"),
        (b"[]", f"the file is not a {RECEIPT_FORMAT} receipt"),
        (json.dumps({"format": "other"}).encode(), f"the file is not a {RECEIPT_FORMAT} receipt"),
    ],
)
def test_a_file_that_is_not_a_receipt_is_named_so(ring: KeyRing, data: bytes, problem: str) -> None:
    assert receipt_check(data, public_keys=_keys(ring)).problems == [problem]


def test_an_unsupported_algorithm_or_malformed_fields_are_refused(ring: KeyRing) -> None:
    receipt = receipt_sign(BODY, ring=ring)

    assert receipt_check(_edited(receipt, signatureAlgorithm="SHA1withRSA"), public_keys=_keys(ring)).problems == [
        "unsupported signature algorithm 'SHA1withRSA'"
    ]
    assert receipt_check(_edited(receipt, signature=None), public_keys=_keys(ring)).problems == [
        "body, publicKeyFingerprint and signature must be strings"
    ]
    for body in ("not base64!", base64.b64encode(b"[1]").decode(), base64.b64encode(b'{"a": 1}').decode()):
        assert receipt_check(_edited(receipt, body=body), public_keys=_keys(ring)).problems == [
            "the body is not base64 of a JSON object with an issuedAt time"
        ]


def test_openssl_verifies_a_receipt_with_the_published_key(ring: KeyRing, tmp_path: Path) -> None:
    """Any RSA tool: the body's bytes, the signature and the PKCS#1 DER key are all openssl needs."""
    document = json.loads(receipt_sign(BODY, ring=ring))
    (tmp_path / "body").write_bytes(base64.b64decode(document["body"]))
    (tmp_path / "sig").write_bytes(bytes.fromhex(document["signature"]))
    (tmp_path / "key.der").write_bytes(ring.active.public.der)

    def verify() -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            ["openssl", "dgst", "-sha256", "-verify", "key.der", "-keyform", "DER", "-signature", "sig", "body"],  # noqa: S607
            cwd=tmp_path,
            capture_output=True,
            check=False,
        )

    assert verify().returncode == 0, verify().stderr
    (tmp_path / "body").write_bytes(base64.b64decode(document["body"]).replace(b'"deleted":2', b'"deleted":1'))
    assert verify().returncode == 1
