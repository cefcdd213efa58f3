"""Engine calls fanned out over threads: concurrent, recorded by the calling thread, nothing lost on failure."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from botocore.stub import Stubber
from django.db.backends.signals import connection_created

from audit.models import AuditEvent
from tenants.models import Tenant
from tenants.scope import require_scope
from vision import calls
from vision.calls import CallRecord, fan_out, publish
from vision.gateway import Gateway
from vision.models import collection_name


def _record(operation: str) -> CallRecord:
    return CallRecord(
        tenant_id=1,
        region="us-east-1",
        operation=operation,
        request_parameters={},
        response_summary=None,
        error_code=None,
        error_message=None,
        started_at=datetime.now(UTC),
        latency_ms=1.0,
        attempts=1,
        request_id=None,
        cached=False,
    )


def test_every_item_runs_at_the_same_time() -> None:
    together = threading.Barrier(6, timeout=10)  # broken, and raising, unless all six wait at once

    assert fan_out(lambda item: (together.wait(), item)[1], range(6)) == list(range(6))


def test_the_calls_records_are_published_by_the_calling_thread(records: list[CallRecord]) -> None:
    seen_by: list[int] = []
    calls.register_call_recorder(lambda records: seen_by.append(threading.get_ident()))

    fan_out(lambda item: publish(_record(f"Op{item}")), range(5))

    assert sorted(record.operation for record in records) == [f"Op{item}" for item in range(5)]
    assert set(seen_by) == {threading.get_ident()}


def test_a_failing_item_still_has_every_record_published_before_its_error_is_raised(
    records: list[CallRecord],
) -> None:
    def work(item: int) -> int:
        publish(_record(f"Op{item}"))
        if item == 2:
            raise RuntimeError("shard 2 failed")
        return item

    with pytest.raises(RuntimeError, match="shard 2 failed"):
        fan_out(work, range(4))

    assert sorted(record.operation for record in records) == ["Op0", "Op1", "Op2", "Op3"]


def test_a_search_over_every_shard_opens_no_database_connection_in_its_threads(
    tenant: Tenant, stub: Stubber, photo: bytes
) -> None:
    """Each shard's audit event is written by the calling thread: no connection per thread and shard."""
    for _ in range(2):
        stub.add_response("search_faces_by_image", {"FaceMatches": [], "FaceModelVersion": "7.0"})
    opened_in: list[str] = []

    def opened(sender: object, **kwargs: object) -> None:
        opened_in.append(threading.current_thread().name)

    gateway = Gateway(tenant)
    before = AuditEvent.objects.filter(event_name="SearchFacesByImage").count()
    connection_created.connect(opened)
    try:
        fan_out(
            lambda collection: gateway.call(
                "SearchFacesByImage", CollectionId=collection, Image={"Bytes": photo}, MaxFaces=5
            ),
            [collection_name(tenant=tenant, shard=shard) for shard in (0, 1)],
        )
    finally:
        connection_created.disconnect(opened)

    assert not [name for name in opened_in if name.startswith("verity-fan-out")]
    assert AuditEvent.objects.filter(event_name="SearchFacesByImage").count() == before + 2


def test_each_item_runs_in_the_callers_tenant_scope(tenant: Tenant) -> None:
    """A collection named under an older rule is looked up in the database: in the caller's scope."""
    assert fan_out(lambda _: require_scope(tenant).tenant_id, range(3)) == [tenant.pk] * 3
