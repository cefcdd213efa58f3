"""CloudTrail's S3 object key layout, so tools that read CloudTrail find Verity's files.

Keys look exactly like the ones CloudTrail delivers:

    AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/
        <account>_CloudTrail_<region>_<YYYYMMDDTHHMMZ>_<16 alphanumerics>.json.gz
    AWSLogs/<account>/CloudTrail-Digest/<region>/YYYY/MM/DD/
        <account>_CloudTrail-Digest_<region>_<trail>_<home region>_<YYYYMMDDTHHMMSSZ>.json.gz

The date folders are the date of the time in the file name (the delivery time), and the
parsing regexes insist on that, so a file copied into another day's folder does not parse.
"""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

TRAIL_NAME = "verity"

_ACCOUNT = r"\d{12}"
_REGION = r"[a-z]{2}(?:-[a-z]+)+-\d+"
_UNIQUE_ALPHABET = string.ascii_letters + string.digits
_UNIQUE_LENGTH = 16

LOG_FILE_KEY_PATTERN = re.compile(
    rf"AWSLogs/(?P<account>{_ACCOUNT})/CloudTrail/(?P<region>{_REGION})/"
    r"(?P<year>\d{4})/(?P<month>\d{2})/(?P<day>\d{2})/"
    r"(?P=account)_CloudTrail_(?P=region)_"
    r"(?P=year)(?P=month)(?P=day)T(?P<hour>\d{2})(?P<minute>\d{2})Z_"
    rf"(?P<unique>[A-Za-z0-9]{{{_UNIQUE_LENGTH}}})\.json\.gz"
)
DIGEST_FILE_KEY_PATTERN = re.compile(
    rf"AWSLogs/(?P<account>{_ACCOUNT})/CloudTrail-Digest/(?P<region>{_REGION})/"
    r"(?P<year>\d{4})/(?P<month>\d{2})/(?P<day>\d{2})/"
    r"(?P=account)_CloudTrail-Digest_(?P=region)_"
    rf"(?P<trail>[A-Za-z0-9._-]{{3,128}})_(?P<home_region>{_REGION})_"
    r"(?P=year)(?P=month)(?P=day)T(?P<hour>\d{2})(?P<minute>\d{2})(?P<second>\d{2})Z\.json\.gz"
)


@dataclass(frozen=True)
class LogFileKey:
    """The parts of a log file key."""

    account_id: str
    region: str
    delivered_at: datetime
    unique: str


@dataclass(frozen=True)
class DigestFileKey:
    """The parts of a digest file key; `end_time` is the digest's digestEndTime."""

    account_id: str
    region: str
    trail_name: str
    home_region: str
    end_time: datetime


def ceil_minute(moment: datetime) -> datetime:
    """Round up to the whole minute, so a log file's name is never earlier than its records."""
    floored = moment.replace(second=0, microsecond=0)
    return floored if floored == moment else floored + timedelta(minutes=1)


def log_file_key(*, account_id: str, region: str, newest_event_time: datetime, unique: str | None = None) -> str:
    """Key of a log file whose newest record is at `newest_event_time`.

    `unique` defaults to 16 random alphanumerics, as CloudTrail's names have.
    """
    _check_account_and_region(account_id, region)
    if unique is None:
        unique = "".join(secrets.choice(_UNIQUE_ALPHABET) for _ in range(_UNIQUE_LENGTH))
    elif not re.fullmatch(rf"[A-Za-z0-9]{{{_UNIQUE_LENGTH}}}", unique):
        msg = f"unique must be {_UNIQUE_LENGTH} ASCII letters or digits"
        raise ValueError(msg)
    delivered = ceil_minute(_as_utc(newest_event_time))
    return (
        f"AWSLogs/{account_id}/CloudTrail/{region}/{delivered:%Y/%m/%d}/"
        f"{account_id}_CloudTrail_{region}_{delivered:%Y%m%dT%H%MZ}_{unique}.json.gz"
    )


def digest_file_key(*, account_id: str, region: str, digest_end_time: datetime) -> str:
    """Key of Verity's trail's digest file whose digestEndTime is `digest_end_time`."""
    _check_account_and_region(account_id, region)
    end = _as_utc(digest_end_time).replace(microsecond=0)
    return (
        f"AWSLogs/{account_id}/CloudTrail-Digest/{region}/{end:%Y/%m/%d}/"
        f"{account_id}_CloudTrail-Digest_{region}_{TRAIL_NAME}_{region}_{end:%Y%m%dT%H%M%SZ}.json.gz"
    )


def parse_log_file_key(key: str) -> LogFileKey | None:
    """Parse a log file key, or return None when `key` is not laid out like one."""
    match = LOG_FILE_KEY_PATTERN.fullmatch(key)
    delivered = _time_of(match, "00") if match else None
    if match is None or delivered is None:
        return None
    return LogFileKey(match["account"], match["region"], delivered, match["unique"])


def parse_digest_file_key(key: str) -> DigestFileKey | None:
    """Parse a digest file key, or return None when `key` is not laid out like one."""
    match = DIGEST_FILE_KEY_PATTERN.fullmatch(key)
    end = _time_of(match, match["second"]) if match else None
    if match is None or end is None:
        return None
    return DigestFileKey(match["account"], match["region"], match["trail"], match["home_region"], end)


def _time_of(match: re.Match[str], second: str) -> datetime | None:
    """The time a matched key names, or None for an impossible date such as 20240231."""
    try:
        return datetime(
            int(match["year"]),
            int(match["month"]),
            int(match["day"]),
            int(match["hour"]),
            int(match["minute"]),
            int(second),
            tzinfo=UTC,
        )
    except ValueError:
        return None


def _check_account_and_region(account_id: str, region: str) -> None:
    # Both become path segments, so anything else could escape the layout.
    if not re.fullmatch(_ACCOUNT, account_id):
        msg = f"account id must be 12 digits: {account_id!r}"
        raise ValueError(msg)
    if not re.fullmatch(_REGION, region):
        msg = f"not an AWS region name: {region!r}"
        raise ValueError(msg)


def _as_utc(moment: datetime) -> datetime:
    if moment.utcoffset() is None:
        msg = "audit times must be timezone-aware"
        raise ValueError(msg)
    return moment.astimezone(UTC)
