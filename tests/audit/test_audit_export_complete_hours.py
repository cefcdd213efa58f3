"""Exports end at the newest complete hour: a digest never signs an hour that can still change."""

from __future__ import annotations

import gzip
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from audit.cloudtrail.validate import validate_export
from audit.exports import export_request, export_run
from audit.identity import system_identity
from audit.models import ExportDestination
from config.errors import InvalidInput
from tenants.models import Tenant
from tests.audit.events import record_verification_event
from tests.factories import TenantFactory, as_edge

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)
NINE = datetime(2025, 3, 1, 9, tzinfo=UTC)
# 12:02: the 11:00 hour ended two minutes ago, inside the five minutes its events may still
# take to commit, so 11:00 is the end of the newest complete hour.
NOW = NINE + 3 * HOUR + timedelta(minutes=2)


@pytest.fixture
def tenant(monkeypatch: pytest.MonkeyPatch) -> Tenant:
    tenant = TenantFactory()
    for minutes in (5, 70, 125, 179):  # 09:05, 10:10, 11:05, 11:59
        record_verification_event(tenant, event_time=NINE + timedelta(minutes=minutes))
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return tenant


def request_export(tenant: Tenant, end: datetime, location: Path) -> object:
    return as_edge(
        export_request,
        tenant=tenant,
        start_time=NINE,
        end_time=end,
        destination=ExportDestination.DIRECTORY,
        requested_by=system_identity(tenant),
        location=str(location),
    )


def digest_end_times(root: Path) -> list[str]:
    return sorted(
        json.loads(gzip.decompress(path.read_bytes()))["digestEndTime"]
        for path in root.rglob("*.json.gz")
        if "CloudTrail-Digest" in path.parts
    )


def test_an_end_past_the_newest_complete_hour_is_moved_back_to_it(tenant: Tenant, tmp_path: Path) -> None:
    export = request_export(tenant, NINE + 5 * HOUR, tmp_path)
    assert export.end_time == NINE + 2 * HOUR

    finished = as_edge(export_run, export=export)

    assert finished.record_count == 2  # 09:05 and 10:10; the 11:00 hour is not over for the trail yet
    assert digest_end_times(tmp_path) == ["2025-03-01T10:00:00Z", "2025-03-01T11:00:00Z"]
    assert validate_export(tmp_path, end=finished.end_time, now=NOW).ok


def test_an_end_within_the_complete_hours_is_kept(tenant: Tenant, tmp_path: Path) -> None:
    assert request_export(tenant, NINE + HOUR, tmp_path).end_time == NINE + HOUR


def test_an_export_that_starts_in_an_incomplete_hour_is_refused(tenant: Tenant, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as refused:
        as_edge(
            export_request,
            tenant=tenant,
            start_time=NINE + 2 * HOUR,
            end_time=NINE + 4 * HOUR,
            destination=ExportDestination.DIRECTORY,
            requested_by=system_identity(tenant),
            location=str(tmp_path),
        )
    assert refused.value.code == "invalid_export_range"
    assert "2025-03-01T11:00:00Z" in str(refused.value.detail)


def test_the_command_says_when_it_moved_the_end(tenant: Tenant, tmp_path: Path) -> None:
    out = io.StringIO()
    call_command(
        "audit_export",
        tenant.slug,
        "--start",
        "2025-03-01T09:00:00Z",
        "--end",
        "2025-03-01T14:00:00Z",
        "--dir",
        str(tmp_path),
        stdout=out,
    )
    assert "Exported 2 events from 2025-03-01T09:00:00Z to 2025-03-01T11:00:00Z (the newest complete hour" in (
        out.getvalue()
    )
