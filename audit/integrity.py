"""Verification of the audit log: each tenant's hash chain and its signed hourly digests.

It reads through the scoped manager, so run it in the scope of the tenant it verifies.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from audit.cloudtrail.export import GZIP_WBITS, write_export
from audit.cloudtrail.layout import parse_digest_file_key
from audit.cloudtrail.records import GENESIS_HASH, format_event_time, parse_event_time, record_hash
from audit.cloudtrail.signing import KeyRing, PublicKey, digest_string_to_sign
from audit.models import AuditChainEntry, AuditDigest, AuditEvent, AuditPurge
from tenants.models import Tenant


@dataclass(frozen=True)
class Problem:
    """Something that does not verify: ``sequence``/``event_id`` name the row, ``digest`` the hour."""

    reason: str
    sequence: int | None = None
    event_id: str | None = None
    digest: str | None = None

    def __str__(self) -> str:
        where = []
        if self.sequence is not None:
            where.append(f"sequence {self.sequence}")
        if self.event_id is not None:
            where.append(f"event {self.event_id}")
        if self.digest is not None:
            where.append(f"digest {self.digest}")
        return f"{', '.join(where) or 'chain'}: {self.reason}"


@dataclass
class ChainReport:
    """The outcome of verifying one tenant's chain and its digests in the database."""

    events_checked: int = 0
    first_sequence: int | None = None
    last_sequence: int | None = None
    unsealed: int = 0
    digests_checked: int = 0
    late_events: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_broken_row(self) -> Problem | None:
        rows = [problem for problem in self.problems if problem.sequence is not None]
        return min(rows, key=lambda problem: problem.sequence or 0) if rows else None


_VERIFY_FIELDS = (
    "sequence",
    "previous_hash",
    "hash",
    "event__event_id",
    "event__event_time",
    "event__event_source",
    "event__event_name",
    "event__principal_id",
    "event__error_code",
    "event__request_id",
    "event__read_only",
    "event__record",
)


def chain_verify(*, tenant: Tenant | None) -> ChainReport:
    """Verify the chain of the scope's tenant (``None``: the platform's) and its hourly digests.

    Run inside that tenant's scope. Each sealed row must follow the previous one without a gap,
    name its hash as ``previous_hash``, hash (with it) to its own ``hash``, and agree with its
    record in every column lookups filter on. The chain starts at sequence 1 from the genesis
    hash, or after the last purge from the hash that purge recorded. Each digest must be intact,
    signed by a published key valid at its end, chained to the digest before it, and list log
    files whose hashes the hour's events still reproduce.
    """
    report = ChainReport()
    entries = AuditChainEntry.objects.filter(tenant=tenant)
    report.unsealed = entries.filter(hash__isnull=True).count()
    orphans = AuditEvent.objects.filter(tenant=tenant, chain_entry__isnull=True).count()
    if orphans:
        report.problems.append(Problem(f"{orphans} event(s) have no chain entry (removed behind the triggers)"))
    sealed = entries.filter(sequence__isnull=False).order_by("sequence").values_list(*_VERIFY_FIELDS)
    expected_sequence: int | None = None
    running = GENESIS_HASH
    for row in sealed.iterator(chunk_size=2000):
        values = {name.removeprefix("event__"): value for name, value in zip(_VERIFY_FIELDS, row, strict=True)}
        sequence = values["sequence"]
        if expected_sequence is None:
            running = _starting_hash(tenant, sequence, report)
            report.first_sequence = sequence
        elif sequence != expected_sequence:
            report.problems.append(
                Problem(f"gap: sequence {expected_sequence} is missing", sequence, str(values["event_id"]))
            )
        _check_row(values, running, report)
        running = values["hash"]
        expected_sequence = sequence + 1
        report.last_sequence = sequence
        report.events_checked += 1
    if tenant is not None:
        _check_digests(tenant, report)
    return report


def _starting_hash(tenant: Tenant | None, first_sequence: int, report: ChainReport) -> str:
    if first_sequence == 1:
        return GENESIS_HASH
    purge = AuditPurge.objects.filter(tenant=tenant, through_sequence=first_sequence - 1).first()
    if purge is None:
        report.problems.append(
            Problem(f"sequences 1–{first_sequence - 1} are missing and no purge accounts for them", first_sequence)
        )
        return GENESIS_HASH
    return purge.through_hash


def _check_row(values: dict[str, Any], running: str, report: ChainReport) -> None:
    sequence, event_id = values["sequence"], str(values["event_id"])
    record = values["record"]
    if values["previous_hash"] != running:
        report.problems.append(Problem("previous_hash is not the hash of the row before", sequence, event_id))
    try:
        intact = record_hash(record, running) == values["hash"]
    except ValueError:  # a hash that is not 64 hex characters
        intact = False
    if not intact:
        report.problems.append(Problem("hash does not match the record (the record was altered)", sequence, event_id))
    identity = record.get("userIdentity") or {}
    expected_columns = {
        "event_id": str(record.get("eventID")),
        "event_source": record.get("eventSource"),
        "event_name": record.get("eventName"),
        "principal_id": (identity.get("principalId") or "")[:256],
        "error_code": (record.get("errorCode") or "")[:128],
        "request_id": (record.get("requestID") or "")[:128],
        "read_only": record.get("readOnly"),
    }
    actual_columns = {**values, "event_id": event_id}
    differing = sorted(name for name, value in expected_columns.items() if actual_columns[name] != value)
    if format_event_time(values["event_time"]) != record.get("eventTime"):
        differing.append("event_time")
    if differing:
        report.problems.append(Problem(f"column(s) {', '.join(differing)} differ from the record", sequence, event_id))


def _check_digests(tenant: Tenant, report: ChainReport) -> None:
    keys = {key.fingerprint: key for key in _published_keys()}
    purged_before = (
        AuditPurge.objects.filter(tenant=tenant).order_by("-cutoff").values_list("cutoff", flat=True).first()
    )
    scratch = KeyRing.generate(valid_from=parse_event_time("1970-01-01T00:00:00Z"))
    previous: AuditDigest | None = None
    for digest in AuditDigest.objects.filter(tenant=tenant).order_by("end_time"):
        report.digests_checked += 1
        _check_digest(digest, previous, keys, report)
        if purged_before is None or digest.start_time >= purged_before:
            _check_digest_content(digest, scratch, report)
        previous = digest


def _published_keys() -> list[PublicKey]:
    from audit.digests import public_keys

    return public_keys()


def _check_digest(
    digest: AuditDigest, previous: AuditDigest | None, keys: Mapping[str, PublicKey], report: ChainReport
) -> None:
    def problem(reason: str) -> None:
        report.problems.append(Problem(reason, digest=digest.key))

    raw = digest.digest.encode("utf-8")
    if hashlib.sha256(raw).hexdigest() != digest.sha256:
        problem("the stored digest does not hash to its recorded SHA-256")
        return
    data = json.loads(raw)
    if data.get("digestS3Object") != digest.key or data.get("digestEndTime") != format_event_time(digest.end_time):
        problem("the digest names another object or hour than the one it is stored as")
    expected_previous = previous.signature if previous is not None else None
    if data.get("previousDigestSignature") != expected_previous or (
        previous is not None and data.get("previousDigestHashValue") != previous.sha256
    ):
        problem("the digest does not chain to the digest of the hour before")
    key = keys.get(data.get("digestPublicKeyFingerprint", ""))
    if key is None or not key.is_valid_at(digest.end_time):
        problem("the digest's signing key is not published or not valid at its end time")
        return
    message = digest_string_to_sign(
        digest_end_time=data["digestEndTime"],
        digest_bucket=data["digestS3Bucket"],
        digest_key=data["digestS3Object"],
        digest_sha256=digest.sha256,
        previous_signature=data.get("previousDigestSignature"),
    )
    if not key.verify(message, digest.signature):
        problem("the digest's signature does not verify")


class _DigestOnlySink:
    """Keeps only the digest: verification compares the log file hashes it lists."""

    def __init__(self) -> None:
        self.digest: bytes = b""

    def put(self, key: str, data: bytes) -> None:
        if parse_digest_file_key(key) is not None:
            self.digest = zlib.decompress(data, GZIP_WBITS)


def _check_digest_content(digest: AuditDigest, scratch: KeyRing, report: ChainReport) -> None:
    """Rewrite the hour from the database with the export writer and compare log file hashes.

    The rewrite groups and encodes records exactly as the delivery did, so an event altered,
    added or removed since (even with the chain recomputed around it) changes a hash.
    """
    hour = AuditEvent.objects.filter(
        tenant_id=digest.tenant_id, event_time__gte=digest.start_time, event_time__lt=digest.end_time
    )
    report.late_events += hour.filter(
        Q(chain_entry__sequence__isnull=True) | Q(chain_entry__sequence__gt=digest.head_sequence)
    ).count()
    records = (
        hour.filter(chain_entry__sequence__lte=digest.head_sequence)
        .order_by("event_time", "id")
        .values_list("record", flat=True)
        .iterator(chunk_size=2000)
    )
    sink = _DigestOnlySink()
    result = write_export(
        records,
        sink,
        bucket="verify",
        account_id=json.loads(digest.digest)["awsAccountId"],
        region=_region_of(digest),
        keyring=scratch,
        start=digest.start_time,
        end=digest.end_time,
    )
    signed = [entry["hashValue"] for entry in json.loads(digest.digest)["logFiles"]]
    rebuilt = [entry["hashValue"] for entry in json.loads(sink.digest)["logFiles"]]
    if result.record_count != digest.record_count or rebuilt != signed:
        first = _first_event_of_hour(digest)
        report.problems.append(
            Problem(
                f"the hour's events no longer match the log files signed at delivery "
                f"({result.record_count} events now, {digest.record_count} signed)",
                first[0] if first else None,
                first[1] if first else None,
                digest=digest.key,
            )
        )


def _region_of(digest: AuditDigest) -> str:
    parsed = parse_digest_file_key(digest.key)
    if parsed is None:
        raise ValueError(f"not a digest key: {digest.key}")
    return parsed.region


def _first_event_of_hour(digest: AuditDigest) -> tuple[int, str] | None:
    row = (
        AuditEvent.objects.filter(
            tenant_id=digest.tenant_id, event_time__gte=digest.start_time, event_time__lt=digest.end_time
        )
        .order_by("chain_entry__sequence")
        .values_list("chain_entry__sequence", "event_id")
        .first()
    )
    return (int(row[0]), str(row[1])) if row and row[0] is not None else None
