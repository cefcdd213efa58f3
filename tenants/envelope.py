"""Envelope encryption of sensitive fields under the tenant's own KMS key.

A field is sealed with AES-256-GCM under a data key from KMS ``GenerateDataKey`` on the tenant's
key; the data key is stored only encrypted (KMS's ciphertext blob), beside the ciphertext. Two
bindings make a sealed value useless anywhere else:

* the KMS encryption context ``{"verity:tenant": <tenant public id>}``: KMS decrypts the data key
  only for the same tenant (and CloudTrail logs each Decrypt with it);
* the AES-GCM associated data ``<tenant public id>|<record>``, where ``record`` names the row
  and field (``verification.document/doc_…``): a value copied to another row does not open.

Data keys are cached briefly in memory, as the AWS Encryption SDK's caching does: one generated
key seals up to ``MAX_MESSAGES_PER_KEY`` values for ``KEY_CACHE_SECONDS``, and a decrypted key
is kept as long, so a busy tenant costs KMS a call every few minutes, not one per row. Plaintext
keys never leave this process's memory. The KMS calls are made with no transaction open, and
audited like every AWS call.

A sealed value is text: ``v1:<encrypted data key>:<nonce>:<ciphertext>``, each part base64.
"""

from __future__ import annotations

import base64
import binascii
import os
import threading
import time
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from audit.recording import record_aws_call
from config.aws import aws_client
from config.errors import UpstreamUnavailable
from tenants.models import Tenant

VERSION = "v1"
KEY_CACHE_SECONDS = 300.0
MAX_MESSAGES_PER_KEY = 10_000
_NONCE_BYTES = 12


class SealBroken(Exception):
    """A sealed value did not open: another tenant's, another record's, tampered with, or malformed."""


@dataclass
class _Key:
    plaintext: bytes
    blob: bytes
    created: float
    uses: int = 0


_lock = threading.Lock()
_encrypting: dict[int, _Key] = {}  # tenant pk → the data key new values are sealed with
_decrypting: dict[bytes, _Key] = {}  # encrypted data key → its plaintext


def _context(tenant: Tenant) -> dict[str, str]:
    return {"verity:tenant": tenant.public_id}


def _kms(tenant: Tenant, operation: str, audited: dict[str, Any], **params: Any) -> dict[str, Any]:
    client = aws_client("kms", tenant.region)
    method = getattr(client, "generate_data_key" if operation == "GenerateDataKey" else "decrypt")
    error: ClientError | BotoCoreError | None = None
    try:
        answer: dict[str, Any] = method(**params)
    except (ClientError, BotoCoreError) as exc:
        error = exc
    code = None
    if error is not None:
        code = error.response["Error"].get("Code", "") if isinstance(error, ClientError) else type(error).__name__
    record_aws_call(
        tenant=tenant,
        service="kms",
        operation=operation,
        request_parameters=audited,
        response_elements=None,
        error_code=code,
    )
    if code in ("InvalidCiphertextException", "IncorrectKeyException", "AccessDeniedException"):
        raise SealBroken(f"KMS refused the data key ({code}).") from error
    if error is not None:
        raise UpstreamUnavailable("The tenant's key could not be used.") from error
    return answer


def _fresh(key: _Key | None) -> bool:
    return key is not None and time.monotonic() - key.created < KEY_CACHE_SECONDS


def _key_to_seal(tenant: Tenant) -> _Key:
    with _lock:
        key = _encrypting.get(tenant.pk)
        if key is not None and _fresh(key) and key.uses < MAX_MESSAGES_PER_KEY:
            key.uses += 1
            return key
    context = _context(tenant)
    answer = _kms(
        tenant,
        "GenerateDataKey",
        {"keyId": tenant.kms_key_arn, "keySpec": "AES_256", "encryptionContext": context},
        KeyId=tenant.kms_key_arn,
        KeySpec="AES_256",
        EncryptionContext=context,
    )
    key = _Key(plaintext=answer["Plaintext"], blob=answer["CiphertextBlob"], created=time.monotonic(), uses=1)
    with _lock:
        _encrypting[tenant.pk] = key
        _decrypting[key.blob] = key
    return key


def _key_to_open(tenant: Tenant, blob: bytes) -> bytes:
    with _lock:
        key = _decrypting.get(blob)
        if key is not None and _fresh(key):
            return key.plaintext
    context = _context(tenant)
    answer = _kms(tenant, "Decrypt", {"encryptionContext": context}, CiphertextBlob=blob, EncryptionContext=context)
    plaintext: bytes = answer["Plaintext"]
    with _lock:
        _decrypting[blob] = _Key(plaintext=plaintext, blob=blob, created=time.monotonic())
    return plaintext


def _associated_data(tenant: Tenant, record: str) -> bytes:
    return f"{tenant.public_id}|{record}".encode()


def seal(tenant: Tenant, plaintext: bytes, *, record: str) -> str:
    """``plaintext`` encrypted for ``tenant``'s ``record`` (e.g. ``verification.document/doc_…``)."""
    key = _key_to_seal(tenant)
    nonce = os.urandom(_NONCE_BYTES)
    ciphertext = AESGCM(key.plaintext).encrypt(nonce, plaintext, _associated_data(tenant, record))
    parts = (key.blob, nonce, ciphertext)
    return ":".join([VERSION, *(base64.b64encode(part).decode("ascii") for part in parts)])


def unseal(tenant: Tenant, sealed: str, *, record: str) -> bytes:
    """The plaintext of a ``seal`` result; ``SealBroken`` when it is not ``tenant``'s ``record``'s."""
    try:
        version, *encoded = sealed.split(":")
        blob, nonce, ciphertext = (base64.b64decode(part, validate=True) for part in encoded)
    except (ValueError, binascii.Error) as exc:
        raise SealBroken("Not a sealed value.") from exc
    if version != VERSION:
        raise SealBroken(f"Unknown sealed format {version!r}.")
    try:
        return AESGCM(_key_to_open(tenant, blob)).decrypt(nonce, ciphertext, _associated_data(tenant, record))
    except InvalidTag as exc:
        raise SealBroken("The value is not this record's, or was changed.") from exc


def forget_keys() -> None:
    """Drop every cached data key (tests; a process that must stop using them at once)."""
    with _lock:
        _encrypting.clear()
        _decrypting.clear()


def forget_tenant_keys(tenant: Tenant) -> None:
    """Stop sealing with the tenant's cached data key (after a re-key); decrypted keys stay usable."""
    with _lock:
        _encrypting.pop(tenant.pk, None)
