"""Reading an export's files: one gzip stream exactly (hash, trailing bytes, damage named) and digest fields."""

from __future__ import annotations

import hashlib
import json
import os
import tracemalloc
import zlib
from pathlib import Path
from typing import Any

import pytest

from audit.cloudtrail import reading
from audit.cloudtrail.reading import check_gzip, list_files, parse_digest


def _gzip(content: bytes) -> bytes:
    return zlib.compress(content, 6, wbits=zlib.MAX_WBITS | 16)


def _digest(**fields: Any) -> bytes:
    digest = {
        "awsAccountId": "123456789012",
        "digestStartTime": "2024-03-01T09:00:00Z",
        "digestEndTime": "2024-03-01T10:00:00Z",
        "digestS3Bucket": "b",
        "digestS3Object": "o",
        "digestPublicKeyFingerprint": "f",
        "digestSignatureAlgorithm": "SHA256withRSA",
        "previousDigestS3Bucket": None,
        "previousDigestS3Object": None,
        "previousDigestHashValue": None,
        "previousDigestHashAlgorithm": None,
        "previousDigestSignature": None,
        "logFiles": [{"s3Bucket": "b", "s3Object": "l", "hashValue": "h", "hashAlgorithm": "SHA-256"}],
    }
    return json.dumps({**digest, **fields}).encode()


def test_a_stream_larger_than_a_chunk_is_hashed_whole_with_its_trailing_bytes_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reading, "_CHUNK", 64)  # several chunks in, several out
    content = os.urandom(300) + b"x" * 2000
    path = tmp_path / "log.json.gz"
    path.write_bytes(_gzip(content) + b"tail-one" + b"tail-two" * 20)

    check = check_gzip(path, keep_content=True)

    assert (check.sha256, check.error, check.content) == (hashlib.sha256(content).hexdigest(), None, content)
    assert check.trailing_bytes == len(b"tail-one" + b"tail-two" * 20)
    assert check_gzip(path).content is None


def test_a_truncated_or_damaged_stream_says_which(tmp_path: Path) -> None:
    whole = _gzip(b"{}" * 100)
    truncated, damaged = tmp_path / "truncated.gz", tmp_path / "damaged.gz"
    truncated.write_bytes(whole[: len(whole) // 2])
    damaged.write_bytes(b"not gzip at all")

    assert check_gzip(truncated) == reading.GzipCheck(None, 0, "gzip stream is truncated")
    bad = check_gzip(damaged)
    assert (bad.sha256, bad.trailing_bytes) == (None, 0)
    assert bad.error is not None
    assert bad.error.startswith("cannot read as gzip: ")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"[1]", "not a JSON object"),
        (_digest(previousDigestSignature=7), "missing or mistyped fields: previousDigestSignature"),
        (_digest(logFiles=[{"s3Bucket": "b"}]), "missing or mistyped fields: logFiles"),
        (_digest(logFiles="none"), "missing or mistyped fields: logFiles"),
        (_digest(awsAccountId=1, logFiles=[]), "missing or mistyped fields: awsAccountId"),
        (_digest(digestEndTime="yesterday"), "yesterday"),
    ],
)
def test_a_digest_without_cloudtrails_fields_says_which(content: bytes, problem: str) -> None:
    data, found = parse_digest(content)

    assert data is None
    assert found is not None
    assert found == problem or (problem == "yesterday" and problem in found)


def test_a_digest_with_every_field_is_read() -> None:
    data, problem = parse_digest(_digest())

    assert problem is None
    assert data is not None
    assert data["logFiles"][0]["s3Object"] == "l"


def test_every_file_below_the_root_is_listed_by_its_key(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "c.json.gz").write_bytes(b"")
    (tmp_path / "top.json").write_bytes(b"")

    assert list_files(tmp_path) == {"a/b/c.json.gz", "top.json"}


def test_inflating_keeps_memory_bounded_for_a_large_file_and_for_a_gzip_bomb(tmp_path: Path) -> None:
    """A digest or log is read and inflated a chunk at a time: neither a big file nor one that
    inflates a thousandfold is ever held whole (an export is untrusted input)."""
    bomb = tmp_path / "bomb.json.gz"
    bomb.write_bytes(zlib.compress(b"\0" * (64 << 20), 9, wbits=zlib.MAX_WBITS | 16))  # 64 MiB in ~64 KiB
    big = tmp_path / "big.json.gz"
    big.write_bytes(zlib.compress(os.urandom(24 << 20), 1, wbits=zlib.MAX_WBITS | 16))  # 24 MiB as it is
    for path in (bomb, big):
        tracemalloc.start()
        try:
            check = check_gzip(path)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert check.error is None
        assert peak < 8 << 20, f"{path.name}: {peak} bytes at peak"
