"""The offline validator: a clean export passes, and each kind of tampering is reported."""

from __future__ import annotations

import json
import zlib
from datetime import timedelta
from pathlib import Path

import pytest

from audit.cloudtrail.findings import FindingKind, ValidationReport
from audit.cloudtrail.layout import log_file_key
from audit.cloudtrail.signing import KeyRing
from audit.cloudtrail.validate import main, validate_export
from tests.audit.cloudtrail.trail_helpers import (
    ACCOUNT_ID,
    BUCKET,
    REGION,
    START,
    Trail,
    default_records,
    read_single_gzip,
    write_gzip,
    write_trail,
)


def found(report: ValidationReport) -> set[tuple[FindingKind, str]]:
    return {(finding.kind, finding.file) for finding in report.findings}


def test_an_untouched_export_is_valid(trail: Trail, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(trail.root), "--bucket", BUCKET]) == 0

    output = capsys.readouterr().out
    assert "Digest files: 4/4 valid" in output
    assert output.rstrip().endswith("Export is valid")


def test_a_changed_byte_in_a_log_file_is_a_hash_mismatch(trail: Trail) -> None:
    log = trail.path(trail.result.log_keys[3])
    content = bytearray(read_single_gzip(log))
    content[content.index(b"SearchFacesByImage")] = ord("s")
    write_gzip(log, bytes(content))

    report = validate_export(trail.root)

    assert found(report) == {(FindingKind.HASH_MISMATCH, trail.result.log_keys[3])}
    assert report.logs_valid == report.logs_checked - 1
    assert report.digests_valid == report.digests_checked


def test_a_flipped_byte_in_the_compressed_log_is_reported(trail: Trail) -> None:
    log = trail.path(trail.result.log_keys[0])
    data = bytearray(log.read_bytes())
    data[len(data) // 2] ^= 0xFF
    log.write_bytes(bytes(data))

    [finding] = validate_export(trail.root).findings

    assert finding.file == trail.result.log_keys[0]
    assert finding.kind in {FindingKind.MALFORMED, FindingKind.HASH_MISMATCH}


def test_a_deleted_log_file_is_missing(trail: Trail) -> None:
    trail.path(trail.result.log_keys[5]).unlink()

    report = validate_export(trail.root)

    assert found(report) == {(FindingKind.MISSING_LOG, trail.result.log_keys[5])}
    assert trail.result.digest_keys[0] in report.findings[0].detail


def test_an_edited_digest_fails_its_signature_and_its_successors_hash(trail: Trail) -> None:
    key = trail.result.digest_keys[1]
    digest = trail.digest(1)
    digest["logFiles"][0]["hashValue"] = "0" * 64
    write_gzip(trail.path(key), json.dumps(digest).encode())

    report = validate_export(trail.root)

    assert found(report) == {
        (FindingKind.SIGNATURE_INVALID, key),
        (FindingKind.HASH_MISMATCH, key),  # the next digest's previousDigestHashValue
        (FindingKind.HASH_MISMATCH, digest["logFiles"][0]["s3Object"]),
    }


def test_a_swapped_public_key_file_leaves_every_digest_unverifiable(trail: Trail) -> None:
    other = KeyRing.generate(valid_from=START - timedelta(days=1))
    trail.path("public-keys.json").write_text(json.dumps(other.public_keys_json()))

    report = validate_export(trail.root)

    assert found(report) == {(FindingKind.UNKNOWN_KEY, key) for key in trail.result.digest_keys}
    assert report.digests_valid == 0


def test_a_swapped_key_value_under_the_original_fingerprint_is_refused(trail: Trail) -> None:
    [entry] = json.loads(trail.path("public-keys.json").read_text())
    entry["Value"] = KeyRing.generate(valid_from=START).public_keys_json()[0]["Value"]
    trail.path("public-keys.json").write_text(json.dumps([entry]))

    report = validate_export(trail.root)

    assert (FindingKind.PUBLIC_KEYS_INVALID, "public-keys.json") in found(report)
    assert {kind for kind, _ in found(report)} == {FindingKind.PUBLIC_KEYS_INVALID, FindingKind.UNKNOWN_KEY}


def test_a_missing_public_key_file_is_reported(trail: Trail) -> None:
    trail.path("public-keys.json").unlink()

    assert (FindingKind.PUBLIC_KEYS_INVALID, "public-keys.json") in found(validate_export(trail.root))


def test_a_forgery_resigned_with_the_attackers_key_fails_against_trusted_keys(trail: Trail, keyring: KeyRing) -> None:
    attacker = KeyRing.generate(valid_from=START - timedelta(days=1))
    records = default_records()
    records[0]["eventName"] = "Forged"
    forged_root = trail.root.parent / "forged"
    write_trail(forged_root, attacker, records)

    assert validate_export(forged_root).ok, "the forgery is self-consistent"
    report = validate_export(forged_root, public_keys=keyring.public_keys_json())
    assert {kind for kind, _ in found(report)} == {FindingKind.UNKNOWN_KEY}


def test_a_key_used_outside_its_published_validity_is_reported(trail: Trail) -> None:
    [entry] = json.loads(trail.path("public-keys.json").read_text())
    entry["ValidityStartTime"] = "2024-03-01T12:00:00Z"
    trail.path("public-keys.json").write_text(json.dumps([entry]))

    report = validate_export(trail.root)

    assert found(report) == {(FindingKind.KEY_NOT_VALID, key) for key in trail.result.digest_keys[:2]}


def test_a_missing_or_wrong_signature_file_is_reported(trail: Trail) -> None:
    first, second = trail.result.digest_keys[:2]
    trail.path(first + ".sig").unlink()
    signature = trail.path(second + ".sig")
    signature.write_text(signature.read_text()[:-2] + "00")

    report = validate_export(trail.root)

    assert found(report) == {(FindingKind.SIGNATURE_INVALID, first), (FindingKind.SIGNATURE_INVALID, second)}
    details = " ".join(finding.detail for finding in report.findings)
    assert "no signature file" in details
    assert "does not verify" in details
    assert "previousDigestSignature" in details


@pytest.mark.parametrize("extra", [b"\x00" * 8, b"trailing garbage", zlib.compress(b'{"Records":[]}', wbits=31)])
def test_anything_after_the_gzip_stream_of_a_log_is_trailing_data(trail: Trail, extra: bytes) -> None:
    key = trail.result.log_keys[2]
    with trail.path(key).open("ab") as log:
        log.write(extra)

    report = validate_export(trail.root)

    assert found(report) == {(FindingKind.TRAILING_DATA, key)}
    assert f"{len(extra)} bytes" in report.findings[0].detail


def test_anything_after_the_gzip_stream_of_a_digest_is_trailing_data(trail: Trail) -> None:
    key = trail.result.digest_keys[3]
    with trail.path(key).open("ab") as digest:
        digest.write(b"x")

    assert found(validate_export(trail.root)) == {(FindingKind.TRAILING_DATA, key)}


def test_a_deleted_digest_in_the_middle_is_a_gap_and_its_logs_are_uncovered(trail: Trail) -> None:
    key = trail.result.digest_keys[1]
    listed = [entry["s3Object"] for entry in trail.digest(1)["logFiles"]]
    trail.path(key).unlink()
    trail.path(key + ".sig").unlink()

    report = validate_export(trail.root)

    assert found(report) == {(FindingKind.MISSING_DIGEST, key)} | {(FindingKind.UNCOVERED, log) for log in listed}
    assert report.digests_checked == report.digests_valid == 3


def test_a_moved_log_file_is_reported_where_it_now_is(trail: Trail) -> None:
    original = trail.result.log_keys[4]
    moved = original.replace("/2024/03/01/", "/2024/03/02/")
    trail.path(moved).parent.mkdir(parents=True)
    trail.path(original).rename(trail.path(moved))

    report = validate_export(trail.root)

    assert found(report) == {(FindingKind.MOVED, moved)}
    assert original in report.findings[0].detail


def test_a_moved_digest_is_reported_and_the_chain_still_followed(trail: Trail) -> None:
    original = trail.result.digest_keys[1]
    moved = original.replace("T110000Z", "T113000Z")
    trail.path(original).rename(trail.path(moved))
    trail.path(original + ".sig").rename(trail.path(moved + ".sig"))

    report = validate_export(trail.root)

    assert found(report) == {(FindingKind.MOVED, moved)}
    assert report.digests_checked == 4
    assert report.logs_valid == report.logs_checked


def test_a_log_file_no_digest_lists_is_uncovered(trail: Trail) -> None:
    key = log_file_key(account_id=ACCOUNT_ID, region=REGION, newest_event_time=START + timedelta(minutes=7))
    write_gzip(trail.path(key), b'{"Records":[]}')
    trail.path("notes.txt").write_text("hello")

    assert found(validate_export(trail.root)) == {(FindingKind.UNCOVERED, key), (FindingKind.UNCOVERED, "notes.txt")}


def test_a_digest_that_is_not_gzip_is_malformed(trail: Trail) -> None:
    key = trail.result.digest_keys[3]
    trail.path(key).write_bytes(b"{}")

    assert (FindingKind.MALFORMED, key) in found(validate_export(trail.root))


def test_a_new_chain_next_to_an_older_one_is_a_chain_break(trail: Trail, keyring: KeyRing) -> None:
    later = START + timedelta(hours=4)
    restarted = write_trail(trail.root, keyring, [], start=later, hours=1)

    report = validate_export(trail.root)

    assert found(report) == {(FindingKind.CHAIN_BREAK, restarted.result.digest_keys[0])}


def test_an_export_without_digests_is_not_valid(tmp_path: Path) -> None:
    assert found(validate_export(tmp_path)) == {
        (FindingKind.PUBLIC_KEYS_INVALID, "public-keys.json"),
        (FindingKind.MISSING_DIGEST, "AWSLogs"),
    }


def test_a_time_range_checks_only_the_hours_it_overlaps(trail: Trail) -> None:
    trail.path(trail.result.digest_keys[0]).unlink()

    whole = validate_export(trail.root)
    later_hours = validate_export(trail.root, start=START + timedelta(hours=1), end=START + timedelta(hours=3))

    assert FindingKind.MISSING_DIGEST in {finding.kind for finding in whole.findings}
    assert later_hours.findings == []
    assert later_hours.digests_checked == 2


def test_the_command_line_reports_findings_and_fails(trail: Trail, capsys: pytest.CaptureFixture[str]) -> None:
    trail.path(trail.result.log_keys[0]).unlink()

    assert main([str(trail.root), "--start", "2024-03-01T09:00:00Z"]) == 1

    output = capsys.readouterr().out
    assert f"INVALID\tmissing_log\t{trail.result.log_keys[0]}\t" in output
    assert "Export is INVALID: 1 finding(s)" in output


def test_every_finding_kind_is_exercised_by_this_module() -> None:
    source = Path(__file__).read_text()

    assert all(f"FindingKind.{kind.name}" in source for kind in FindingKind)


def _delete_newest_hour(trail: Trail) -> str:
    newest = trail.result.digest_keys[-1]
    for log in trail.digest(len(trail.result.digest_keys) - 1)["logFiles"]:
        trail.path(log["s3Object"]).unlink()
    trail.path(newest).unlink()
    trail.path(newest + ".sig").unlink(missing_ok=True)
    return newest


def test_an_explicit_end_requires_the_digest_of_its_completed_hour(trail: Trail) -> None:
    newest = _delete_newest_hour(trail)

    report = validate_export(trail.root, end=START + timedelta(hours=4))

    assert found(report) == {(FindingKind.MISSING_DIGEST, newest)}


def test_an_end_inside_an_hour_requires_that_hour_s_digest(trail: Trail) -> None:
    newest = _delete_newest_hour(trail)

    report = validate_export(trail.root, end=START + timedelta(hours=3, minutes=30))

    assert found(report) == {(FindingKind.MISSING_DIGEST, newest)}


def test_the_digest_of_an_hour_not_over_yet_is_not_required(trail: Trail) -> None:
    _delete_newest_hour(trail)

    report = validate_export(trail.root, end=START + timedelta(hours=4), now=START + timedelta(hours=3, minutes=59))

    assert report.ok, report.summary()


def test_without_an_end_the_newest_digest_present_ends_the_chain(trail: Trail) -> None:
    _delete_newest_hour(trail)

    assert validate_export(trail.root).ok
