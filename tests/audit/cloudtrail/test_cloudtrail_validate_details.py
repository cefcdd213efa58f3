"""What the validator says about each problem: the file it names, the kind, and the detail a person reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit.cloudtrail.findings import FindingKind, ValidationReport
from audit.cloudtrail.validate import main, validate_export
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
