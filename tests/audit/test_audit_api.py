"""GET /v1/audit/events and the export API: filters, pagination, policy actions, and tenant isolation."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from audit.identity import api_key_identity
from audit.models import AuditExport, ExportStatus
from audit.recording import record_event
from audit.tasks import run_export
from tenants.models import Tenant
from tenants.scope import tenant_scope
from tests.conftest import Caller, make_caller
from tests.factories import as_edge

pytestmark = pytest.mark.django_db  # routed by the project's own URLConf (config/urls.py)

START = datetime(2025, 3, 1, 9, tzinfo=UTC)
# The events these tests add happen in March 2025; the window leaves out the caller's CreateAccessKey.
BEFORE_THE_KEY = {"start_time": "2025-03-01T00:00:00Z", "end_time": "2025-03-03T00:00:00Z"}
LOOKUP_ONLY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "verification:*"}]}


def add_events(caller: Caller, count: int, **options: Any) -> list[str]:
    ids = []
    with tenant_scope(caller.tenant):
        for number in range(count):
            recorded = record_event(
                tenant=caller.tenant,
                event_source=options.get("event_source", "verification.verity.local"),
                event_name=options.get("event_name", "CreateSubject"),
                identity=api_key_identity(caller.api_key),
                read_only=options.get("read_only", False),
                error_code=options.get("error_code"),
                request_id=options.get("request_id", f"req-{number}"),
                event_time=options.get("start", START) + timedelta(minutes=number),
            )
            ids.append(str(recorded.event_id))
    return ids


def event_ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [record["eventID"] for record in response.json()["results"]]


def test_events_are_cloudtrail_records_newest_first_and_cursor_paginated(caller: Caller) -> None:
    ids = add_events(caller, 5)
    first = caller.client.get("/v1/audit/events", {"limit": 2, **BEFORE_THE_KEY})
    second = caller.client.get(first.json()["next"])
    third = caller.client.get(second.json()["next"])
    assert event_ids(first) + event_ids(second) + event_ids(third) == list(reversed(ids))
    assert third.json()["next"] is None
    record = first.json()["results"][0]
    assert record["eventVersion"] == "1.08"
    assert record["userIdentity"]["accessKeyId"] == caller.api_key.prefix
    assert record["recipientAccountId"] == caller.tenant.account_id


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"event_name": "DeleteSubject"}, "deletes"),
        ({"event_source": "audit.verity.local"}, "audit"),
        ({"outcome": "error"}, "errors"),
        ({"outcome": "success"}, "successes"),
        ({"request_id": "the-one"}, "one"),
        ({"read_only": "true"}, "audit"),
        ({"start_time": "2025-03-02T09:00:00Z", "end_time": "2025-03-02T09:02:00Z"}, "day two"),
    ],
)
def test_filters(caller: Caller, query: dict[str, str], expected: str) -> None:
    groups = {
        "deletes": add_events(caller, 2, event_name="DeleteSubject"),
        "audit": add_events(caller, 1, event_source="audit.verity.local", event_name="LookupEvents", read_only=True),
        "errors": add_events(caller, 2, error_code="not_found"),
        "one": add_events(caller, 1, request_id="the-one"),
        "day two": add_events(caller, 2, start=START + timedelta(days=1)),
    }
    every = [event_id for group in groups.values() for event_id in group]
    groups["successes"] = [event_id for event_id in every if event_id not in groups["errors"]]
    found = event_ids(caller.client.get("/v1/audit/events", {**BEFORE_THE_KEY, **query}))
    assert sorted(found) == sorted(groups[expected])


def test_principal_filter_matches_the_api_key(caller: Caller) -> None:
    other_key = make_caller(caller.tenant)
    mine = add_events(caller, 2)
    add_events(other_key, 1)
    assert sorted(event_ids(caller.client.get("/v1/audit/events", {"principal": caller.api_key.prefix}))) == sorted(
        mine
    )


def test_bad_filters_are_refused(caller: Caller) -> None:
    response = caller.client.get("/v1/audit/events", {"outcome": "maybe"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_lookup_needs_the_lookup_events_action() -> None:
    caller = make_caller(policy=LOOKUP_ONLY)
    add_events(caller, 1)
    response = caller.client.get("/v1/audit/events")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert caller.client.post("/v1/audit/exports", {}, format="json").status_code == 403


def test_another_tenants_events_are_invisible(two_tenants: tuple[Caller, Caller]) -> None:
    mine, theirs = two_tenants
    add_events(mine, 2)
    [their_event] = add_events(theirs, 1)
    assert event_ids(mine.client.get("/v1/audit/events")) != []
    assert their_event not in event_ids(mine.client.get("/v1/audit/events", {"request_id": "req-0"}))
    missing = mine.client.get(f"/v1/audit/events/{their_event}")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    assert theirs.client.get(f"/v1/audit/events/{their_event}").json()["eventID"] == their_event


def test_export_api_answers_202_and_then_a_download_link(
    caller: Caller, tenant_bucket: Callable[[Tenant], None], tmp_path: Any
) -> None:
    tenant_bucket(caller.tenant)
    add_events(caller, 3)
    response = caller.client.post(
        "/v1/audit/exports",
        {"start_time": "2025-03-01T09:00:00Z", "end_time": "2025-03-01T10:00:00Z", "filters": {"outcome": "success"}},
        format="json",
        headers={"Idempotency-Key": "export-1"},
    )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "pending"
    assert body["download_url"] is None
    assert response["Location"].endswith(f"/v1/audit/exports/{body['id']}")

    with tenant_scope(caller.tenant):
        export = AuditExport.objects.get(public_id=body["id"])
    arguments = json.loads(json.dumps([caller.tenant.pk, export.pk]))  # what the broker carries
    assert run_export(*arguments) == ExportStatus.COMPLETED

    done = caller.client.get(response["Location"]).json()
    assert done["status"] == "completed"
    assert done["record_count"] == 3
    link = done["download_url"]
    assert link.startswith("https://")
    assert export.public_id in link
    # moto answers presigned URLs too.
    content = requests.get(link, timeout=10).content
    with tarfile.open(fileobj=io.BytesIO(content)) as bundle:
        assert "public-keys.json" in bundle.getnames()


def test_export_requests_are_validated(caller: Caller) -> None:
    response = caller.client.post(
        "/v1/audit/exports",
        {"start_time": "2025-03-01T09:30:00Z", "end_time": "2025-03-01T10:00:00Z"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_export_range"
    unknown = caller.client.post(
        "/v1/audit/exports",
        {"start_time": "2025-03-01T09:00:00Z", "end_time": "2025-03-01T10:00:00Z", "filters": {"tenant": 1}},
        format="json",
    )
    assert unknown.status_code == 400


def test_another_tenants_export_is_not_found(two_tenants: tuple[Caller, Caller]) -> None:
    mine, theirs = two_tenants
    created = theirs.client.post(
        "/v1/audit/exports",
        {"start_time": "2025-03-01T09:00:00Z", "end_time": "2025-03-01T10:00:00Z"},
        format="json",
    ).json()
    assert mine.client.get(f"/v1/audit/exports/{created['id']}").status_code == 404
    assert theirs.client.get(f"/v1/audit/exports/{created['id']}").status_code == 200


def test_public_keys_are_published(caller: Caller) -> None:
    from audit.digests import signing_key_rotate, signing_keyring

    signing_keyring()
    as_edge(
        signing_key_rotate,
    )
    keys = caller.client.get("/v1/audit/public-keys").json()
    assert len(keys) == 2
    assert keys[0]["ValidityEndTime"] == keys[1]["ValidityStartTime"]
    assert set(keys[0]) == {"Fingerprint", "Value", "ValidityStartTime", "ValidityEndTime"}
