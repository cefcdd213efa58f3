"""The audit log's background work: sealing stragglers, the hourly digest fan-out and its retries,
the retention fan-out, and the export enqueued only once its request commits."""

from __future__ import annotations

import contextlib
import json
import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from django.db import transaction
from django.utils import timezone

from audit import tasks
from audit.digests import complete_hours_end, floor_hour
from audit.exports import export_request
from audit.identity import system_identity
from audit.integrity import chain_verify
from audit.models import AuditChainEntry, AuditDigest, AuditEvent, ExportDestination
from audit.retention import audit_settings_set
from tenants.models import Tenant, TenantStatus
from tenants.scope import tenant_scope
from tests.audit.events import record_verification_event
from tests.factories import TenantFactory, as_edge

pytestmark = pytest.mark.django_db


def add_events(tenant: Tenant, count: int, *, ago: timedelta = timedelta(hours=3)) -> None:
    for number in range(count):
        record_verification_event(tenant, event_time=timezone.now() - ago + timedelta(minutes=number))


def unsealed(tenant: Tenant) -> int:
    with tenant_scope(tenant):
        return AuditChainEntry.objects.filter(hash__isnull=True).count()


class Enqueued:
    """Records the arguments a task is sent with, after a JSON round trip (what the broker does).

    It stands in for the task's ``apply_async``, which both ``delay`` and a signature made by the
    task's name (how a service enqueues without importing its task) end in.
    """

    def __init__(self) -> None:
        self.calls: list[list[Any]] = []

    def __call__(self, args: Any = (), kwargs: Any = None, **options: Any) -> None:
        assert not kwargs
        self.calls.append(json.loads(json.dumps(list(args))))

    @classmethod
    def instead_of_sending(cls, monkeypatch: pytest.MonkeyPatch, task: Any) -> Enqueued:
        enqueued = cls()
        monkeypatch.setattr(task, "apply_async", enqueued)
        return enqueued


def test_seal_pending_chains_seals_what_the_commit_hooks_left(two_tenants_with_events: list[Tenant]) -> None:
    # The test's transaction never commits, so no commit hook sealed these events.
    assert [unsealed(tenant) for tenant in two_tenants_with_events] == [3, 2]

    sealed = tasks.seal_pending_chains()

    assert sealed >= 5
    assert [unsealed(tenant) for tenant in two_tenants_with_events] == [0, 0]
    for tenant in two_tenants_with_events:
        with tenant_scope(tenant):
            report = chain_verify(tenant=tenant)
            assert report.ok, report.problems
            assert AuditChainEntry.objects.order_by("-sequence").values_list("sequence", flat=True)[0] == (
                AuditEvent.objects.count()
            )


@pytest.fixture
def two_tenants_with_events() -> list[Tenant]:
    first, second = TenantFactory(), TenantFactory()
    add_events(first, 3)
    add_events(second, 2)
    return [first, second]


def test_digest_all_tenants_enqueues_one_digest_per_active_tenant_and_each_delivers(
    monkeypatch: pytest.MonkeyPatch, tenant_bucket: Callable[[Tenant], None]
) -> None:
    active = TenantFactory()
    tenant_bucket(active)
    add_events(active, 2)
    suspended = TenantFactory(status=TenantStatus.SUSPENDED)
    offboarded = TenantFactory(status=TenantStatus.OFFBOARDED)
    enqueued = Enqueued.instead_of_sending(monkeypatch, tasks.digest_tenant)

    count = tasks.digest_all_tenants()

    tenant_ids = [args[0] for args in enqueued.calls]
    assert count == len(enqueued.calls) == Tenant.objects.filter(status=TenantStatus.ACTIVE).count()
    assert active.pk in tenant_ids
    assert suspended.pk not in tenant_ids
    assert offboarded.pk not in tenant_ids
    [args] = [args for args in enqueued.calls if args[0] == active.pk]
    delivered = tasks.digest_tenant.apply(args=args).get()
    with tenant_scope(active):
        digests = list(AuditDigest.objects.order_by("end_time"))
    # Every complete hour since the events' hour: three, or two in the first minutes of an hour
    # (an hour is complete only DIGEST_GRACE after it ends).
    hours = (complete_hours_end() - digests[0].start_time) // timedelta(hours=1)
    assert delivered == len(digests) == hours >= 2
    assert digests[0].start_time == floor_hour(timezone.now() - timedelta(hours=3))
    assert sum(digest.record_count for digest in digests) == 2


def _client_error(code: str, status: int) -> ClientError:
    response: Any = {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, "PutObject")


@pytest.mark.parametrize(
    ("error", "attempts"),
    [
        (_client_error("SlowDown", 503), 1 + tasks.MAX_RETRIES),
        (_client_error("InternalError", 500), 1 + tasks.MAX_RETRIES),
        (_client_error("SomethingNew", 502), 1 + tasks.MAX_RETRIES),  # any 5xx
        (_client_error("Throttling", 400), 1 + tasks.MAX_RETRIES),
        (EndpointConnectionError(endpoint_url="https://s3.example"), 1 + tasks.MAX_RETRIES),
        (_client_error("AccessDenied", 403), 1),
        (_client_error("NoSuchBucket", 404), 1),
    ],
    ids=["slow-down", "internal-error", "any-5xx", "throttling", "connection", "access-denied", "no-such-bucket"],
)
def test_digest_tenant_retries_only_throttling_5xx_and_connection_errors(
    monkeypatch: pytest.MonkeyPatch, error: Exception, attempts: int
) -> None:
    tenant = TenantFactory()
    calls: list[int] = []

    def failing(*, tenant: Tenant) -> list[AuditDigest]:
        calls.append(tenant.pk)
        raise error

    monkeypatch.setattr(tasks, "digest_pending_hours", failing)

    result = tasks.digest_tenant.apply(args=[tenant.pk])

    assert result.failed()
    retried = attempts > 1
    assert isinstance(result.result, tasks.TransientStorageError) is retried
    assert (result.result.__cause__ if retried else result.result) is error  # the original stays visible
    assert calls == [tenant.pk] * attempts


def test_digest_tenant_waits_longer_after_each_failed_attempt_with_full_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    tenant = TenantFactory()
    jitter_ceilings: list[int] = []

    def failing(*, tenant: Tenant) -> list[AuditDigest]:
        raise _client_error("SlowDown", 503)

    def highest_jitter(stop: int) -> int:
        jitter_ceilings.append(stop - 1)
        return stop - 1

    monkeypatch.setattr(tasks, "digest_pending_hours", failing)
    monkeypatch.setattr(random, "randrange", highest_jitter)
    countdowns: list[float] = []
    retry = tasks.digest_tenant.retry

    def recording_retry(*args: Any, **kwargs: Any) -> Any:
        countdowns.append(kwargs["countdown"])
        return retry(*args, **kwargs)

    monkeypatch.setattr(tasks.digest_tenant, "retry", recording_retry)

    assert tasks.digest_tenant.apply(args=[tenant.pk]).failed()

    # Each wait is drawn from [0, ceiling] and the ceiling doubles from 2 s (Celery also computes one for
    # the last failure, which is not retried).
    assert jitter_ceilings == [2, 4, 8, 16, 32, 64]
    assert countdowns == jitter_ceilings


def test_purge_all_tenants_enqueues_a_purge_for_every_tenant_and_each_purges(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tenants_now = [TenantFactory(), TenantFactory(status=TenantStatus.OFFBOARDED)]
    enqueued = Enqueued.instead_of_sending(monkeypatch, tasks.purge_tenant)

    count = tasks.purge_all_tenants()

    assert count == len(enqueued.calls) == Tenant.objects.count()
    assert {tenant.pk for tenant in tenants_now} <= {args[0] for args in enqueued.calls}
    as_edge(audit_settings_set, tenant=tenants_now[0], retention_days=400)
    add_events(tenants_now[0], 1, ago=timedelta(days=800))
    # Not delivered in a digest yet, so nothing may be purged: the task runs the guarded purge.
    assert tasks.purge_tenant.apply(args=[tenants_now[0].pk]).get() == 0


def _request_bundle_export(tenant: Tenant) -> Any:
    start = floor_hour(timezone.now()) - timedelta(hours=3)
    return as_edge(
        export_request,
        tenant=tenant,
        start_time=start,
        end_time=start + timedelta(hours=1),
        destination=ExportDestination.BUNDLE,
        requested_by=system_identity(tenant),
    )


def test_a_bundle_export_is_enqueued_once_its_request_commits_with_json_arguments(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    tenant = TenantFactory()
    enqueued = Enqueued.instead_of_sending(monkeypatch, tasks.run_export)

    with django_capture_on_commit_callbacks() as callbacks:
        export = _request_bundle_export(tenant)
        assert enqueued.calls == []  # not before the commit
    assert len(callbacks) == 1
    callbacks[0]()

    assert enqueued.calls == [[tenant.pk, export.pk]]


class _Abandoned(Exception):
    pass


def test_a_bundle_export_whose_request_rolls_back_is_never_enqueued(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    tenant = TenantFactory()
    enqueued = Enqueued.instead_of_sending(monkeypatch, tasks.run_export)

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        contextlib.suppress(_Abandoned),
        transaction.atomic(),
    ):
        _request_bundle_export(tenant)
        raise _Abandoned

    assert callbacks == []
    assert enqueued.calls == []
