"""CloudTrail's object key names, built and parsed."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from audit.cloudtrail.layout import (
    DigestFileKey,
    LogFileKey,
    digest_file_key,
    log_file_key,
    parse_digest_file_key,
    parse_log_file_key,
)

# Written from CloudTrail's documentation, independently of the module's own patterns.
AWS_LOG_KEY = re.compile(
    r"AWSLogs/\d{12}/CloudTrail/[a-z0-9-]+/\d{4}/\d{2}/\d{2}/\d{12}_CloudTrail_[a-z0-9-]+_\d{8}T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz"
)
AWS_DIGEST_KEY = re.compile(
    r"AWSLogs/\d{12}/CloudTrail-Digest/[a-z0-9-]+/\d{4}/\d{2}/\d{2}/"
    r"\d{12}_CloudTrail-Digest_[a-z0-9-]+_[A-Za-z0-9._-]+_[a-z0-9-]+_\d{8}T\d{6}Z\.json\.gz"
)


def test_log_file_key_has_cloudtrails_shape() -> None:
    key = log_file_key(
        account_id="123456789012", region="eu-west-1", newest_event_time=datetime(2024, 3, 1, 9, 4, 59, tzinfo=UTC)
    )

    assert AWS_LOG_KEY.fullmatch(key)
    assert key.startswith(
        "AWSLogs/123456789012/CloudTrail/eu-west-1/2024/03/01/123456789012_CloudTrail_eu-west-1_20240301T0905Z_"
    )


@pytest.mark.parametrize(
    ("newest", "expected_path"),
    [
        (datetime(2024, 3, 1, 9, 5, 0, tzinfo=UTC), "2024/03/01/123456789012_CloudTrail_eu-west-1_20240301T0905Z_"),
        (datetime(2024, 3, 1, 9, 5, 0, 1, tzinfo=UTC), "2024/03/01/123456789012_CloudTrail_eu-west-1_20240301T0906Z_"),
        (datetime(2024, 2, 29, 23, 59, 30, tzinfo=UTC), "2024/03/01/123456789012_CloudTrail_eu-west-1_20240301T0000Z_"),
    ],
)
def test_log_file_name_time_is_the_newest_record_rounded_up_to_the_minute(newest: datetime, expected_path: str) -> None:
    key = log_file_key(account_id="123456789012", region="eu-west-1", newest_event_time=newest)

    assert expected_path in key


def test_log_file_key_parses_back() -> None:
    key = log_file_key(
        account_id="123456789012",
        region="us-gov-west-1",
        newest_event_time=datetime(2024, 3, 1, 9, 4, 1, tzinfo=UTC),
        unique="Mu0KsOhtH1ar15ZZ",
    )

    assert parse_log_file_key(key) == LogFileKey(
        "123456789012", "us-gov-west-1", datetime(2024, 3, 1, 9, 5, tzinfo=UTC), "Mu0KsOhtH1ar15ZZ"
    )


def test_digest_file_key_is_exactly_cloudtrails_name_for_the_verity_trail() -> None:
    key = digest_file_key(
        account_id="123456789012", region="eu-west-1", digest_end_time=datetime(2024, 3, 2, 0, 0, tzinfo=UTC)
    )

    assert key == (
        "AWSLogs/123456789012/CloudTrail-Digest/eu-west-1/2024/03/02/"
        "123456789012_CloudTrail-Digest_eu-west-1_verity_eu-west-1_20240302T000000Z.json.gz"
    )
    assert AWS_DIGEST_KEY.fullmatch(key)
    assert parse_digest_file_key(key) == DigestFileKey(
        "123456789012", "eu-west-1", "verity", "eu-west-1", datetime(2024, 3, 2, tzinfo=UTC)
    )


def test_parses_a_digest_key_as_aws_documents_it() -> None:
    key = (
        "AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/01/"
        "111122223333_CloudTrail-Digest_us-east-2_your_trail_name_us-east-1_20150801T215517Z.json.gz"
    )

    assert parse_digest_file_key(key) == DigestFileKey(
        "111122223333", "us-east-2", "your_trail_name", "us-east-1", datetime(2015, 8, 1, 21, 55, 17, tzinfo=UTC)
    )


@pytest.mark.parametrize(
    "key",
    [
        # Copied into another day's folder.
        "AWSLogs/123456789012/CloudTrail/eu-west-1/2024/03/02/123456789012_CloudTrail_eu-west-1_20240301T0905Z_Mu0KsOhtH1ar15ZZ.json.gz",
        # Another account's name in this account's folder.
        "AWSLogs/123456789012/CloudTrail/eu-west-1/2024/03/01/210987654321_CloudTrail_eu-west-1_20240301T0905Z_Mu0KsOhtH1ar15ZZ.json.gz",
        # No such date.
        "AWSLogs/123456789012/CloudTrail/eu-west-1/2024/02/30/123456789012_CloudTrail_eu-west-1_20240230T0905Z_Mu0KsOhtH1ar15ZZ.json.gz",
        "AWSLogs/123456789012/CloudTrail/eu-west-1/2024/03/01/123456789012_CloudTrail_eu-west-1_20240301T0905Z_short.json.gz",
    ],
)
def test_keys_not_laid_out_like_cloudtrail_do_not_parse(key: str) -> None:
    assert parse_log_file_key(key) is None
    assert parse_digest_file_key(key) is None


@pytest.mark.parametrize(("account_id", "region"), [("12345678901", "eu-west-1"), ("123456789012", "../../etc")])
def test_keys_refuse_values_that_would_escape_the_layout(account_id: str, region: str) -> None:
    moment = datetime(2024, 3, 1, tzinfo=UTC)

    with pytest.raises(ValueError, match=r"account id|region"):
        log_file_key(account_id=account_id, region=region, newest_event_time=moment)
    with pytest.raises(ValueError, match=r"account id|region"):
        digest_file_key(account_id=account_id, region=region, digest_end_time=moment)


def test_keys_refuse_naive_times() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        log_file_key(account_id="123456789012", region="eu-west-1", newest_event_time=datetime(2024, 3, 1))
