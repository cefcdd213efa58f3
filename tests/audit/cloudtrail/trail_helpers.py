"""A small signed CloudTrail export on disk, and gzip helpers, for the CloudTrail tests."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from audit.cloudtrail.export import DigestRef, ExportResult, LocalDirectorySink, write_export
from audit.cloudtrail.records import format_event_time
from audit.cloudtrail.signing import KeyRing

START = datetime(2024, 3, 1, 9, tzinfo=UTC)
HOURS = 4
ACCOUNT_ID = "123456789012"
REGION = "eu-west-1"
BUCKET = "verity-audit-export"
MAX_RECORDS_PER_FILE = 7
# Seconds after START: a busy first hour with a burst that overflows one file, a second
# hour whose last record (10:59:30) lands in a file named 11:00, an empty third hour and a
# quiet fourth.
_OFFSETS = sorted(
    [
        *range(0, 3600, 150),
        *([1000] * 12),
        *range(3600, 7200, 400),
        7170,
        *range(3 * 3600, 4 * 3600, 900),
    ]
)


@dataclass(frozen=True)
class Trail:
    """An export written under `root`."""

    root: Path
    result: ExportResult
    records: list[dict[str, Any]]

    def path(self, key: str) -> Path:
        return self.root / key

    def digest(self, index: int) -> dict[str, Any]:
        return json.loads(read_single_gzip(self.path(self.result.digest_keys[index])))


def cloudtrail_record(moment: datetime, index: int) -> dict[str, Any]:
    """A record with DESIGN §9's fields."""
    return {
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "AssumedRole",
            "principalId": "AROAEXAMPLE:verity-worker",
            "arn": f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/verity-tenant-7/worker",
            "accountId": ACCOUNT_ID,
            "accessKeyId": "ASIAEXAMPLE",
            "userName": "tenant-7",
        },
        "eventTime": format_event_time(moment),
        "eventSource": "rekognition.amazonaws.com",
        "eventName": "SearchFacesByImage",
        "awsRegion": REGION,
        "sourceIPAddress": "198.51.100.7",
        "userAgent": "verity/1.0",
        "requestParameters": {"collectionId": "verity-tenant-7", "maxFaces": 5},
        "responseElements": {"faceMatches": index % 3, "note": "ünïcode"},
        "errorCode": None,
        "errorMessage": None,
        "requestID": f"req-{index:06d}",
        "eventID": f"evt-{index:06d}",
        "readOnly": True,
        "resources": [{"ARN": f"arn:aws:rekognition:{REGION}:{ACCOUNT_ID}:collection/verity-tenant-7"}],
        "eventType": "AwsApiCall",
        "managementEvent": False,
        "eventCategory": "Data",
        "recipientAccountId": ACCOUNT_ID,
    }


def default_records() -> list[dict[str, Any]]:
    return [cloudtrail_record(START + timedelta(seconds=offset), index) for index, offset in enumerate(_OFFSETS)]


def write_trail(
    root: Path,
    keyring: KeyRing,
    records: list[dict[str, Any]] | None = None,
    *,
    start: datetime = START,
    hours: int = HOURS,
    previous_digest: DigestRef | None = None,
) -> Trail:
    records = default_records() if records is None else records
    result = write_export(
        records,
        LocalDirectorySink(root),
        bucket=BUCKET,
        account_id=ACCOUNT_ID,
        region=REGION,
        keyring=keyring,
        start=start,
        end=start + timedelta(hours=hours),
        previous_digest=previous_digest,
        max_records_per_file=MAX_RECORDS_PER_FILE,
    )
    return Trail(root, result, records)


def read_single_gzip(path: Path) -> bytes:
    """Inflate a file that must be exactly one gzip stream with nothing after it."""
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    content = inflater.decompress(path.read_bytes()) + inflater.flush()
    assert inflater.eof, f"{path} is a truncated gzip stream"
    assert inflater.unused_data == b"", f"{path} has data after its gzip stream"
    return content


def write_gzip(path: Path, content: bytes) -> None:
    path.write_bytes(zlib.compress(content, 6, wbits=zlib.MAX_WBITS | 16))
