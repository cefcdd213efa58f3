"""Celery entry points of the verification flows: thin, ids only, the tenant's scope around database work.

``process_verification`` runs a verification's steps one by one (verification.flows): it enters
the tenant's scope for each step's prepare and record phases and leaves it for the engine
phase, so no transaction is ever open across an engine call. Engine throttling and outages,
quota waits and lost database connections are retried with exponential backoff and full jitter; when the
retries run out the verification is ``failed`` with the error's code. ``sweep_stuck_verifications``
(beat) fails what no worker finished in time.
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
from tenants.models import Tenant, TenantStatus
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
from verification.erasure import erasure_attempt_failed, erasure_run
from verification.erasure.reconciliation import collections_reconcile
from verification.erasure.retention import consent_lapse_erase, retention_purge, verification_images_purge
from verification.flows import StepAlreadyRecorded
from verification.flows.prepare import verification_step_next
from verification.flows.record import verification_fail, verification_step_record
from verification.flows.run import verification_step_run, verification_step_undo
from verification.models import BatchJobStatus
from verification.selectors import batch_jobs_stalled, erasures_stalled, verification_stuck
from vision.errors import RateLimited
from vision.gateway import Gateway

logger = logging.getLogger(__name__)
T = TypeVar("T")

MAX_RETRIES = 5
RETRY_BASE_SECONDS = 2
RETRY_MAX_SECONDS = 120
# Transient: engine throttling and outages, quota waits, a lost or failed database connection.
_RETRYABLE = (UpstreamUnavailable, RateLimited, OperationalError, InterfaceError)


def run_verification(tenant: Tenant, verification_id: int) -> None:
    """Every remaining step of the verification, each recorded before the next starts."""
    while True:
        with tenant_scope(tenant):
            step = verification_step_next(tenant=tenant, verification_id=verification_id)
        if step is None:
            return
        outcome = verification_step_run(tenant=tenant, step=step)
        try:
            with tenant_scope(tenant):
                verification_step_record(tenant=tenant, step=step, outcome=outcome)
        except StepAlreadyRecorded:
            verification_step_undo(tenant=tenant, step=step, outcome=outcome)
            return
        except BaseException:
            verification_step_undo(tenant=tenant, step=step, outcome=outcome)
            raise


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES, soft_time_limit=240, time_limit=300)
def process_verification(self: object, tenant_id: int, verification_id: int) -> None:
    tenant = Tenant.objects.get(pk=tenant_id)
    try:
        run_verification(tenant, verification_id)
    except _RETRYABLE as error:
        retries = self.request.retries  # type: ignore[attr-defined]
        if retries < MAX_RETRIES:
            ceiling = min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2**retries)
            delay = random.uniform(0, ceiling)  # noqa: S311 - jitter, not a secret
            raise self.retry(exc=error, countdown=delay) from error  # type: ignore[attr-defined]
        code = error.code if isinstance(error, DomainError) else "database_unavailable"
        with tenant_scope(tenant):
            verification_fail(
                tenant=tenant,
                verification_id=verification_id,
                code=code,
                detail="The verification could not be completed; create a new one.",
            )
    except Exception:
        logger.exception("Verification %s of tenant %s failed", verification_id, tenant_id)
        with tenant_scope(tenant):
            verification_fail(
                tenant=tenant,
                verification_id=verification_id,
                code="internal_error",
                detail="The verification could not be completed; create a new one.",
            )
        raise


@shared_task(acks_late=True)
def sweep_stuck_verifications() -> int:
    """Fail verifications that no worker moved for VERITY_VERIFICATION_TIMEOUT seconds."""
    older_than = timezone.now() - timedelta(seconds=settings.VERITY_VERIFICATION_TIMEOUT)
    with platform_scope():
        stuck = verification_stuck(older_than=older_than)
    for tenant_id, verification_id in stuck:
        tenant = Tenant.objects.get(pk=tenant_id)
        with tenant_scope(tenant):
            verification_fail(
                tenant=tenant,
                verification_id=verification_id,
                code="timeout",
                detail="The verification did not finish in time; create a new one.",
            )
    return len(stuck)


ERASURE_MAX_RETRIES = 8
ERASURE_RESUME_AFTER = timedelta(minutes=15)


@shared_task(bind=True, acks_late=True, max_retries=ERASURE_MAX_RETRIES, soft_time_limit=900, time_limit=960)
def run_erasure(self: object, tenant_id: int, erasure_id: int) -> None:
    """Run an erasure to its receipt; any failure is noted on it and retried with backoff, and once
    the retries are spent it stays ``failed`` (visible) until ``resume_erasures`` sets it going."""
    tenant = Tenant.objects.get(pk=tenant_id)
    try:
        with tenant_scope(tenant):
            erasure_run(tenant=tenant, erasure_id=erasure_id)
    except Exception as error:
        code = error.code if isinstance(error, DomainError) else type(error).__name__
        retries = self.request.retries  # type: ignore[attr-defined]
        with tenant_scope(tenant):
            erasure_attempt_failed(
                tenant=tenant, erasure_id=erasure_id, code=code, final=retries >= ERASURE_MAX_RETRIES
            )
        if retries >= ERASURE_MAX_RETRIES:
            logger.exception("Erasure %s of tenant %s failed", erasure_id, tenant_id)
            return
        ceiling = min(RETRY_MAX_SECONDS * 5, RETRY_BASE_SECONDS * 2**retries)
        raise self.retry(exc=error, countdown=random.uniform(0, ceiling)) from error  # type: ignore[attr-defined]  # noqa: S311


@shared_task(acks_late=True)
def resume_erasures() -> int:
    """Set going again every erasure that failed or that no worker moved for a while (beat)."""
    with platform_scope():
        stalled = erasures_stalled(older_than=timezone.now() - ERASURE_RESUME_AFTER)
    for tenant_id, erasure_id in stalled:
        run_erasure.delay(tenant_id, erasure_id)
    return len(stalled)


@shared_task(acks_late=True)
def purge_retention_all_tenants() -> int:
    """Fan out one retention purge per active tenant (beat, daily)."""
    tenant_ids = list(Tenant.objects.filter(status=TenantStatus.ACTIVE).values_list("pk", flat=True))
    for tenant_id in tenant_ids:
        purge_retention.delay(tenant_id)
    return len(tenant_ids)


@shared_task(acks_late=True, soft_time_limit=3300, time_limit=3600)
def purge_retention(tenant_id: int) -> int:
    """Erase the tenant's subjects past its retention limit; the number erased."""
    tenant = Tenant.objects.get(pk=tenant_id)
    with tenant_scope(tenant):
        verification_images_purge(tenant=tenant)
        return retention_purge(tenant=tenant).completed


@shared_task(acks_late=True)
def erase_lapsed_consents() -> int:
    """Request the erasure of subjects whose last biometric consent expired, in every active tenant (beat)."""
    requested = 0
    for tenant in Tenant.objects.filter(status=TenantStatus.ACTIVE):
        with tenant_scope(tenant):
            requested += consent_lapse_erase(tenant=tenant)
    return requested


@shared_task(acks_late=True, soft_time_limit=3300, time_limit=3600)
def reconcile_collections() -> int:
    """Compare and repair every active tenant's collections against its Face rows (beat, daily)."""
    repaired = 0
    for tenant in Tenant.objects.filter(status=TenantStatus.ACTIVE):
        with tenant_scope(tenant):
            reports = collections_reconcile(tenant=tenant, repair=True)
        repaired += sum(len(report.orphans) + len(report.missing) for report in reports)
    return repaired


# --- Batch indexing ---------------------------------------------------------------------------------

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
