"""Canonical form, per-tenant hash chain and timestamps of CloudTrail-shaped audit records.

The chain makes the append-only audit table tamper-evident per tenant: each record's hash
commits to the one before it, so changing, inserting or dropping a record changes every
hash after it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

# The chain of a tenant's first record starts from this value.
GENESIS_HASH = "0" * 64

EVENT_TIME_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def canonical_json(record: Mapping[str, Any]) -> bytes:
    """Serialise `record` to the one byte string its hash is computed over.

    Keys sorted at every level, separators `,` and `:` with no whitespace, non-ASCII kept as
    UTF-8 (not \\u escapes), NaN and Infinity refused because JSON has no such values.
    Floats use Python's shortest round-trip repr; keep audit values to strings, integers,
    booleans and null when other languages must reproduce the hash.
    """
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode(
        "utf-8"
    )


def record_hash(record: Mapping[str, Any], previous_hash: str = GENESIS_HASH) -> str:
    """Return the chain hash of `record`: hex SHA-256(raw 32 bytes of previous_hash || canonical_json).

    `previous_hash` is the lowercase hex chain hash of the tenant's previous record, or
    GENESIS_HASH for its first. Using the raw fixed-length digest as the prefix keeps the
    boundary between the two inputs unambiguous.
    """
    if not _SHA256_HEX.fullmatch(previous_hash):
        msg = "previous_hash must be 64 lowercase hex characters"
        raise ValueError(msg)
    return hashlib.sha256(bytes.fromhex(previous_hash) + canonical_json(record)).hexdigest()


def format_event_time(moment: datetime) -> str:
    """Format an aware datetime as CloudTrail's `eventTime` (UTC, whole seconds, `Z`)."""
    if moment.utcoffset() is None:
        msg = "audit times must be timezone-aware"
        raise ValueError(msg)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_event_time(text: str) -> datetime:
    """Parse CloudTrail's `YYYY-MM-DDTHH:MM:SSZ` strictly (no other ISO 8601 variants)."""
    if not EVENT_TIME_PATTERN.fullmatch(text):
        msg = f"not a CloudTrail time (YYYY-MM-DDTHH:MM:SSZ): {text!r}"
        raise ValueError(msg)
    return datetime.fromisoformat(text)
