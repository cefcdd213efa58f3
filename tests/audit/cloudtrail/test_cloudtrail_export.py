"""The export: CloudTrail's layout, log files, digests, signatures, chaining, and CSV."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from audit.cloudtrail.csv_records import CSV_COLUMNS, write_csv
from audit.cloudtrail.export import LocalDirectorySink, write_export
from audit.cloudtrail.layout import parse_log_file_key
from audit.cloudtrail.records import parse_event_time
from audit.cloudtrail.signing import KeyRing
from audit.cloudtrail.validate import validate_export
from tests.audit.cloudtrail.trail_helpers import (
    ACCOUNT_ID,
    BUCKET,
    HOURS,
    MAX_RECORDS_PER_FILE,
    REGION,
    START,
    Trail,
    cloudtrail_record,
    default_records,
    read_single_gzip,
    write_trail,
)

LOG_KEY = re.compile(
    rf"AWSLogs/{ACCOUNT_ID}/CloudTrail/{REGION}/(\d{{4}})/(\d{{2}})/(\d{{2}})/"
    rf"{ACCOUNT_ID}_CloudTrail_{REGION}_(\d{{4}})(\d{{2}})(\d{{2}})T\d{{4}}Z_[A-Za-z0-9]{{16}}\.json\.gz"
)
DIGEST_KEY = re.compile(
    rf"AWSLogs/{ACCOUNT_ID}/CloudTrail-Digest/{REGION}/(\d{{4}})/(\d{{2}})/(\d{{2}})/"
    rf"{ACCOUNT_ID}_CloudTrail-Digest_{REGION}_verity_{REGION}_(\d{{4}})(\d{{2}})(\d{{2}})T\d{{6}}Z\.json\.gz"
)
DIGEST_FIELDS = {
    "awsAccountId",
    "digestStartTime",
    "digestEndTime",
    "digestS3Bucket",
    "digestS3Object",
    "digestPublicKeyFingerprint",
    "digestSignatureAlgorithm",
    "newestEventTime",
    "oldestEventTime",
    "previousDigestS3Bucket",
    "previousDigestS3Object",
    "previousDigestHashValue",
    "previousDigestHashAlgorithm",
    "previousDigestSignature",
    "logFiles",
}
LOG_ENTRY_FIELDS = {"s3Bucket", "s3Object", "hashValue", "hashAlgorithm", "newestEventTime", "oldestEventTime"}


def files_under(root: Path) -> set[str]:
    return {path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()}


def test_export_then_validate_round_trip_is_valid(trail: Trail) -> None:
    report = validate_export(trail.root, bucket=BUCKET)

    assert report.findings == []
    assert report.ok
    assert report.digests_checked == report.digests_valid == HOURS
    assert report.logs_checked == report.logs_valid == len(trail.result.log_keys)
    assert trail.result.record_count == len(trail.records)


def test_every_file_is_named_as_cloudtrail_names_it(trail: Trail) -> None:
    files = files_under(trail.root)
    logs = {key for key in files if LOG_KEY.fullmatch(key)}
    digests = {key for key in files if DIGEST_KEY.fullmatch(key)}

    assert logs == set(trail.result.log_keys)
    assert digests == set(trail.result.digest_keys)
    assert files == logs | digests | {f"{key}.sig" for key in digests} | {"public-keys.json"}
    for key in logs | digests:
        match = LOG_KEY.fullmatch(key) or DIGEST_KEY.fullmatch(key)
        assert match is not None
        assert match.groups()[:3] == match.groups()[3:6], "date folder is the name's date"


def test_log_files_are_one_gzip_stream_of_the_records_in_order(trail: Trail) -> None:
    exported = []
    for key in trail.result.log_keys:
        document = json.loads(read_single_gzip(trail.path(key)))
        assert list(document) == ["Records"]
        assert 0 < len(document["Records"]) <= MAX_RECORDS_PER_FILE
        exported.extend(document["Records"])

    assert exported == trail.records


def test_log_file_name_is_its_newest_record_rounded_up_to_the_minute(trail: Trail) -> None:
    for key in trail.result.log_keys:
        newest = max(
            parse_event_time(record["eventTime"]) for record in json.loads(read_single_gzip(trail.path(key)))["Records"]
        )
        parsed = parse_log_file_key(key)
        assert parsed is not None
        assert newest <= parsed.delivered_at < newest + timedelta(minutes=1)


def test_digests_have_exactly_cloudtrails_fields_and_hash_the_uncompressed_logs(trail: Trail) -> None:
    listed = []
    for index, key in enumerate(trail.result.digest_keys):
        digest = trail.digest(index)
        assert set(digest) == DIGEST_FIELDS
        assert digest["awsAccountId"] == ACCOUNT_ID
        assert digest["digestStartTime"] == f"2024-03-01T{9 + index:02d}:00:00Z"
        assert digest["digestEndTime"] == f"2024-03-01T{10 + index:02d}:00:00Z"
        assert (digest["digestS3Bucket"], digest["digestS3Object"]) == (BUCKET, key)
        assert digest["digestSignatureAlgorithm"] == "SHA256withRSA"
        for entry in digest["logFiles"]:
            assert set(entry) == LOG_ENTRY_FIELDS
            assert entry["s3Bucket"] == BUCKET
            assert entry["hashAlgorithm"] == "SHA-256"
            assert entry["hashValue"] == hashlib.sha256(read_single_gzip(trail.path(entry["s3Object"]))).hexdigest()
            assert digest["oldestEventTime"] <= entry["oldestEventTime"] <= entry["newestEventTime"]
            assert entry["newestEventTime"] <= digest["newestEventTime"] < digest["digestEndTime"]
            listed.append(entry["s3Object"])

    assert listed == list(trail.result.log_keys)


def test_first_digest_has_null_previous_fields_and_each_later_one_chains_to_its_predecessor(trail: Trail) -> None:
    first = trail.digest(0)
    assert [first[name] for name in sorted(DIGEST_FIELDS) if name.startswith("previous")] == [None] * 5

    for index in range(1, HOURS):
        digest, previous_key = trail.digest(index), trail.result.digest_keys[index - 1]
        assert digest["previousDigestS3Bucket"] == BUCKET
        assert digest["previousDigestS3Object"] == previous_key
        assert digest["previousDigestHashAlgorithm"] == "SHA-256"
        assert (
            digest["previousDigestHashValue"] == hashlib.sha256(read_single_gzip(trail.path(previous_key))).hexdigest()
        )
        assert digest["previousDigestSignature"] == trail.path(previous_key + ".sig").read_text()


def test_an_hour_without_records_still_gets_a_digest(trail: Trail) -> None:
    empty_hour = trail.digest(2)

    assert empty_hour["logFiles"] == []
    assert empty_hour["newestEventTime"] is None
    assert empty_hour["oldestEventTime"] is None
    assert empty_hour["previousDigestS3Object"] == trail.result.digest_keys[1]


def test_last_record_of_an_hour_goes_in_that_hours_digest_even_if_its_file_is_named_on_the_hour(trail: Trail) -> None:
    last_file = trail.digest(1)["logFiles"][-1]

    assert last_file["newestEventTime"] == "2024-03-01T10:59:30Z"
    assert "_20240301T1100Z_" in last_file["s3Object"]


def test_signatures_verify_against_the_string_to_sign_built_from_the_file_bytes(trail: Trail) -> None:
    [published] = json.loads(trail.path("public-keys.json").read_text())
    der = base64.b64decode(published["Value"])
    public_key = serialization.load_der_public_key(der)
    assert isinstance(public_key, rsa.RSAPublicKey)
    assert published["Fingerprint"] == hashlib.md5(der, usedforsecurity=False).hexdigest()

    previous_signature = "null"
    for key in trail.result.digest_keys:
        content = read_single_gzip(trail.path(key))
        digest = json.loads(content)
        string_to_sign = "\n".join(
            [digest["digestEndTime"], f"{BUCKET}/{key}", hashlib.sha256(content).hexdigest(), previous_signature]
        )
        signature = trail.path(key + ".sig").read_text()
        assert digest["digestPublicKeyFingerprint"] == published["Fingerprint"]
        public_key.verify(bytes.fromhex(signature), string_to_sign.encode(), padding.PKCS1v15(), hashes.SHA256())
        previous_signature = signature


def test_key_rotation_mid_export_still_validates_with_both_keys_published(tmp_path: Path) -> None:
    ring = KeyRing.generate(valid_from=START)
    old = ring.active
    new = ring.rotate(at=START + timedelta(hours=2))

    trail = write_trail(tmp_path, ring)

    fingerprints = [trail.digest(index)["digestPublicKeyFingerprint"] for index in range(HOURS)]
    assert fingerprints == [old.fingerprint, new.fingerprint, new.fingerprint, new.fingerprint]
    published = {entry["Fingerprint"] for entry in json.loads((tmp_path / "public-keys.json").read_text())}
    assert published == {old.fingerprint, new.fingerprint}
    assert validate_export(tmp_path).findings == []


def test_a_later_export_continues_the_chain(tmp_path: Path, keyring: KeyRing) -> None:
    records = default_records()
    split = START + timedelta(hours=2)
    first = write_trail(tmp_path, keyring, [r for r in records if parse_event_time(r["eventTime"]) < split], hours=2)

    second = write_trail(
        tmp_path,
        keyring,
        [r for r in records if parse_event_time(r["eventTime"]) >= split],
        start=split,
        hours=2,
        previous_digest=first.result.last_digest,
    )

    assert second.digest(0)["previousDigestS3Object"] == first.result.digest_keys[-1]
    report = validate_export(tmp_path)
    assert report.findings == []
    assert report.digests_valid == HOURS


def test_a_busy_five_minutes_is_split_across_files(trail: Trail) -> None:
    slot = [
        entry
        for entry in trail.digest(0)["logFiles"]
        if "2024-03-01T09:15:00Z" <= entry["oldestEventTime"] <= entry["newestEventTime"] < "2024-03-01T09:20:00Z"
    ]

    assert len(slot) == 2


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ([cloudtrail_record(START + timedelta(minutes=5), 0), cloudtrail_record(START, 1)], "out of eventTime order"),
        ([cloudtrail_record(START - timedelta(seconds=1), 0)], "before the export start"),
        ([cloudtrail_record(START + timedelta(hours=HOURS), 0)], "not before the export end"),
        ([{**cloudtrail_record(START, 0), "eventTime": "2024-03-01 09:00:00"}], "not YYYY-MM-DDTHH:MM:SSZ"),
        ([{**cloudtrail_record(START, 0), "eventTime": ""}], "not YYYY-MM-DDTHH:MM:SSZ"),
        ([{**cloudtrail_record(START, 0), "eventTime": None}], "not YYYY-MM-DDTHH:MM:SSZ"),
        ([{"eventName": "NoTime"}], "has no eventTime"),
    ],
)
def test_export_refuses_records_it_cannot_place(
    tmp_path: Path, keyring: KeyRing, records: list[dict[str, object]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        write_trail(tmp_path, keyring, records)


def test_export_period_must_be_whole_hours(tmp_path: Path, keyring: KeyRing) -> None:
    with pytest.raises(ValueError, match="whole hours"):
        write_export(
            [],
            LocalDirectorySink(tmp_path),
            bucket=BUCKET,
            account_id=ACCOUNT_ID,
            region=REGION,
            keyring=keyring,
            start=START + timedelta(minutes=30),
            end=START + timedelta(hours=2),
        )


@pytest.mark.parametrize("key", ["../outside", "/etc/passwd", "a//b", "a/./b", "a\\b", ""])
def test_local_directory_sink_refuses_keys_outside_its_root(tmp_path: Path, key: str) -> None:
    with pytest.raises(ValueError, match="not a relative object key"):
        LocalDirectorySink(tmp_path / "root").put(key, b"x")


def test_csv_has_one_row_per_event_with_dotted_identity_and_json_nested_values() -> None:
    record = {
        **cloudtrail_record(START, 1),
        "userIdentity": {**cloudtrail_record(START, 1)["userIdentity"], "sessionContext": {"mfa": False}},
        "additionalEventData": {"bytesTransferredIn": 0},
    }
    out = io.StringIO(newline="")

    rows = write_csv([record, cloudtrail_record(START, 2)], out)

    parsed = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert rows == len(parsed) == 2
    assert list(parsed[0]) == list(CSV_COLUMNS)
    row = parsed[0]
    assert row["userIdentity.arn"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/verity-tenant-7/worker"
    assert row["requestParameters"] == '{"collectionId":"verity-tenant-7","maxFaces":5}'
    assert row["responseElements"] == '{"faceMatches":1,"note":"ünïcode"}'
    assert row["readOnly"] == "true"
    assert row["errorCode"] == ""
    assert json.loads(row["otherFields"]) == {
        "userIdentity.sessionContext": {"mfa": False},
        "additionalEventData": {"bytesTransferredIn": 0},
    }
    assert parsed[1]["otherFields"] == ""


def test_csv_defuses_values_a_spreadsheet_would_run_as_formulas() -> None:
    out = io.StringIO(newline="")

    write_csv([{**cloudtrail_record(START, 1), "userAgent": '=HYPERLINK("http://evil")'}], out)

    [row] = csv.DictReader(io.StringIO(out.getvalue(), newline=""))
    assert row["userAgent"] == '\'=HYPERLINK("http://evil")'
