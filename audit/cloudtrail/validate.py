"""Offline validator for a CloudTrail export, checking what `aws cloudtrail validate-logs` checks.

It walks each trail's digest chain from the newest digest backwards, verifies every
digest's signature and its link to the digest before it, hashes every log file a digest
lists, and accounts for every other file in the export. It reports all it finds instead of
stopping at the first problem. Command line: `python -m audit.cloudtrail.validate ROOT`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from audit.cloudtrail.export import (
    DIGEST_PERIOD,
    HASH_ALGORITHM,
    PUBLIC_KEYS_KEY,
    SIGNATURE_SUFFIX,
)
from audit.cloudtrail.findings import Finding, FindingKind, ValidationReport
from audit.cloudtrail.layout import digest_file_key, parse_digest_file_key, parse_log_file_key
from audit.cloudtrail.reading import GzipCheck, check_gzip, list_files, parse_digest
from audit.cloudtrail.records import format_event_time, parse_event_time
from audit.cloudtrail.signing import SIGNATURE_ALGORITHM, PublicKey, digest_string_to_sign


@dataclass
class _Digest:
    key: str
    check: GzipCheck
    data: dict[str, Any] | None
    signature: str | None


@dataclass(frozen=True)
class _ExpectedLog:
    sha256: str
    digest_key: str


def validate_export(
    root: str | os.PathLike[str],
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    bucket: str | None = None,
    public_keys: Iterable[Mapping[str, Any]] | None = None,
    now: datetime | None = None,
) -> ValidationReport:
    """Validate the export under `root`, optionally only the hours overlapping [start, end).

    `public_keys` is a trusted copy of the trail's key list (the shape of public-keys.json);
    without it the export's own public-keys.json is used, which proves integrity only as
    far as that file can be trusted. `bucket`, when given, must be the digests' bucket.
    With an explicit `end`, the digest of the hour holding it must be there once that hour
    has ended (before `now`), as `validate-logs` expects: otherwise deleting the newest hours'
    digests and logs would leave a shorter chain that still validates.
    """
    return _Validator(Path(root), start=start, end=end, bucket=bucket, now=now or datetime.now(UTC)).run(public_keys)


class _Validator:
    def __init__(
        self, root: Path, *, start: datetime | None, end: datetime | None, bucket: str | None, now: datetime
    ) -> None:
        self._root = root
        self._start = start
        self._end = end
        self._now = now
        self._bucket = bucket
        self._report = ValidationReport()
        self._keys: dict[str, PublicKey] = {}
        self._files = list_files(root)
        self._loaded: dict[str, _Digest] = {}
        self._checked: dict[str, GzipCheck] = {}
        self._visited: set[str] = set()
        self._expected_logs: dict[str, _ExpectedLog] = {}
        self._flagged: set[str] = set()

    def run(self, public_keys: Iterable[Mapping[str, Any]] | None) -> ValidationReport:
        self._load_public_keys(public_keys)
        chains: dict[tuple[str, str], list[tuple[datetime, str]]] = {}
        for key in self._files:
            parsed = parse_digest_file_key(key)
            if parsed is not None and self._digest_in_range(parsed.end_time):
                chains.setdefault((parsed.account_id, parsed.region), []).append((parsed.end_time, key))
        if not chains:
            self._add("AWSLogs", FindingKind.MISSING_DIGEST, "no digest files found")
        for (account_id, region), digests in chains.items():
            self._expect_final_digest(account_id, region, newest=max(end_time for end_time, _ in digests))
            self._walk_chain(dict.fromkeys(key for _, key in sorted(digests)))
        self._check_logs()
        self._report.digests_checked = len(self._visited)
        self._report.digests_valid = len(self._visited - self._flagged)
        return self._report

    def _add(self, file: str, kind: FindingKind, detail: str) -> None:
        self._report.findings.append(Finding(file, kind, detail))
        self._flagged.add(file)

    def _load_public_keys(self, trusted: Iterable[Mapping[str, Any]] | None) -> None:
        source = PUBLIC_KEYS_KEY if trusted is None else "<trusted public keys>"
        if trusted is not None:
            # A JSON object or text read from a trusted file is not a key list: refused below.
            entries: Any = trusted if isinstance(trusted, str | bytes | Mapping) else list(trusted)
        else:
            try:
                entries = json.loads((self._root / PUBLIC_KEYS_KEY).read_bytes())
            except FileNotFoundError:
                self._add(source, FindingKind.PUBLIC_KEYS_INVALID, "no public-keys.json in the export")
                return
            except ValueError as error:
                self._add(source, FindingKind.PUBLIC_KEYS_INVALID, f"not JSON: {error}")
                return
        if not isinstance(entries, list):
            self._add(source, FindingKind.PUBLIC_KEYS_INVALID, "not a list of keys")
            return
        for position, entry in enumerate(entries):
            try:
                key = PublicKey.from_json(entry)
            except ValueError as error:
                self._add(source, FindingKind.PUBLIC_KEYS_INVALID, f"entry {position}: {error}")
            else:
                self._keys[key.fingerprint] = key

    def _digest_in_range(self, end_time: datetime) -> bool:
        # Digests are hourly, so a digest ending at end_time covers the hour before it.
        after_start = self._start is None or end_time > self._start
        before_end = self._end is None or end_time - DIGEST_PERIOD < self._end
        return after_start and before_end

    def _expect_final_digest(self, account_id: str, region: str, newest: datetime) -> None:
        """With an explicit end, the chain must reach the digest of the end's (completed) hour."""
        if self._end is None:
            return
        final = _floor_hour(self._end)
        if final < self._end:
            final += DIGEST_PERIOD
        if newest < final <= self._now:
            self._add(
                digest_file_key(account_id=account_id, region=region, digest_end_time=final),
                FindingKind.MISSING_DIGEST,
                f"the range ends {format_event_time(self._end)}, but the newest digest ends "
                f"{format_event_time(newest)}",
            )

    def _log_in_range(self, delivered_at: datetime) -> bool:
        # A log delivered exactly on a boundary may belong to a digest outside the range.
        after_start = self._start is None or delivered_at > self._start
        before_end = self._end is None or delivered_at < self._end
        return after_start and before_end

    def _walk_chain(self, pending: dict[str, None]) -> None:
        """Follow previousDigestS3Object links from the newest digest; restart after a gap.

        `pending` holds the chain's unvisited digest keys, oldest first (a dict, so lookups
        and removals stay O(1) over years of hourly digests).
        """
        while pending:
            key: str | None = pending.popitem()[0]
            if key in self._visited:  # already found, moved, while following another chain
                continue
            while key is not None:
                key = self._visit(key, pending)

    def _visit(self, key: str, pending: dict[str, None]) -> str | None:
        """Check one digest and its logs' listing; return the digest to visit next, if linked."""
        self._visited.add(key)
        digest = self._load_digest(key)
        del self._loaded[key]  # never needed again; keeps memory flat over long chains
        data = digest.data
        if data is None:
            return None
        if data["digestS3Object"] != key or (self._bucket is not None and data["digestS3Bucket"] != self._bucket):
            self._add(
                key,
                FindingKind.MOVED,
                f"written as s3://{data['digestS3Bucket']}/{data['digestS3Object']}",
            )
        self._check_signature(digest, data)
        self._expect_logs(key, data)
        return self._follow_link(key, data, pending)

    def _follow_link(self, key: str, data: dict[str, Any], pending: dict[str, None]) -> str | None:
        previous_key = data["previousDigestS3Object"]
        if previous_key is None:
            if pending:
                self._add(
                    key, FindingKind.CHAIN_BREAK, f"starts a new chain, but {len(pending)} older digest file(s) exist"
                )
            return None
        if previous_key in self._visited:
            self._add(key, FindingKind.CHAIN_BREAK, f"chains to {previous_key}, which another digest already chains to")
            return None
        parsed = parse_digest_file_key(previous_key)
        if parsed is not None and not self._digest_in_range(parsed.end_time):
            return None
        if previous_key in pending:
            del pending[previous_key]
            found = previous_key
        else:
            moved = self._find_moved_digest(data["previousDigestHashValue"], pending)
            if moved is None:
                self._add(previous_key, FindingKind.MISSING_DIGEST, f"{key} chains to it, but it is not there")
                return None
            found = moved
        previous = self._load_digest(found)
        if data["previousDigestHashAlgorithm"] != HASH_ALGORITHM:
            self._add(key, FindingKind.MALFORMED, f"previousDigestHashAlgorithm is not {HASH_ALGORITHM}")
        elif previous.check.sha256 is not None and previous.check.sha256 != data["previousDigestHashValue"]:
            self._add(
                found,
                FindingKind.HASH_MISMATCH,
                f"SHA-256 is {previous.check.sha256}, {key} recorded {data['previousDigestHashValue']}",
            )
        if previous.signature is not None and previous.signature != data["previousDigestSignature"]:
            self._add(
                found, FindingKind.SIGNATURE_INVALID, f"signature is not the previousDigestSignature {key} recorded"
            )
        return found

    def _find_moved_digest(self, sha256: str | None, pending: dict[str, None]) -> str | None:
        """A digest that is not where its successor says, found by the hash the successor recorded."""
        if sha256 is None:
            return None
        candidates = [*pending, *sorted(key for key in self._files if self._unexplained(key))]
        for candidate, check in zip(candidates, self._check_files(candidates), strict=True):
            if check.sha256 == sha256:
                pending.pop(candidate, None)
                return candidate
        return None

    def _load_digest(self, key: str) -> _Digest:
        if key in self._loaded:
            return self._loaded[key]
        check = check_gzip(self._root / key, keep_content=True)
        data = None
        if check.error is not None:
            self._add(key, FindingKind.MALFORMED, check.error)
        else:
            if check.trailing_bytes:
                self._add(key, FindingKind.TRAILING_DATA, f"{check.trailing_bytes} bytes after the gzip stream")
            data, problem = parse_digest(check.content or b"")
            if problem is not None:
                self._add(key, FindingKind.MALFORMED, problem)
        signature_path = self._root / (key + SIGNATURE_SUFFIX)
        signature = signature_path.read_text("ascii", errors="replace").strip() if signature_path.is_file() else None
        digest = _Digest(key, check, data, signature)
        self._loaded[key] = digest
        return digest

    def _check_signature(self, digest: _Digest, data: dict[str, Any]) -> None:
        key = digest.key
        fingerprint = data["digestPublicKeyFingerprint"]
        public_key = self._keys.get(fingerprint)
        end_time = parse_event_time(data["digestEndTime"])
        if data["digestSignatureAlgorithm"] != SIGNATURE_ALGORITHM:
            self._add(key, FindingKind.SIGNATURE_INVALID, f"unsupported algorithm {data['digestSignatureAlgorithm']}")
        elif digest.signature is None:
            self._add(key, FindingKind.SIGNATURE_INVALID, f"no signature file {key}{SIGNATURE_SUFFIX}")
        elif public_key is None:
            self._add(key, FindingKind.UNKNOWN_KEY, f"no published public key has fingerprint {fingerprint}")
        elif not public_key.is_valid_at(end_time):
            until = "open" if public_key.valid_until is None else format_event_time(public_key.valid_until)
            self._add(
                key,
                FindingKind.KEY_NOT_VALID,
                f"key {fingerprint} is valid from {format_event_time(public_key.valid_from)} "
                f"until {until}, the digest ends {data['digestEndTime']}",
            )
        elif not public_key.verify(
            digest_string_to_sign(
                digest_end_time=data["digestEndTime"],
                digest_bucket=data["digestS3Bucket"],
                digest_key=data["digestS3Object"],
                digest_sha256=digest.check.sha256 or "",
                previous_signature=data["previousDigestSignature"],
            ),
            digest.signature,
        ):
            self._add(key, FindingKind.SIGNATURE_INVALID, f"signature does not verify with key {fingerprint}")

    def _expect_logs(self, key: str, data: dict[str, Any]) -> None:
        for entry in data["logFiles"]:
            log_key = entry["s3Object"]
            if entry["hashAlgorithm"] != HASH_ALGORITHM:
                self._add(key, FindingKind.MALFORMED, f"{log_key}: hashAlgorithm is not {HASH_ALGORITHM}")
            if entry["s3Bucket"] != data["digestS3Bucket"]:
                self._add(log_key, FindingKind.MOVED, f"{key} lists it in bucket {entry['s3Bucket']}")
            self._expected_logs[log_key] = _ExpectedLog(entry["hashValue"], key)

    def _check_logs(self) -> None:
        """Hash every listed log file, then account for every file nothing has explained."""
        present = [key for key in self._expected_logs if key in self._files]
        missing: dict[str, str] = {
            key: expected.sha256 for key, expected in self._expected_logs.items() if key not in self._files
        }
        for key, check in zip(present, self._check_files(present), strict=True):
            expected = self._expected_logs[key]
            if check.error is not None:
                self._add(key, FindingKind.MALFORMED, check.error)
                continue
            if check.trailing_bytes:
                self._add(key, FindingKind.TRAILING_DATA, f"{check.trailing_bytes} bytes after the gzip stream")
            if check.sha256 != expected.sha256:
                self._add(
                    key,
                    FindingKind.HASH_MISMATCH,
                    f"SHA-256 is {check.sha256}, {expected.digest_key} recorded {expected.sha256}",
                )
        self._report.logs_checked = len(self._expected_logs)
        self._report.logs_valid = sum(1 for key in present if key not in self._flagged)

        leftovers = sorted(key for key in self._files if self._unexplained(key))
        missing_by_hash = {sha256: key for key, sha256 in missing.items()}
        for key, check in zip(leftovers, self._check_files(leftovers), strict=True):
            original = missing_by_hash.pop(check.sha256, None) if check.sha256 else None
            if original is not None:
                del missing[original]
                digest_key = self._expected_logs[original].digest_key
                self._add(key, FindingKind.MOVED, f"{digest_key} lists it as {original}")
            else:
                self._add(key, FindingKind.UNCOVERED, "no digest file covers it")
        for key in missing:
            self._add(
                key, FindingKind.MISSING_LOG, f"{self._expected_logs[key].digest_key} lists it, but it is not there"
            )

    def _unexplained(self, key: str) -> bool:
        """Whether `key` is neither accounted for by the walk nor outside the requested range."""
        if key == PUBLIC_KEYS_KEY or key in self._visited or key in self._expected_logs:
            return False
        name = key.removesuffix(SIGNATURE_SUFFIX)
        if name != key and name in self._visited:
            return False
        digest = parse_digest_file_key(name)
        if digest is not None:
            return self._digest_in_range(digest.end_time)
        log = parse_log_file_key(key)
        return log is None or self._log_in_range(log.delivered_at)

    def _check_files(self, keys: list[str]) -> list[GzipCheck]:
        """Inflate and hash each file once, however often it is asked about."""
        unchecked = [key for key in dict.fromkeys(keys) if key not in self._checked]
        # Inflating and hashing release the GIL, so threads use every core.
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            checks = pool.map(check_gzip, (self._root / key for key in unchecked))
            self._checked.update(zip(unchecked, checks, strict=True))
        return [self._checked[key] for key in keys]


def _floor_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def main(argv: Sequence[str] | None = None) -> int:
    """Validate an export from the command line; exit status 0 when valid, 1 when not."""
    parser = argparse.ArgumentParser(
        prog="python -m audit.cloudtrail.validate",
        description="Validate a CloudTrail-layout audit export offline.",
    )
    parser.add_argument("root", type=Path, help="export directory (the one holding AWSLogs/)")
    parser.add_argument("--start", type=parse_event_time, help="YYYY-MM-DDTHH:MM:SSZ, inclusive")
    parser.add_argument("--end", type=parse_event_time, help="YYYY-MM-DDTHH:MM:SSZ, exclusive")
    parser.add_argument("--bucket", help="bucket name the digests must name")
    parser.add_argument(
        "--public-keys",
        type=Path,
        help="trusted copy of the trail's public-keys.json to use instead of the export's own",
    )
    args = parser.parse_args(argv)
    trusted = json.loads(args.public_keys.read_bytes()) if args.public_keys else None
    report = validate_export(args.root, start=args.start, end=args.end, bucket=args.bucket, public_keys=trusted)
    sys.stdout.write(report.summary() + "\n")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
