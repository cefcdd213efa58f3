"""Write audit records as a CloudTrail export: gzip log files plus signed, chained hourly digests.

The output is laid out, hashed and signed the way CloudTrail delivers a trail to S3, so
CloudTrail tooling reads it and `audit.cloudtrail.validate` can prove it complete and
untouched. Because an offline copy has no S3 object metadata, each digest's hex signature
sits next to it in `<digest key>.sig`, and the trail's public keys in `public-keys.json`.
"""

from __future__ import annotations

import hashlib
import json
import os
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from audit.cloudtrail.layout import digest_file_key, log_file_key
from audit.cloudtrail.records import EVENT_TIME_PATTERN, format_event_time, parse_event_time
from audit.cloudtrail.signing import SIGNATURE_ALGORITHM, KeyRing, digest_string_to_sign

PUBLIC_KEYS_KEY = "public-keys.json"
SIGNATURE_SUFFIX = ".sig"
HASH_ALGORITHM = "SHA-256"
# CloudTrail delivers a log file about every five minutes and a digest every hour.
LOG_FILE_PERIOD = timedelta(minutes=5)
DIGEST_PERIOD = timedelta(hours=1)
MAX_RECORDS_PER_FILE = 10_000
# gzip's default level: about 20% smaller files than level 1, and on the writer threads
# it costs little beside JSON encoding (see bench/bench_audit_export.py).
DEFAULT_COMPRESSLEVEL = 6
GZIP_WBITS = zlib.MAX_WBITS | 16
_ENCODE_SLICE = 128
_WRITER_THREADS = 2
# Writes queued behind the encoder; bounds memory to a few uncompressed log files.
_MAX_PENDING_WRITES = 4


class Sink(Protocol):
    """Where an export's objects go: a local directory here, an S3 bucket later.

    `put` is called from writer threads, several at once, so it must be thread-safe. A digest
    is only put once every log file it lists has been put.
    """

    def put(self, key: str, data: bytes) -> None:
        """Store `data` under the slash-separated object `key`, replacing any earlier object."""


class LocalDirectorySink:
    """A sink writing each object to `<root>/<key>`; the key is the digests' S3 object name."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path_for(self, key: str) -> Path:
        """The file for `key`, refusing keys that would leave the root."""
        parts = key.split("/")
        if "\\" in key or any(part in {"", ".", ".."} for part in parts):
            msg = f"not a relative object key: {key!r}"
            raise ValueError(msg)
        return self.root.joinpath(*parts)

    def put(self, key: str, data: bytes) -> None:
        """Write atomically, so a crash never leaves a truncated file under a final name."""
        path = self.path_for(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.partial")
        partial.write_bytes(data)
        partial.replace(path)


@dataclass(frozen=True)
class DigestRef:
    """The last digest of an export: pass it to the next export to continue the chain."""

    bucket: str
    key: str
    sha256: str
    signature: str


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote."""

    record_count: int
    log_keys: tuple[str, ...]
    digest_keys: tuple[str, ...]
    last_digest: DigestRef


@dataclass
class _LogFile:
    key: str
    sha256: Future[str]
    oldest_event_time: str
    newest_event_time: str


def write_export(
    records: Iterable[Mapping[str, Any]],
    sink: Sink,
    *,
    bucket: str,
    account_id: str,
    region: str,
    keyring: KeyRing,
    start: datetime,
    end: datetime,
    previous_digest: DigestRef | None = None,
    max_records_per_file: int = MAX_RECORDS_PER_FILE,
    compresslevel: int = DEFAULT_COMPRESSLEVEL,
) -> ExportResult:
    """Export `records` (sorted by eventTime, all within [start, end)) to `sink`.

    `start` and `end` are whole UTC hours. Records are streamed: each five-minute slot
    becomes one or more log files of at most `max_records_per_file` records, and every hour
    in [start, end) gets a digest, an empty one when the hour had no records, so a missing
    hour shows up as a gap in the chain. Each digest is signed with the keyring key valid at
    its end time and chained to the one before it, starting from `previous_digest` (None
    starts a new chain). `public-keys.json` lists every key in `keyring`.
    """
    if start.utcoffset() is None or end.utcoffset() is None:
        msg = "start and end must be timezone-aware"
        raise ValueError(msg)
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if start != _floor(start, DIGEST_PERIOD) or end != _floor(end, DIGEST_PERIOD):
        msg = "start and end must be whole hours"
        raise ValueError(msg)
    if start >= end:
        msg = "start must be before end"
        raise ValueError(msg)
    if max_records_per_file < 1:
        msg = "max_records_per_file must be positive"
        raise ValueError(msg)
    # Writer threads hash, compress and store (all release the GIL) while this thread
    # encodes JSON, which is the floor; two writers keep level-6 compression off the
    # critical path, and more buy nothing while the encoder holds the GIL.
    pool = ThreadPoolExecutor(max_workers=_WRITER_THREADS, thread_name_prefix="cloudtrail-export")
    try:
        writer = _ExportWriter(
            sink=sink,
            pool=pool,
            bucket=bucket,
            account_id=account_id,
            region=region,
            keyring=keyring,
            start=start,
            end=end,
            previous_digest=previous_digest,
            max_records_per_file=max_records_per_file,
            compresslevel=compresslevel,
        )
        return writer.run(records)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class _ExportWriter:
    """State of one export run: the open hour's log files and the digest chain so far."""

    def __init__(
        self,
        *,
        sink: Sink,
        pool: ThreadPoolExecutor,
        bucket: str,
        account_id: str,
        region: str,
        keyring: KeyRing,
        start: datetime,
        end: datetime,
        previous_digest: DigestRef | None,
        max_records_per_file: int,
        compresslevel: int,
    ) -> None:
        self._sink = sink
        self._pool = pool
        self._bucket = bucket
        self._account_id = account_id
        self._region = region
        self._keyring = keyring
        self._start = start
        self._end = end
        self._previous = previous_digest
        self._max_records_per_file = max_records_per_file
        self._compresslevel = compresslevel
        self._encoder = json.JSONEncoder(
            ensure_ascii=False, check_circular=False, allow_nan=False, separators=(",", ":")
        )
        self._hour_start = start
        self._hour_logs: list[_LogFile] = []
        self._log_keys: list[str] = []
        self._digests: list[DigestRef] = []
        self._pending: deque[Future[Any]] = deque()

    def run(self, records: Iterable[Mapping[str, Any]]) -> ExportResult:
        """Stream the records into log files, closing each hour with its digest."""
        start_text = format_event_time(self._start)
        end_text = format_event_time(self._end)
        batch: list[Mapping[str, Any]] = []
        # This loop is the hot path. eventTime strings in CloudTrail's fixed format sort like
        # the times they name, so checks are string comparisons, and only a record whose time
        # differs from the one before (records sharing a second are common) is checked in full.
        previous_time = ""
        slot_end_text = ""
        count = 0
        for count, record in enumerate(records, start=1):
            try:
                event_time = record["eventTime"]
            except (KeyError, TypeError) as error:
                msg = f"record {count} has no eventTime"
                raise ValueError(msg) from error
            if event_time != previous_time or count == 1:
                _check_event_time(event_time, previous=previous_time, start=start_text, end=end_text, position=count)
                if event_time >= slot_end_text:
                    self._write_log_file(batch)
                    batch = []
                    slot_start = _floor(parse_event_time(event_time), LOG_FILE_PERIOD)
                    self._write_digests_until(slot_start)
                    slot_end_text = format_event_time(slot_start + LOG_FILE_PERIOD)
                previous_time = event_time
            if len(batch) >= self._max_records_per_file:
                self._write_log_file(batch)
                batch = []
            batch.append(record)
        self._write_log_file(batch)
        self._write_digests_until(self._end)
        self._submit(self._sink.put, PUBLIC_KEYS_KEY, _json_bytes(self._keyring.public_keys_json(), indent=2))
        while self._pending:
            self._pending.popleft().result()
        return ExportResult(
            record_count=count,
            log_keys=tuple(self._log_keys),
            digest_keys=tuple(digest.key for digest in self._digests),
            last_digest=self._digests[-1],
        )

    def _write_log_file(self, batch: list[Mapping[str, Any]]) -> None:
        if not batch:
            return
        oldest, newest = batch[0]["eventTime"], batch[-1]["eventTime"]
        key = log_file_key(
            account_id=self._account_id,
            region=self._region,
            newest_event_time=parse_event_time(newest),
        )
        # Encoding a slice at a time is faster than one call per file (the C encoder's buffer
        # stays small) and hands the GIL to the writer thread between slices.
        slices = (
            self._encoder.encode(batch[offset : offset + _ENCODE_SLICE])[1:-1]
            for offset in range(0, len(batch), _ENCODE_SLICE)
        )
        raw = ('{"Records":[' + ",".join(slices) + "]}").encode("utf-8")
        sha256 = self._submit(_store_log_file, self._sink, key, raw, self._compresslevel)
        self._hour_logs.append(_LogFile(key, sha256, oldest, newest))
        self._log_keys.append(key)

    def _write_digests_until(self, moment: datetime) -> None:
        """Write the digest of every hour that ends at or before `moment`."""
        while self._hour_start + DIGEST_PERIOD <= moment:
            self._write_digest()
            self._hour_start += DIGEST_PERIOD

    def _write_digest(self) -> None:
        hour_end = self._hour_start + DIGEST_PERIOD
        end_text = format_event_time(hour_end)
        key = digest_file_key(account_id=self._account_id, region=self._region, digest_end_time=hour_end)
        signing_key = self._keyring.key_at(hour_end)
        logs = self._hour_logs
        previous = self._previous
        digest = {
            "awsAccountId": self._account_id,
            "digestStartTime": format_event_time(self._hour_start),
            "digestEndTime": end_text,
            "digestS3Bucket": self._bucket,
            "digestS3Object": key,
            "digestPublicKeyFingerprint": signing_key.fingerprint,
            "digestSignatureAlgorithm": SIGNATURE_ALGORITHM,
            "newestEventTime": logs[-1].newest_event_time if logs else None,
            "oldestEventTime": logs[0].oldest_event_time if logs else None,
            "previousDigestS3Bucket": previous.bucket if previous else None,
            "previousDigestS3Object": previous.key if previous else None,
            "previousDigestHashValue": previous.sha256 if previous else None,
            "previousDigestHashAlgorithm": HASH_ALGORITHM if previous else None,
            "previousDigestSignature": previous.signature if previous else None,
            "logFiles": [
                {
                    "s3Bucket": self._bucket,
                    "s3Object": log.key,
                    "hashValue": log.sha256.result(),
                    "hashAlgorithm": HASH_ALGORITHM,
                    "newestEventTime": log.newest_event_time,
                    "oldestEventTime": log.oldest_event_time,
                }
                for log in logs
            ],
        }
        raw = _json_bytes(digest)
        sha256 = hashlib.sha256(raw).hexdigest()
        signature = signing_key.sign(
            digest_string_to_sign(
                digest_end_time=end_text,
                digest_bucket=self._bucket,
                digest_key=key,
                digest_sha256=sha256,
                previous_signature=previous.signature if previous else None,
            )
        )
        self._submit(self._sink.put, key, zlib.compress(raw, self._compresslevel, wbits=GZIP_WBITS))
        self._submit(self._sink.put, key + SIGNATURE_SUFFIX, signature.encode("ascii"))
        self._previous = DigestRef(self._bucket, key, sha256, signature)
        self._digests.append(self._previous)
        self._hour_logs = []

    def _submit(self, function: Callable[..., Any], *args: Any) -> Future[Any]:
        future = self._pool.submit(function, *args)
        self._pending.append(future)
        while len(self._pending) > _MAX_PENDING_WRITES:
            self._pending.popleft().result()
        return future


def _store_log_file(sink: Sink, key: str, raw: bytes, compresslevel: int) -> str:
    """Compress and store one log file; return the hex SHA-256 of its uncompressed bytes."""
    sha256 = hashlib.sha256(raw).hexdigest()
    sink.put(key, zlib.compress(raw, compresslevel, wbits=GZIP_WBITS))
    return sha256


def _check_event_time(event_time: object, *, previous: str, start: str, end: str, position: int) -> None:
    if not isinstance(event_time, str) or not EVENT_TIME_PATTERN.fullmatch(event_time):
        msg = f"record {position} eventTime is not YYYY-MM-DDTHH:MM:SSZ: {event_time!r}"
        raise ValueError(msg)
    problem = None
    if event_time < start:
        problem = "is before the export start"
    elif event_time >= end:
        problem = "is not before the export end"
    elif event_time < previous:
        problem = "is out of eventTime order"
    if problem:
        msg = f"record {position} ({event_time}) {problem}"
        raise ValueError(msg)


def _floor(moment: datetime, period: timedelta) -> datetime:
    return moment - (moment - moment.replace(hour=0, minute=0, second=0, microsecond=0)) % period


def _json_bytes(value: Any, indent: int | None = None) -> bytes:
    separators = None if indent else (",", ":")
    return json.dumps(value, indent=indent, separators=separators, allow_nan=False).encode("utf-8")
