"""Exports: CloudTrail's layout to a directory or the tenant's bucket, CSV, and the offline round trip."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import tarfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from audit.api import ExportOutput
from audit.cloudtrail.layout import LOG_FILE_KEY_PATTERN
from audit.exports import EXPORT_FAILED_MESSAGE, export_request, export_run
from audit.identity import system_identity
from audit.models import AuditEvent, AuditExport, ExportDestination, ExportStatus
from audit.storage import export_bundle_key, export_prefix
from config.aws import aws_client
from tenants.models import Tenant
from tenants.scope import tenant_scope
from tests.audit.events import record_verification_event
from tests.factories import TenantFactory, as_edge, webhook_events

pytestmark = pytest.mark.django_db

START = datetime(2025, 3, 1, 9, tzinfo=UTC)
END = START + timedelta(hours=3)
DIGEST_NAME = re.compile(r".*_CloudTrail-Digest_us-east-1_verity_us-east-1_\d{8}T\d{6}Z\.json\.gz")


def write_events(tenant: Tenant, minutes: list[int], name: str = "CreateSubject") -> None:
    for minute in minutes:
        record_verification_event(
            tenant,
            name,
            request_parameters={"external_id": f"cust-{minute}"},
            error_code="not_found" if minute % 2 else None,
            event_time=START + timedelta(minutes=minute),
        )


@pytest.fixture
def tenant() -> Tenant:
    tenant = TenantFactory()
    write_events(tenant, [0, 3, 4, 50, 65, 130, 179])
    write_events(tenant, [200], "OutOfRange")  # after END
    return tenant


def export_to(tenant: Tenant, root: Path, *extra: str) -> str:
    out = io.StringIO()
    call_command(
        "audit_export",
        tenant.slug,
        "--start",
        "2025-03-01T09:00:00Z",
        "--end",
        "2025-03-01T12:00:00Z",
        "--dir",
        str(root),
        *extra,
        stdout=out,
    )
    return out.getvalue()


def validate(root: Path) -> tuple[str, CommandError | None]:
    out = io.StringIO()
    try:
        call_command("audit_validate", str(root), stdout=out)
    except CommandError as error:
        return out.getvalue(), error
    return out.getvalue(), None


def test_export_round_trip_validates(tenant: Tenant, tmp_path: Path) -> None:
    assert "Exported 7 events" in export_to(tenant, tmp_path)
    output, error = validate(tmp_path)
    assert error is None, output
    assert "Export is valid." in output
    assert "INVALID" not in output

    files = sorted(path.relative_to(tmp_path).as_posix() for path in tmp_path.rglob("*") if path.is_file())
    logs = [name for name in files if LOG_FILE_KEY_PATTERN.fullmatch(name)]
    digests = [name for name in files if DIGEST_NAME.fullmatch(name)]
    assert len(digests) == 3
    assert {f"{name}.sig" for name in digests} <= set(files)
    assert "public-keys.json" in files
    assert all(f"valid\t{name}" in output for name in [*logs, *digests])
    records = [
        record for log in logs for record in json.loads(gzip.decompress((tmp_path / log).read_bytes()))["Records"]
    ]
    assert len(records) == 7
    assert {record["eventName"] for record in records} == {"CreateSubject"}
    with tenant_scope(tenant):
        stored = {str(event.event_id): event.record for event in AuditEvent.objects.all()}
    assert all(stored[record["eventID"]] == record for record in records)  # exactly as stored


def test_a_flipped_byte_is_reported_with_the_file_and_a_non_zero_exit(tenant: Tenant, tmp_path: Path) -> None:
    export_to(tenant, tmp_path)
    log = next(path for path in tmp_path.rglob("*.json.gz") if LOG_FILE_KEY_PATTERN.search(path.as_posix()))
    content = bytearray(gzip.decompress(log.read_bytes()))
    content[20] ^= 0x01
    log.write_bytes(gzip.compress(bytes(content)))

    output, error = validate(tmp_path)
    assert error is not None
    assert error.returncode == 1
    name = log.relative_to(tmp_path).as_posix()
    assert f"INVALID\t{name}\thash_mismatch" in output


def test_export_records_itself_as_a_system_event(tenant: Tenant, tmp_path: Path) -> None:
    export_to(tenant, tmp_path)
    with tenant_scope(tenant):
        event = AuditEvent.objects.get(event_name="ExportEvents")
    assert event.record["eventType"] == "AwsServiceEvent"
    assert event.record["serviceEventDetails"]["recordCount"] == 7
    assert event.record["serviceEventDetails"]["startTime"] == "2025-03-01T09:00:00Z"
    (completed,) = webhook_events(tenant, "audit_export.completed")
    assert completed["object"] == "audit_export"
    assert completed["id"].startswith("aex_")
    assert (completed["status"], completed["error_code"]) == ("completed", None)


def test_csv_export_has_one_row_per_event(tenant: Tenant, tmp_path: Path) -> None:
    export_to(tenant, tmp_path, "--format", "csv")
    [path] = tmp_path.glob("*.csv")
    rows = list(csv.DictReader(path.open(newline="", encoding="utf-8")))
    assert len(rows) == 7
    assert rows[0]["eventName"] == "CreateSubject"
    assert rows[0]["userIdentity.type"] == "AWSService"
    assert {row["errorCode"] for row in rows} == {"", "not_found"}


def test_export_to_the_tenants_bucket_in_cloudtrail_layout(
    tenant: Tenant, tenant_bucket: Callable[[Tenant], None], tmp_path: Path
) -> None:
    tenant_bucket(tenant)
    call_command(
        "audit_export",
        tenant.slug,
        "--start",
        "2025-03-01T09:00:00Z",
        "--end",
        "2025-03-01T12:00:00Z",
        "--s3",
        stdout=io.StringIO(),
    )
    with tenant_scope(tenant):
        export = AuditExport.objects.get()
    assert export.status == ExportStatus.COMPLETED
    prefix = export_prefix(tenant, export.public_id)
    assert export.location == prefix
    s3 = aws_client("s3", tenant.region)
    for item in s3.list_objects_v2(Bucket=tenant.storage_bucket, Prefix=prefix)["Contents"]:
        path = tmp_path / item["Key"].removeprefix(prefix)
        path.parent.mkdir(parents=True, exist_ok=True)
        stored = s3.get_object(Bucket=tenant.storage_bucket, Key=item["Key"])
        assert (stored["ServerSideEncryption"], stored.get("SSEKMSKeyId")) == ("aws:kms", tenant.kms_key_arn)
        path.write_bytes(stored["Body"].read())
    output, error = validate(tmp_path)
    assert error is None, output


def test_a_bundle_export_is_one_tar_that_validates_once_extracted(
    tenant: Tenant, tenant_bucket: Callable[[Tenant], None], tmp_path: Path
) -> None:
    tenant_bucket(tenant)
    export = as_edge(
        export_request,
        tenant=tenant,
        start_time=START,
        end_time=END,
        destination=ExportDestination.BUNDLE,
        requested_by=system_identity(tenant),
        filters={"outcome": "error"},
    )
    export = as_edge(export_run, export=export)
    assert export.status == ExportStatus.COMPLETED
    assert export.record_count == 3  # minutes 3, 65 and 179 failed
    body = aws_client("s3").get_object(
        Bucket=tenant.storage_bucket, Key=export_bundle_key(tenant, export.public_id, "tar")
    )
    assert (body["ServerSideEncryption"], body.get("SSEKMSKeyId")) == ("aws:kms", tenant.kms_key_arn)
    with tarfile.open(fileobj=io.BytesIO(body["Body"].read())) as bundle:
        bundle.extractall(tmp_path, filter="data")
    output, error = validate(tmp_path)
    assert error is None, output


@pytest.mark.parametrize(
    ("start", "end", "problem"),
    [
        (START + timedelta(minutes=5), END, "whole hours"),
        (END, START, "before"),
        (START, START + timedelta(days=400), "366 days"),
    ],
)
def test_export_ranges_are_whole_hours_and_at_most_a_year(
    tenant: Tenant, start: datetime, end: datetime, problem: str
) -> None:
    from config.errors import InvalidInput

    with pytest.raises(InvalidInput, match=problem):
        as_edge(export_request, tenant=tenant, start_time=start, end_time=end, requested_by=system_identity(tenant))


def test_a_failed_export_shows_a_stable_code_and_logs_the_detail(
    tenant: Tenant, aws: None, caplog: pytest.LogCaptureFixture
) -> None:
    export = as_edge(
        export_request, tenant=tenant, start_time=START, end_time=END, requested_by=system_identity(tenant)
    )
    with pytest.raises(Exception, match="NoSuchBucket"):
        as_edge(export_run, export=export)
    with tenant_scope(tenant):
        export.refresh_from_db()
        failure = AuditEvent.objects.get(event_name="ExportEvents")
    assert export.status == ExportStatus.FAILED
    assert export.error == "export_failed"
    shown = ExportOutput(export).data
    assert (shown["error_code"], shown["error"]) == ("export_failed", EXPORT_FAILED_MESSAGE)
    assert (failure.error_code, failure.record["errorMessage"]) == ("export_failed", EXPORT_FAILED_MESSAGE)
    assert tenant.storage_bucket not in json.dumps([shown, failure.record])
    assert "NoSuchBucket" in caplog.text  # the detail stays in the server's log
    assert as_edge(export_run, export=export).status == ExportStatus.FAILED  # safe to call twice


def test_another_tenants_events_are_never_exported(tenant: Tenant, tmp_path: Path) -> None:
    other = TenantFactory()
    write_events(other, [1, 2, 3])
    export_to(tenant, tmp_path)
    records = [
        record
        for log in tmp_path.rglob("*.json.gz")
        if LOG_FILE_KEY_PATTERN.search(log.as_posix())
        for record in json.loads(gzip.decompress(log.read_bytes()))["Records"]
    ]
    assert {record["recipientAccountId"] for record in records} == {tenant.account_id}
