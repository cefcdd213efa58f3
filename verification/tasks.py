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
import random
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from audit.recording import seals_deferred
from config.errors import DomainError, UpstreamUnavailable
from tenants.models import Tenant, TenantStatus
from tenants.scope import platform_scope, tenant_scope
from verification.erasure import erasure_attempt_failed, erasure_run
from verification.erasure.reconciliation import collections_reconcile
from verification.erasure.retention import consent_lapse_erase, retention_purge, verification_images_purge
from verification.flows import StepAlreadyRecorded
from verification.flows.record import verification_fail, verification_step_advance, verification_step_next
from verification.flows.run import StoredImages, verification_step_run, verification_step_undo
from verification.selectors import erasures_stalled, verification_stuck
from vision.errors import RateLimited

logger = logging.getLogger(__name__)

MAX_RETRIES = 5
RETRY_BASE_SECONDS = 2
RETRY_MAX_SECONDS = 120
# Transient: engine throttling and outages, quota waits, a lost or failed database connection.
_RETRYABLE = (UpstreamUnavailable, RateLimited, OperationalError, InterfaceError)


def run_verification(tenant: Tenant, verification_id: int) -> None:
    """Every remaining step of the verification, each recorded (with the next one started) before its
    engine work; the audit chain is sealed once, at the end of the run, not after every step."""
    with seals_deferred():
        _run_steps(tenant, verification_id)


def _run_steps(tenant: Tenant, verification_id: int) -> None:
    with tenant_scope(tenant):
        step = verification_step_next(tenant=tenant, verification_id=verification_id)
    images = StoredImages(tenant)  # each stored upload read once per run, not once per step
    while step is not None:
        outcome = verification_step_run(tenant=tenant, step=step, images=images)
        try:
            with tenant_scope(tenant):
                next_step = verification_step_advance(tenant=tenant, step=step, outcome=outcome)
        except StepAlreadyRecorded:
            verification_step_undo(tenant=tenant, step=step, outcome=outcome)
            return
        except BaseException:
            verification_step_undo(tenant=tenant, step=step, outcome=outcome)
            raise
        step = next_step


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
