"""Canonical JSON, the per-tenant hash chain and CloudTrail timestamps."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest

from audit.cloudtrail.records import (
    GENESIS_HASH,
    canonical_json,
    format_event_time,
    parse_event_time,
    record_hash,
)


def test_canonical_json_sorts_keys_at_every_level_without_whitespace_in_utf8() -> None:
    record = {"b": 1, "a": {"d": [1, {"z": None, "y": True}], "c": "é"}}

    assert canonical_json(record) == '{"a":{"c":"é","d":[1,{"y":true,"z":null}]},"b":1}'.encode()


def test_canonical_json_refuses_nan() -> None:
    with pytest.raises(ValueError, match="JSON compliant"):
        canonical_json({"score": float("nan")})


def test_record_hash_is_sha256_of_previous_hash_bytes_then_canonical_json() -> None:
    record = {"eventID": "evt-1", "eventTime": "2024-03-01T09:00:00Z"}
    previous = hashlib.sha256(b"earlier").hexdigest()

    expected = hashlib.sha256(bytes.fromhex(previous) + b'{"eventID":"evt-1","eventTime":"2024-03-01T09:00:00Z"}')

    assert record_hash(record, previous) == expected.hexdigest()
    assert record_hash(record) == hashlib.sha256(bytes(32) + canonical_json(record)).hexdigest()
    assert GENESIS_HASH == "0" * 64


def test_record_hash_ignores_key_order_but_not_values_or_position_in_chain() -> None:
    first = record_hash({"a": 1, "b": 2})

    assert record_hash({"b": 2, "a": 1}) == first
    assert record_hash({"a": 1, "b": 3}) != first
    assert record_hash({"a": 1, "b": 2}, first) != first


def test_changing_an_early_record_changes_every_later_hash() -> None:
    records = [{"eventID": f"evt-{index}"} for index in range(5)]

    def chain(items: list[dict[str, str]]) -> list[str]:
        hashes, previous = [], GENESIS_HASH
        for item in items:
            previous = record_hash(item, previous)
            hashes.append(previous)
        return hashes

    original = chain(records)
    tampered = chain([records[0], {"eventID": "forged"}, *records[2:]])

    assert tampered[0] == original[0]
    assert all(before != after for before, after in zip(original[1:], tampered[1:], strict=True))


@pytest.mark.parametrize("previous", ["", "ABC", "0" * 63, "F" * 64, "g" * 64])
def test_record_hash_rejects_a_malformed_previous_hash(previous: str) -> None:
    with pytest.raises(ValueError, match="64 lowercase hex"):
        record_hash({}, previous)


def test_format_event_time_converts_to_utc_whole_seconds() -> None:
    moment = datetime(2024, 3, 1, 11, 0, 5, 999_999, tzinfo=timezone(timedelta(hours=2)))

    assert format_event_time(moment) == "2024-03-01T09:00:05Z"


def test_format_event_time_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        format_event_time(datetime(2024, 3, 1))


def test_parse_event_time_reads_only_cloudtrails_format() -> None:
    assert parse_event_time("2024-03-01T09:00:05Z") == datetime(2024, 3, 1, 9, 0, 5, tzinfo=UTC)
    for text in ("2024-03-01T09:00:05+00:00", "2024-03-01 09:00:05Z", "2024-3-1T09:00:05Z", "2024-02-30T00:00:00Z"):
        with pytest.raises(ValueError, match=r"CloudTrail time|day is out of range"):
            parse_event_time(text)
