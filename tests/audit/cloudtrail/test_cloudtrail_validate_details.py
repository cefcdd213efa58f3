"""What the validator says about each problem: the file it names, the kind, and the detail a person reads."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from audit.cloudtrail.findings import FindingKind, ValidationReport
from audit.cloudtrail.validate import _floor_hour, main, validate_export
from tests.audit.cloudtrail.trail_helpers import BUCKET, START, Trail, write_gzip


def detailed(report: ValidationReport) -> set[tuple[FindingKind, str, str]]:
    return {(finding.kind, finding.file, finding.detail) for finding in report.findings}


def _rewrite(trail: Trail, index: int, **fields: object) -> str:
    key = trail.result.digest_keys[index]
    write_gzip(trail.path(key), json.dumps(trail.digest(index) | fields).encode())
    return key


def test_a_digest_signed_with_an_unsupported_algorithm_says_which(trail: Trail) -> None:
    key = _rewrite(trail, 2, digestSignatureAlgorithm="SHA1withDSA")

    assert (FindingKind.SIGNATURE_INVALID, key, "unsupported algorithm SHA1withDSA") in detailed(
        validate_export(trail.root)
    )


def test_a_digest_chaining_with_another_hash_algorithm_is_malformed(trail: Trail) -> None:
    key = _rewrite(trail, 2, previousDigestHashAlgorithm="MD5")

    assert (FindingKind.MALFORMED, key, "previousDigestHashAlgorithm is not SHA-256") in detailed(
        validate_export(trail.root)
    )


def test_a_digest_naming_an_unpublished_key_says_its_fingerprint(trail: Trail) -> None:
    key = _rewrite(trail, 1, digestPublicKeyFingerprint="0" * 32)

    assert (FindingKind.UNKNOWN_KEY, key, f"no published public key has fingerprint {'0' * 32}") in detailed(
        validate_export(trail.root)
    )


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (b"not json", "not JSON: Expecting value: line 1 column 1 (char 0)"),
        (b"[]", "not a JSON object"),
        (b'{"awsAccountId": 1}', "missing or mistyped fields: awsAccountId, digestStartTime"),
    ],
)
def test_a_digest_that_is_not_a_cloudtrail_digest_says_why(trail: Trail, content: bytes, detail: str) -> None:
    key = trail.result.digest_keys[3]
    write_gzip(trail.path(key), content)

    findings = [f for f in validate_export(trail.root).findings if f.file == key]

    assert [finding.kind for finding in findings] == [FindingKind.MALFORMED]
    assert findings[0].detail.startswith(detail)


def test_trailing_bytes_after_a_digest_are_counted(trail: Trail) -> None:
    key = trail.result.digest_keys[3]
    with trail.path(key).open("ab") as digest:
        digest.write(b"xyz")

    assert detailed(validate_export(trail.root)) == {(FindingKind.TRAILING_DATA, key, "3 bytes after the gzip stream")}


def test_a_missing_digest_names_the_one_that_chains_to_it(trail: Trail) -> None:
    missing, successor = trail.result.digest_keys[1], trail.result.digest_keys[2]
    trail.path(missing).unlink()
    trail.path(missing + ".sig").unlink()

    assert (FindingKind.MISSING_DIGEST, missing, f"{successor} chains to it, but it is not there") in detailed(
        validate_export(trail.root)
    )


def test_a_key_outside_its_validity_says_the_period_and_the_digest_end(trail: Trail) -> None:
    [entry] = json.loads(trail.path("public-keys.json").read_text())
    entry["ValidityStartTime"] = "2024-03-01T12:00:00Z"
    trail.path("public-keys.json").write_text(json.dumps([entry]))

    report = validate_export(trail.root)

    first = trail.result.digest_keys[0]
    [finding] = [f for f in report.findings if f.file == first]
    assert finding.detail == (
        f"key {entry['Fingerprint']} is valid from 2024-03-01T12:00:00Z until open, "
        f"the digest ends {trail.digest(0)['digestEndTime']}"
    )


def test_the_command_line_takes_a_range_a_bucket_and_trusted_keys(trail: Trail, tmp_path: Path) -> None:
    trusted = tmp_path / "trusted-keys.json"
    trusted.write_text(trail.path("public-keys.json").read_text())
    trail.path("public-keys.json").write_text("[]")  # the export's own copy is not the one trusted
    for outside in (0, 3):  # the digests of 09:00 and 12:00, before and after the range below
        trail.path(trail.result.digest_keys[outside]).unlink()
        trail.path(trail.result.digest_keys[outside] + ".sig").unlink()
    hour = START.hour
    trusting = [str(trail.root), "--public-keys", str(trusted)]
    in_range = ["--start", f"2024-03-01T{hour + 1}:00:00Z", "--end", f"2024-03-01T{hour + 3}:00:00Z"]

    assert main([*trusting, *in_range, "--bucket", BUCKET]) == 0
    assert main([*trusting, *in_range, "--bucket", "someone-elses"]) == 1
    assert main([*trusting, *in_range[:2], "--bucket", BUCKET]) == 1  # no end: the 12:00 digest is missing
    assert main([*trusting, "--bucket", BUCKET]) == 1
    assert main([str(trail.root), *in_range, "--bucket", BUCKET]) == 1  # the export's own (empty) key list


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (None, "no public-keys.json in the export"),
        ("{not json", "not JSON: "),
        ("{}", "not a list of keys"),
        ('[{"Fingerprint": "f"}]', "entry 0: "),
    ],
)
def test_a_bad_public_key_file_says_what_is_wrong(trail: Trail, content: str | None, detail: str) -> None:
    keys = trail.path("public-keys.json")
    if content is None:
        keys.unlink()
    else:
        keys.write_text(content)

    found = [f for f in validate_export(trail.root).findings if f.kind == FindingKind.PUBLIC_KEYS_INVALID]

    assert [finding.file for finding in found] == ["public-keys.json"]
    assert found[0].detail.startswith(detail)


def test_a_trusted_key_file_that_is_not_a_list_is_refused_and_named_as_the_trusted_keys(
    trail: Trail, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trusted = tmp_path / "trusted-keys.json"
    trusted.write_text('{"Fingerprint": "f"}')

    assert main([str(trail.root), "--public-keys", str(trusted)]) == 1

    assert "INVALID\tpublic_keys_invalid\t<trusted public keys>\tnot a list of keys" in capsys.readouterr().out


def test_a_log_entry_hashed_with_another_algorithm_is_malformed(trail: Trail) -> None:
    digest = trail.digest(0)
    log_key = digest["logFiles"][0]["s3Object"]
    digest["logFiles"][0]["hashAlgorithm"] = "MD5"
    key = _rewrite(trail, 0, logFiles=digest["logFiles"])

    assert (FindingKind.MALFORMED, key, f"{log_key}: hashAlgorithm is not SHA-256") in detailed(
        validate_export(trail.root)
    )


def test_a_log_entry_naming_another_bucket_is_moved(trail: Trail) -> None:
    digest = trail.digest(0)
    log_key = digest["logFiles"][0]["s3Object"]
    digest["logFiles"][0]["s3Bucket"] = "someone-elses"
    key = _rewrite(trail, 0, logFiles=digest["logFiles"])

    assert (FindingKind.MOVED, log_key, f"{key} lists it in bucket someone-elses") in detailed(
        validate_export(trail.root)
    )


def test_every_damaged_log_is_reported_with_its_hashes(trail: Trail) -> None:
    first, second = trail.result.log_keys[0], trail.result.log_keys[1]
    trail.path(first).write_bytes(b"not gzip")
    write_gzip(trail.path(second), b'{"Records": []}')

    report = validate_export(trail.root)

    malformed = [f for f in report.findings if f.kind == FindingKind.MALFORMED]
    assert [finding.file for finding in malformed] == [first]
    [mismatch] = [f for f in report.findings if f.kind == FindingKind.HASH_MISMATCH]
    expected = next(
        entry["hashValue"]
        for index in range(4)
        for entry in trail.digest(index)["logFiles"]
        if entry["s3Object"] == second
    )
    assert mismatch.file == second
    assert mismatch.detail.startswith("SHA-256 is ")
    assert mismatch.detail.endswith(f"recorded {expected}")


def test_a_file_no_digest_covers_says_so(trail: Trail) -> None:
    (trail.root / "notes.txt").write_text("hello")

    assert (FindingKind.UNCOVERED, "notes.txt", "no digest file covers it") in detailed(validate_export(trail.root))


# --- Findings that the mutation run showed nothing checked (make mutation) ----------------------


def _digest_files(trail: Trail) -> list[str]:
    return [
        key for index in range(4) for key in (trail.result.digest_keys[index], trail.result.digest_keys[index] + ".sig")
    ]


def test_an_export_without_any_digest_says_so(trail: Trail) -> None:
    for key in _digest_files(trail):
        trail.path(key).unlink()

    assert (FindingKind.MISSING_DIGEST, "AWSLogs", "no digest files found") in detailed(validate_export(trail.root))


def test_trusted_keys_may_come_as_any_sequence_of_entries(trail: Trail) -> None:
    entries = json.loads(trail.path("public-keys.json").read_text())
    trail.path("public-keys.json").write_text("[]")

    assert validate_export(trail.root, public_keys=tuple(entries)).findings == []


def test_the_digest_of_the_ranges_last_hour_is_due_from_the_moment_that_hour_ends(trail: Trail) -> None:
    newest = trail.digest(3)["digestEndTime"]
    end = START.replace(hour=START.hour + 5)  # an hour after the newest digest's end
    expected = (
        FindingKind.MISSING_DIGEST,
        trail.result.digest_keys[3].replace(newest.replace("-", "").replace(":", ""), "20240301T140000Z"),
        f"the range ends 2024-03-01T14:00:00Z, but the newest digest ends {newest}",
    )

    assert expected in detailed(validate_export(trail.root, end=end, now=end))
    assert validate_export(trail.root, end=end, now=end - timedelta(microseconds=1)).ok


def test_a_log_delivered_exactly_at_the_range_start_belongs_to_the_hour_before(trail: Trail) -> None:
    boundary = START.replace(hour=START.hour + 2)  # 11:00: the second hour's last file is named 11:00
    assert any("T1100Z_" in key for key in trail.result.log_keys)

    assert validate_export(trail.root, start=boundary).findings == []


def test_a_digest_under_another_bucket_says_where_it_was_written(trail: Trail) -> None:
    key = trail.result.digest_keys[0]

    assert (FindingKind.MOVED, key, f"written as s3://{BUCKET}/{key}") in detailed(
        validate_export(trail.root, bucket="another-bucket")
    )


def test_a_digest_that_starts_a_new_chain_midway_says_how_many_older_ones_exist(trail: Trail) -> None:
    key = _rewrite(trail, 2, previousDigestS3Object=None, previousDigestS3Bucket=None)

    assert (FindingKind.CHAIN_BREAK, key, "starts a new chain, but 2 older digest file(s) exist") in detailed(
        validate_export(trail.root)
    )


def test_two_digests_chaining_to_one_predecessor_name_the_second(trail: Trail) -> None:
    shared = trail.result.digest_keys[1]
    key = _rewrite(
        trail, 3, previousDigestS3Object=shared, previousDigestHashValue=trail.digest(2)["previousDigestHashValue"]
    )

    assert (
        FindingKind.CHAIN_BREAK,
        trail.result.digest_keys[2],
        f"chains to {shared}, which another digest already chains to",
    ) in detailed(validate_export(trail.root)), key


def test_a_changed_predecessor_says_both_hashes(trail: Trail) -> None:
    recorded = trail.digest(2)["previousDigestHashValue"]
    changed = json.dumps(trail.digest(1), indent=1).encode()
    write_gzip(trail.path(trail.result.digest_keys[1]), changed)

    assert (
        FindingKind.HASH_MISMATCH,
        trail.result.digest_keys[1],
        f"SHA-256 is {hashlib.sha256(changed).hexdigest()}, {trail.result.digest_keys[2]} recorded {recorded}",
    ) in detailed(validate_export(trail.root))


def test_a_predecessor_whose_signature_is_not_the_one_recorded_is_named(trail: Trail) -> None:
    key = _rewrite(trail, 2, previousDigestSignature="00" * 256)

    assert (
        FindingKind.SIGNATURE_INVALID,
        trail.result.digest_keys[1],
        f"signature is not the previousDigestSignature {key} recorded",
    ) in detailed(validate_export(trail.root))


def test_a_digest_found_by_its_hash_under_a_name_that_is_no_digest_is_reported_as_moved(trail: Trail) -> None:
    original = trail.result.digest_keys[1]
    trail.path(original).rename(trail.root / "stray-file.json.gz")
    trail.path(original + ".sig").unlink()

    assert (FindingKind.MOVED, "stray-file.json.gz", f"written as s3://{BUCKET}/{original}") in detailed(
        validate_export(trail.root)
    )


def test_an_unreadable_digest_or_log_says_why(trail: Trail) -> None:
    digest, log = trail.result.digest_keys[2], trail.result.log_keys[0]
    trail.path(digest).write_bytes(b"not gzip")
    trail.path(log).write_bytes(b"not gzip either")

    findings = detailed(validate_export(trail.root))

    for key in (digest, log):
        [detail] = [d for kind, file, d in findings if file == key and kind == FindingKind.MALFORMED]
        assert detail.startswith("cannot read as gzip: "), detail


def test_a_signature_file_with_bytes_that_are_not_ascii_is_an_invalid_signature_not_a_crash(trail: Trail) -> None:
    key = trail.result.digest_keys[2]
    trail.path(key + ".sig").write_bytes(b"\xff\xfe\x80 not hex")

    assert FindingKind.SIGNATURE_INVALID in {
        kind for kind, file, _ in detailed(validate_export(trail.root)) if file == key
    }


def test_a_key_whose_validity_ended_says_when(trail: Trail) -> None:
    [entry] = json.loads(trail.path("public-keys.json").read_text())
    entry["ValidityEndTime"] = "2024-03-01T10:00:00Z"
    trail.path("public-keys.json").write_text(json.dumps([entry]))

    last = trail.result.digest_keys[3]
    [finding] = [f for f in validate_export(trail.root).findings if f.file == last]
    assert finding.detail == (
        f"key {entry['Fingerprint']} is valid from {entry['ValidityStartTime']} until 2024-03-01T10:00:00Z, "
        f"the digest ends {trail.digest(3)['digestEndTime']}"
    )


def test_a_log_found_under_another_name_names_the_digest_that_lists_it(trail: Trail) -> None:
    original = trail.result.log_keys[0]
    lister = next(
        trail.result.digest_keys[index]
        for index in range(4)
        if any(entry["s3Object"] == original for entry in trail.digest(index)["logFiles"])
    )
    trail.path(original).rename(trail.root / "renamed-log.json.gz")

    assert (FindingKind.MOVED, "renamed-log.json.gz", f"{lister} lists it as {original}") in detailed(
        validate_export(trail.root)
    )


def test_a_signature_file_without_its_digest_is_not_covered(trail: Trail) -> None:
    key = trail.result.digest_keys[2]
    orphan = key.replace("T120000Z", "T123000Z") + ".sig"  # no digest of that name
    trail.path(orphan).write_text(trail.path(key + ".sig").read_text())

    assert orphan in {file for kind, file, _ in detailed(validate_export(trail.root)) if kind == FindingKind.UNCOVERED}


def test_hours_are_floored_in_utc_whatever_the_machines_time_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Kolkata")  # UTC+05:30: a half-hour offset shows a local floor
    time.tzset()
    try:
        assert _floor_hour(datetime(2024, 3, 1, 10, 30, 45, 123, tzinfo=UTC)) == datetime(2024, 3, 1, 10, tzinfo=UTC)
    finally:
        monkeypatch.undo()
        time.tzset()


def test_the_command_lines_help_documents_every_argument(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])

    output = capsys.readouterr().out
    assert "Validate a CloudTrail-layout audit export offline." in output.splitlines()
    shown = " ".join(output.split())
    for text in (
        "usage: python -m audit.cloudtrail.validate",
        "root export directory (the one holding AWSLogs/)",
        "--start START YYYY-MM-DDTHH:MM:SSZ, inclusive",
        "--end END YYYY-MM-DDTHH:MM:SSZ, exclusive",
        "--bucket BUCKET bucket name the digests must name",
        "--public-keys PUBLIC_KEYS trusted copy of the trail's public-keys.json to use instead of the export's own",
    ):
        assert text in shown
