"""Reading an export's files as the validator needs them: single gzip streams, digests, the file list."""

from __future__ import annotations

import hashlib
import json
import os
import zlib
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from audit.cloudtrail.export import GZIP_WBITS
from audit.cloudtrail.records import parse_event_time

_CHUNK = 1 << 20
_DIGEST_STRING_FIELDS = (
    "awsAccountId",
    "digestStartTime",
    "digestEndTime",
    "digestS3Bucket",
    "digestS3Object",
    "digestPublicKeyFingerprint",
    "digestSignatureAlgorithm",
)
_DIGEST_NULLABLE_FIELDS = (
    "previousDigestS3Bucket",
    "previousDigestS3Object",
    "previousDigestHashValue",
    "previousDigestHashAlgorithm",
    "previousDigestSignature",
)
_LOG_ENTRY_FIELDS = ("s3Bucket", "s3Object", "hashValue", "hashAlgorithm")


@dataclass(frozen=True)
class GzipCheck:
    """A .json.gz file read as exactly one gzip stream."""

    sha256: str | None  # of the uncompressed content; None when it could not be inflated
    trailing_bytes: int
    error: str | None
    content: bytes | None = None


def list_files(root: Path) -> set[str]:
    files: set[str] = set()
    for directory, _, names in os.walk(root):
        relative = Path(directory).relative_to(root)
        files.update((relative / name).as_posix() for name in names)
    return files


def check_gzip(path: Path, *, keep_content: bool = False) -> GzipCheck:
    """Inflate `path` as exactly one gzip stream, hashing as it goes so memory stays bounded."""
    inflater = zlib.decompressobj(GZIP_WBITS)
    sha256 = hashlib.sha256()
    parts: list[bytes] = []
    trailing = 0
    try:
        with path.open("rb") as file:
            for chunk in iter(partial(file.read, _CHUNK), b""):
                if inflater.eof:
                    trailing += len(chunk)
                    continue
                pending = chunk
                # Once the stream has ended, zlib leaves what follows in unconsumed_tail for every
                # further call (and appends it to unused_data each time): stop, or loop for ever.
                while pending and not inflater.eof:
                    output = inflater.decompress(pending, _CHUNK)
                    sha256.update(output)
                    if keep_content:
                        parts.append(output)
                    pending = inflater.unconsumed_tail
                if inflater.eof:
                    trailing += len(inflater.unused_data)  # what followed the stream in this chunk
            ended_before_flush = inflater.eof
            tail = inflater.flush()
    except (OSError, zlib.error) as error:
        return GzipCheck(None, 0, f"cannot read as gzip: {error}")
    if not inflater.eof:
        return GzipCheck(None, 0, "gzip stream is truncated")
    sha256.update(tail)
    parts.append(tail)
    if not ended_before_flush:
        trailing += len(inflater.unused_data)
    content = b"".join(parts) if keep_content else None
    return GzipCheck(sha256.hexdigest(), trailing, None, content)


def parse_digest(content: bytes) -> tuple[dict[str, Any] | None, str | None]:
    """Decode a digest and check the fields validation relies on; return (data, problem)."""
    try:
        data = json.loads(content)
    except ValueError as error:
        return None, f"not JSON: {error}"
    if not isinstance(data, dict):
        return None, "not a JSON object"
    problems = [name for name in _DIGEST_STRING_FIELDS if not isinstance(data.get(name), str)]
    problems += [name for name in _DIGEST_NULLABLE_FIELDS if name not in data or not isinstance(data[name], str | None)]
    log_files = data.get("logFiles")
    if not isinstance(log_files, list) or not all(
        isinstance(entry, dict) and all(isinstance(entry.get(name), str) for name in _LOG_ENTRY_FIELDS)
        for entry in log_files
    ):
        problems.append("logFiles")
    if problems:
        return None, f"missing or mistyped fields: {', '.join(problems)}"
    try:
        parse_event_time(data["digestEndTime"])
    except ValueError as error:
        return None, str(error)
    return data, None
