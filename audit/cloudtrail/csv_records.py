"""Audit records as CSV, one column per CloudTrail field, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

_USER_IDENTITY_FIELDS = ("type", "principalId", "arn", "accountId", "accessKeyId", "userName")
OTHER_FIELDS_COLUMN = "otherFields"
CSV_COLUMNS: tuple[str, ...] = (
    "eventTime",
    "eventVersion",
    *(f"userIdentity.{field}" for field in _USER_IDENTITY_FIELDS),
    "eventSource",
    "eventName",
    "awsRegion",
    "sourceIPAddress",
    "userAgent",
    "requestParameters",
    "responseElements",
    "errorCode",
    "errorMessage",
    "requestID",
    "eventID",
    "readOnly",
    "resources",
    "eventType",
    "managementEvent",
    "eventCategory",
    "recipientAccountId",
    OTHER_FIELDS_COLUMN,
)
_NAMED_COLUMNS = frozenset(CSV_COLUMNS) - {OTHER_FIELDS_COLUMN}
# Cells starting with these are run as formulas by spreadsheet programs.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def write_csv(records: Iterable[Mapping[str, Any]], out: TextIO) -> int:
    """Write a header and one row per record to `out` (opened with newline=""); return the row count.

    Columns are CSV_COLUMNS: DESIGN §9's top-level fields, with userIdentity's six fields as
    dotted columns (`userIdentity.arn`). Every other dict or list value (requestParameters,
    resources, ...) is one compact JSON cell with sorted keys. Fields without a column (say
    `additionalEventData` or `userIdentity.sessionContext`) go, keyed by dotted name, into a
    JSON object in `otherFields`, so nothing is dropped. null is an empty cell and booleans
    are `true`/`false`. A text cell starting with = + - @ tab or CR gets a leading `'` so
    that spreadsheets show caller-supplied values (userAgent, ...) instead of running them.
    """
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    rows = 0
    for record in records:
        writer.writerow(_csv_row(record))
        rows += 1
    return rows


def _csv_row(record: Mapping[str, Any]) -> list[str]:
    cells = dict.fromkeys(CSV_COLUMNS, "")
    other: dict[str, Any] = {}
    fields: list[tuple[str, Any]] = []
    for name, value in record.items():
        if name == "userIdentity" and isinstance(value, Mapping):
            fields.extend((f"userIdentity.{inner}", item) for inner, item in value.items())
        else:
            fields.append((name, value))
    for column, value in fields:
        if column in _NAMED_COLUMNS:
            cells[column] = _csv_cell(value)
        else:
            other[column] = value
    if other:
        cells[OTHER_FIELDS_COLUMN] = _csv_cell(other)
    return list(cells.values())


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(_FORMULA_PREFIXES) else value
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
