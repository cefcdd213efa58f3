"""Benchmark the CloudTrail audit export and its offline validator on synthetic records.

Run from the project root:

    .venv/bin/python -m bench.bench_audit_export --records 1000000

Targets on the 2-core reference machine: export 1,000,000 records in at most 60 s and
validate them in at most 30 s. Records are generated lazily, so the export time includes
generating them; the generation time alone is printed first so it can be subtracted.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from audit.cloudtrail.export import DEFAULT_COMPRESSLEVEL, MAX_RECORDS_PER_FILE, LocalDirectorySink, write_export
from audit.cloudtrail.records import format_event_time
from audit.cloudtrail.signing import KeyRing
from audit.cloudtrail.validate import validate_export

ACCOUNT_ID = "123456789012"
REGION = "eu-west-1"
START = datetime(2024, 1, 1, tzinfo=UTC)
_OPERATIONS = (
    ("rekognition.amazonaws.com", "SearchFacesByImage", True, "Data"),
    ("rekognition.amazonaws.com", "IndexFaces", False, "Data"),
    ("rekognition.amazonaws.com", "DetectModerationLabels", True, "Data"),
    ("kms.amazonaws.com", "GenerateDataKey", True, "Management"),
    ("s3.amazonaws.com", "PutObject", False, "Data"),
    ("verity.api", "CreateVerification", False, "Management"),
)


def synthetic_records(count: int, hours: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """CloudTrail-shaped records (DESIGN §9 fields), spread evenly over `hours` from START."""
    rng = random.Random(seed)
    span = hours * 3600
    last_second = -1
    event_time = ""
    for index in range(count):
        second = index * span // count
        if second != last_second:
            event_time = format_event_time(START + timedelta(seconds=second))
            last_second = second
        source, name, read_only, category = _OPERATIONS[index % len(_OPERATIONS)]
        tenant = rng.randrange(200)
        failed = rng.random() < 0.02
        yield {
            "eventVersion": "1.09",
            "userIdentity": {
                "type": "AssumedRole",
                "principalId": f"AROA{tenant:016d}:verity-worker",
                "arn": f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/verity-tenant-{tenant}/worker",
                "accountId": ACCOUNT_ID,
                "accessKeyId": f"ASIA{rng.getrandbits(64):016X}",
                "userName": f"tenant-{tenant}",
            },
            "eventTime": event_time,
            "eventSource": source,
            "eventName": name,
            "awsRegion": REGION,
            "sourceIPAddress": f"198.51.100.{rng.randrange(256)}",
            "userAgent": "verity/1.4.2 boto3/1.34.0 Python/3.11.7",
            "requestParameters": {
                "collectionId": f"verity-tenant-{tenant}-shard-{index % 8}",
                "maxFaces": 5,
                "faceMatchThreshold": 95,
                "image": {"s3Object": {"bucket": "verity-uploads", "name": f"t{tenant}/sub_{index:010d}.jpg"}},
            },
            "responseElements": None if failed else {"faceMatches": rng.randrange(3), "faceModelVersion": "7.0"},
            "errorCode": "ThrottlingException" if failed else None,
            "errorMessage": "Rate exceeded" if failed else None,
            "requestID": f"{rng.getrandbits(128):032x}",
            "eventID": f"{rng.getrandbits(128):032x}",
            "readOnly": read_only,
            "resources": [
                {
                    "ARN": f"arn:aws:rekognition:{REGION}:{ACCOUNT_ID}:collection/verity-tenant-{tenant}",
                    "accountId": ACCOUNT_ID,
                    "type": "AWS::Rekognition::Collection",
                }
            ],
            "eventType": "AwsApiCall",
            "managementEvent": category == "Management",
            "eventCategory": category,
            "recipientAccountId": ACCOUNT_ID,
        }


def main(argv: Sequence[str] | None = None) -> int:
    """Generate, export and validate; print seconds for each step. Exit 1 if the export is invalid."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--hours", type=int, default=24, help="period the records are spread over")
    parser.add_argument("--compresslevel", type=int, default=DEFAULT_COMPRESSLEVEL)
    parser.add_argument("--max-records-per-file", type=int, default=MAX_RECORDS_PER_FILE)
    parser.add_argument("--keep", type=Path, help="write the export here and keep it (default: a temp dir)")
    args = parser.parse_args(argv)

    began = time.perf_counter()
    for _ in synthetic_records(args.records, args.hours):
        pass
    print(f"generate {args.records:,} records (not exported): {time.perf_counter() - began:.1f} s")

    with tempfile.TemporaryDirectory(prefix="bench-audit-") as scratch:
        root = args.keep or Path(scratch)
        keyring = KeyRing.generate(valid_from=START)
        began, began_cpu = time.perf_counter(), time.process_time()
        result = write_export(
            synthetic_records(args.records, args.hours),
            LocalDirectorySink(root),
            bucket="verity-audit-export",
            account_id=ACCOUNT_ID,
            region=REGION,
            keyring=keyring,
            start=START,
            end=START + timedelta(hours=args.hours),
            max_records_per_file=args.max_records_per_file,
            compresslevel=args.compresslevel,
        )
        exported, exported_cpu = time.perf_counter() - began, time.process_time() - began_cpu
        size = sum(path.stat().st_size for path in root.rglob("*") if path.is_file())
        print(
            f"export (including generation): {exported:.1f} s ({exported_cpu:.1f} s CPU) — "
            f"{len(result.log_keys)} log files, {len(result.digest_keys)} digests, {size / 1e6:.1f} MB on disk"
        )

        began, began_cpu = time.perf_counter(), time.process_time()
        report = validate_export(root)
        print(f"validate: {time.perf_counter() - began:.1f} s ({time.process_time() - began_cpu:.1f} s CPU)")
        print(report.summary())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak_mb:.0f} MB")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
