"""Celery entry points of batch index jobs: a job runs in slices under its lease, each slice by a few threads.

Thin like verification.tasks: ids in, the tenant's scope entered around each database phase only
(never across an engine call), the services of ``verification.batch`` doing the work. Engine
throttling, outages and quota waits are retried per item with backoff; database and storage
outages retry the slice; ``resume_batch_index_jobs`` (beat) sets going what nothing moves.
"""

from __future__ import annotations

import logging
import os
import random
import secrets
import socket
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.utils import timezone

from config.errors import DomainError, UpstreamUnavailable
from tenants.models import Tenant
from tenants.scope import platform_scope, tenant_scope
from verification.batch import (
    batch_job_advance,
    batch_job_lease,
    batch_job_lease_holder,
    batch_job_load,
    batch_job_release,
)
from verification.batch.duplicates import (
    PendingCheck,
    batch_duplicates_pending,
    batch_duplicates_record,
    batch_duplicates_search,
)
from verification.batch.items import (
    ItemAlreadyRecorded,
    batch_item_claim,
    batch_item_fail,
    batch_item_index,
    batch_item_record,
    batch_item_undo,
    batch_items_pending,
)
from verification.models import BatchJobStatus
from verification.selectors import batch_jobs_stalled
from vision.errors import RateLimited
from vision.gateway import Gateway

logger = logging.getLogger(__name__)
T = TypeVar("T")

RETRY_BASE_SECONDS = 2
RETRY_MAX_SECONDS = 120
# Transient: engine throttling and outages, quota waits, a lost or failed database connection.
_RETRYABLE = (UpstreamUnavailable, RateLimited, OperationalError, InterfaceError)

BATCH_LEASE_SECONDS = 10
BATCH_ITEM_ATTEMPTS = 5
# A batch worker may wait this long for a token of the tenant's quota (the web waits 2 s).
BATCH_TOKEN_WAIT_SECONDS = 30.0
BATCH_MAX_RETRIES = 20
# How many times a task finding the job's lease held looks again once it has lapsed.
BATCH_LEASE_LOOKS = 3
_ENGINE_RETRYABLE = (UpstreamUnavailable, RateLimited)


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=BATCH_MAX_RETRIES,
    soft_time_limit=settings.VERITY_BATCH_SLICE_SECONDS + 150,
    time_limit=settings.VERITY_BATCH_SLICE_SECONDS + 210,
)
def run_batch_index_job(self: object, tenant_id: int, job_id: int) -> str:
    """One slice of a batch index job (at most VERITY_BATCH_SLICE_SECONDS), under the job's lease;
    the next slice is enqueued when it ends, so no task (nor unacknowledged message) runs for long.

    A redelivered or duplicate task finds the lease held and looks again when it runs out, so a
    worker killed mid-slice is taken over within BATCH_LEASE_SECONDS by the next delivery; at once
    when the holder was a process of this machine that is gone.
    """
    tenant = Tenant.objects.get(pk=tenant_id)
    token = _runner_token()
    with tenant_scope(tenant):
        job = batch_job_lease(tenant=tenant, job_id=job_id, token=token, seconds=BATCH_LEASE_SECONDS)
        holder, remaining = batch_job_lease_holder(tenant=tenant, job_id=job_id) if job is None else ("", 0.0)
        if job is None and remaining > 0 and _runner_is_gone(holder):
            # Its process died on this machine (kill -9, OOM): no need to wait for its lease to lapse.
            job = batch_job_lease(
                tenant=tenant, job_id=job_id, token=token, seconds=BATCH_LEASE_SECONDS, take_from=holder
            )
    retries = self.request.retries  # type: ignore[attr-defined]
    if job is None:
        if remaining <= 0:
            return "finished"
        if retries >= BATCH_LEASE_LOOKS:
            # Renewed every time we looked: its runner is alive and enqueues the job's next slice itself.
            return "held"
        # Someone else's lease: a live runner, or one that died (then it lapses soon).
        raise self.retry(countdown=remaining + random.uniform(0.5, 2.0))  # type: ignore[attr-defined]  # noqa: S311
    try:
        more = BatchRunner(tenant, job_id, token).run_slice()
    except _RETRYABLE as error:
        with tenant_scope(tenant):
            batch_job_release(tenant=tenant, job_id=job_id, token=token)
        ceiling = min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2**retries)
        raise self.retry(exc=error, countdown=random.uniform(0, ceiling)) from error  # type: ignore[attr-defined]  # noqa: S311
    except Exception:
        logger.exception("Batch index job %s of tenant %s failed; the sweeper resumes it", job_id, tenant_id)
        with tenant_scope(tenant):
            batch_job_release(tenant=tenant, job_id=job_id, token=token)
        raise
    with tenant_scope(tenant):
        batch_job_release(tenant=tenant, job_id=job_id, token=token)
    if more:
        run_batch_index_job.delay(tenant_id, job_id)
        return "continued"
    return "finished"


def _pid_namespace() -> str:
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return ""


def _runner_token() -> str:
    """Who runs a job: this host, its process namespace and process, and a random part."""
    return f"{socket.gethostname()}|{_pid_namespace()}|{os.getpid()}|{secrets.token_hex(8)}"


def _runner_is_gone(token: str) -> bool:
    """Whether the lease holder ``token`` names was a process of this machine's namespace that no longer
    exists. Anything else (another host, another namespace, a live or unknowable process) is not known gone."""
    host, namespace, pid, _ = ([*token.split("|"), "", "", "", ""])[:4]
    if host != socket.gethostname() or not namespace or namespace != _pid_namespace() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, but another user's
        return False
    return False


class BatchRunner:
    """One slice of a job: its items indexed (then their duplicates checked) by a few threads.

    Each thread enters the tenant's scope for the database phases only, so no transaction is ever
    open across an engine call; the gateway's limiter paces every thread of every worker to the
    tenant's quota. The calling thread renews the lease while they work, and stops them if it is lost.
    """

    def __init__(self, tenant: Tenant, job_id: int, token: str) -> None:
        self.tenant, self.job_id, self.token = tenant, job_id, token
        self.deadline = time.monotonic() + settings.VERITY_BATCH_SLICE_SECONDS
        self.stop = threading.Event()
        self.gateway = Gateway(tenant, max_wait=BATCH_TOKEN_WAIT_SECONDS)

    def run_slice(self) -> bool:
        """Work until the job is finished or the slice is over; whether the job has work left."""
        tenant = self.tenant
        while not self.stop.is_set() and time.monotonic() < self.deadline:
            with tenant_scope(tenant):
                batch_job_load(tenant=tenant, job_id=self.job_id)
                job = batch_job_advance(tenant=tenant, job_id=self.job_id)
                if job.is_final:
                    return False
                if job.status == BatchJobStatus.INDEXING:
                    units: list[Any] = batch_items_pending(tenant=tenant, job_id=self.job_id)
                    work: Callable[[Any], None] = self._index
                else:
                    units = batch_duplicates_pending(tenant=tenant, job_id=self.job_id)
                    work = self._check
            if units:
                self._in_threads(work, units)
            elif job.status == BatchJobStatus.INDEXING:
                # Only items another attempt holds are left: the next slice takes them over.
                return True
        with tenant_scope(tenant):
            return not batch_job_advance(tenant=tenant, job_id=self.job_id).is_final

    def _in_threads(self, work: Callable[[Any], None], units: list[Any]) -> None:
        """``work`` on every unit, by VERITY_BATCH_THREADS threads (in this thread when it is 1),
        while the lease is held and the slice lasts."""
        queue = iter(units)
        lock = threading.Lock()
        errors: list[BaseException] = []
        renewal = time.monotonic() + BATCH_LEASE_SECONDS / 4

        def renew() -> None:
            nonlocal renewal
            if time.monotonic() < renewal:
                return
            renewal = time.monotonic() + BATCH_LEASE_SECONDS / 4
            with tenant_scope(self.tenant):
                held = batch_job_lease(
                    tenant=self.tenant, job_id=self.job_id, token=self.token, seconds=BATCH_LEASE_SECONDS
                )
            if held is None:
                self.stop.set()

        def worker() -> None:
            while not self.stop.is_set() and time.monotonic() < self.deadline:
                with lock:
                    unit = next(queue, None)
                if unit is None:
                    return
                work(unit)

        if settings.VERITY_BATCH_THREADS <= 1:
            for unit in queue:
                if self.stop.is_set() or time.monotonic() >= self.deadline:
                    return
                work(unit)
                renew()
            return

        def in_thread() -> None:
            try:
                worker()
            except BaseException as error:
                errors.append(error)
                self.stop.set()
            finally:
                connections.close_all()  # this thread's own connections

        threads = [
            threading.Thread(target=in_thread, name=f"batch-{self.job_id}-{n}", daemon=True)
            for n in range(settings.VERITY_BATCH_THREADS)
        ]
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            time.sleep(0.05)
            renew()
        if errors:
            raise errors[0]

    def _retrying(self, call: Callable[[int], T]) -> T | DomainError | None:
        """``call(attempt)`` retried on engine throttling, outages and quota waits with full-jitter
        backoff; the last error when the attempts ran out, None when the slice ended first."""
        for attempt in range(BATCH_ITEM_ATTEMPTS):
            try:
                return call(attempt)
            except _ENGINE_RETRYABLE as error:
                if attempt == BATCH_ITEM_ATTEMPTS - 1:
                    return error
                delay = random.uniform(0, min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2**attempt))  # noqa: S311
                if self.stop.is_set() or time.monotonic() + delay > self.deadline:
                    return None
                time.sleep(delay)
        return None

    def _index(self, item_id: int) -> None:
        tenant = self.tenant
        with tenant_scope(tenant):
            item = batch_item_claim(tenant=tenant, item_id=item_id)
        if item is None:
            return
        # Any attempt after the first may follow an IndexFaces whose answer was lost: adopt first.
        outcome = self._retrying(
            lambda attempt: batch_item_index(gateway=self.gateway, item=item, resumed=item.attempts > 1 or attempt > 0)
        )
        if outcome is None:
            return  # the slice is over: the item stays claimed, and the next runner adopts or indexes it
        if isinstance(outcome, DomainError):
            with tenant_scope(tenant):
                batch_item_fail(tenant=tenant, item=item, code=outcome.code, detail=outcome.detail)
            return
        try:
            with tenant_scope(tenant):
                kept = batch_item_record(tenant=tenant, item=item, outcome=outcome)
        except ItemAlreadyRecorded:
            kept = False
        except BaseException:
            with tenant_scope(tenant):
                batch_item_undo(tenant=tenant, item=item, outcome=outcome)
            raise
        if not kept:
            with tenant_scope(tenant):
                batch_item_undo(tenant=tenant, item=item, outcome=outcome)

    def _check(self, check: PendingCheck) -> None:
        found = self._retrying(lambda attempt: batch_duplicates_search(gateway=self.gateway, check=check))
        if found is None:
            return
        with tenant_scope(self.tenant):
            if isinstance(found, DomainError):
                batch_duplicates_record(tenant=self.tenant, check=check, duplicates=[], error_code=found.code)
            else:
                batch_duplicates_record(tenant=self.tenant, check=check, duplicates=found[0], error_code=found[1])


@shared_task(acks_late=True)
def resume_batch_index_jobs() -> int:
    """Set going again every unfinished batch job no runner holds or has moved for a while (beat)."""
    with platform_scope():
        stalled = batch_jobs_stalled(older_than=timezone.now() - timedelta(seconds=BATCH_LEASE_SECONDS * 3))
    for tenant_id, job_id in stalled:
        run_batch_index_job.delay(tenant_id, job_id)
    return len(stalled)
