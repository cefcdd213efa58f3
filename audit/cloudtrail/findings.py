"""What the export validator reports: each problem found in a file, and the whole report."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class FindingKind(StrEnum):
    """What is wrong with a file."""

    HASH_MISMATCH = "hash_mismatch"  # content differs from the hash a digest recorded
    SIGNATURE_INVALID = "signature_invalid"  # signature missing, wrong, or not the one chained
    UNKNOWN_KEY = "unknown_key"  # the digest names a key fingerprint that is not published
    KEY_NOT_VALID = "key_not_valid"  # the key's validity period does not cover the digest
    PUBLIC_KEYS_INVALID = "public_keys_invalid"  # public-keys.json missing or an entry bad
    MOVED = "moved"  # the file is not where its digest says it was written
    MISSING_LOG = "missing_log"  # a digest lists a log file that is not there
    MISSING_DIGEST = "missing_digest"  # a digest chains to one that is not there (a gap)
    CHAIN_BREAK = "chain_break"  # the chain restarts or forks while older digests exist
    TRAILING_DATA = "trailing_data"  # bytes after the single gzip stream of a .json.gz
    MALFORMED = "malformed"  # not gzip, not JSON, or missing CloudTrail digest fields
    UNCOVERED = "uncovered"  # a file no digest accounts for


@dataclass(frozen=True)
class Finding:
    """One problem; `file` is the path relative to the export root (the S3 object key)."""

    file: str
    kind: FindingKind
    detail: str


@dataclass
class ValidationReport:
    """Everything found in one export, plus how many digests and log files checked out."""

    findings: list[Finding] = field(default_factory=list)
    digests_checked: int = 0
    digests_valid: int = 0
    logs_checked: int = 0
    logs_valid: int = 0

    @property
    def ok(self) -> bool:
        """True when nothing at all was found."""
        return not self.findings

    def summary(self) -> str:
        """Counts, one tab-separated line per finding, then the verdict."""
        lines = [
            f"Digest files: {self.digests_valid}/{self.digests_checked} valid",
            f"Log files: {self.logs_valid}/{self.logs_checked} valid",
        ]
        lines.extend(f"INVALID\t{item.kind}\t{item.file}\t{item.detail}" for item in self.findings)
        lines.append("Export is valid" if self.ok else f"Export is INVALID: {len(self.findings)} finding(s)")
        return "\n".join(lines)
