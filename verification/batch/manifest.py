"""Reading a batch index manifest: CSV or JSON lines of ``external_id, s3_key[, consent_reference]``.

Every physical line is one item (blank lines are skipped; a CSV header naming the columns is
allowed on the first line). A line that cannot be read is not an error of the manifest: it
becomes an item that failed with a ``manifest.*`` code, so one bad line never stops the others.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass

MAX_MANIFEST_BYTES = 16 * 1024 * 1024
MAX_MANIFEST_ITEMS = 50_000
MAX_EXTERNAL_ID = 255
MAX_KEY = 1024
MAX_CONSENT_REFERENCE = 255
FORMATS = ("csv", "jsonl")
COLUMNS = ("external_id", "s3_key", "consent_reference")


@dataclass(frozen=True)
class ManifestLine:
    line: int
    external_id: str = ""
    s3_name: str = ""
    consent_reference: str = ""
    error_code: str = ""
    error_detail: str = ""


def detect_format(data: bytes) -> str:
    """``jsonl`` when the first line that is not blank starts with ``{``, else ``csv``."""
    for raw in data.splitlines():
        stripped = raw.strip().removeprefix(b"\xef\xbb\xbf")
        if stripped:
            return "jsonl" if stripped.startswith(b"{") else "csv"
    return "csv"


def parse_manifest(data: bytes, *, manifest_format: str, storage_prefix: str) -> list[ManifestLine]:
    """One ``ManifestLine`` per line that is not blank, in order; bad lines carry their error."""
    lines: list[ManifestLine] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(data.splitlines(), start=1):
        raw = raw.removeprefix(b"\xef\xbb\xbf") if number == 1 else raw
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            lines.append(_bad(number, "manifest.invalid_line", "The line is not UTF-8 text."))
            continue
        fields = _fields(text, manifest_format)
        if isinstance(fields, ManifestLine):
            lines.append(ManifestLine(number, error_code=fields.error_code, error_detail=fields.error_detail))
            continue
        if number == 1 and manifest_format == "csv" and fields[0].strip().lower() == "external_id":
            continue  # a header
        checked = _checked(number, fields, storage_prefix)
        if not checked.error_code:
            if checked.external_id in seen:
                checked = _bad(
                    number,
                    "manifest.duplicate_external_id",
                    f"external_id {checked.external_id!r} is already on line {seen[checked.external_id]}.",
                    checked,
                )
            else:
                seen[checked.external_id] = number
        lines.append(checked)
    return lines


def _bad(number: int, code: str, detail: str, line: ManifestLine | None = None) -> ManifestLine:
    if line is None:
        return ManifestLine(number, error_code=code, error_detail=detail)
    return ManifestLine(number, line.external_id, line.s3_name, line.consent_reference, code, detail)


def _fields(text: str, manifest_format: str) -> list[str] | ManifestLine:
    """The line's (external_id, s3_key[, consent_reference]) as strings, or the reason it cannot be read."""
    if "\x00" in text:
        return _bad(0, "manifest.invalid_line", "The line contains a NUL character.")
    if manifest_format == "csv":
        try:
            row = next(csv.reader([text], strict=True))
        except (csv.Error, StopIteration):
            return _bad(0, "manifest.invalid_line", "The line is not a CSV record.")
        if len(row) not in (2, 3):
            return _bad(
                0, "manifest.invalid_line", f"{len(row)} columns; expected external_id,s3_key[,consent_reference]."
            )
        return row
    try:
        record = json.loads(text)
    except ValueError:
        return _bad(0, "manifest.invalid_line", "The line is not a JSON object.")
    if not isinstance(record, dict):
        return _bad(0, "manifest.invalid_line", "The line is not a JSON object.")
    unknown = sorted(set(record) - set(COLUMNS))
    if unknown:
        return _bad(0, "manifest.invalid_line", f"Unknown field(s): {', '.join(unknown)}.")
    values = [record.get(name, "") for name in COLUMNS]
    if not all(isinstance(value, str) for value in values):
        return _bad(0, "manifest.invalid_line", "external_id, s3_key and consent_reference are strings.")
    return values


def _checked(number: int, fields: list[str], storage_prefix: str) -> ManifestLine:
    external_id, s3_name = fields[0].strip(), fields[1].strip()
    reference = fields[2].strip() if len(fields) > 2 else ""
    line = ManifestLine(number, external_id[:MAX_EXTERNAL_ID], s3_name[:MAX_KEY], reference[:MAX_CONSENT_REFERENCE])
    if not external_id or len(external_id) > MAX_EXTERNAL_ID:
        return _bad(
            number, "manifest.invalid_external_id", f"external_id must be 1–{MAX_EXTERNAL_ID} characters.", line
        )
    if len(reference) > MAX_CONSENT_REFERENCE:
        return _bad(
            number, "manifest.invalid_line", f"consent_reference is at most {MAX_CONSENT_REFERENCE} characters.", line
        )
    if not s3_name or len(s3_name) > MAX_KEY or not s3_name.startswith(storage_prefix) or ".." in s3_name.split("/"):
        return _bad(
            number,
            "manifest.invalid_key",
            f"s3_key must be an object key under your storage prefix {storage_prefix!r}.",
            line,
        )
    return line
