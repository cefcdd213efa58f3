"""Celery entry points of moderation: async images, video completions (SNS → SQS, or polling), the sweeper.

Tasks take ids (tenant first), enter the tenant's scope and call a service. Engine outages are
retried with exponential backoff and full jitter, a bounded number of times; after the last
attempt the result ends ``failed``, visible to the tenant, never pending for ever.
"""

from __future__ import annotations

import logging
import random

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from config.aws import aws_client
from config.errors import UpstreamUnavailable
from moderation.models import ModerationResult
from moderation.selectors import result_for_job, results_to_collect
from moderation.services.images import image_moderation_give_up, image_moderation_run
from moderation.services.retention import moderation_uploads_purge
from moderation.services.videos import completion_job_id, video_moderation_collect
from tenants.models import Tenant, TenantStatus
from tenants.scope import platform_scope, tenant_scope

logger = logging.getLogger(__name__)

IMAGE_MAX_RETRIES = 5
SQS_BATCHES_PER_RUN = 20
SWEEP_BATCH = 500


@shared_task(bind=True, acks_late=True, max_retries=IMAGE_MAX_RETRIES, soft_time_limit=120, time_limit=150)
def moderate_image(self: object, tenant_id: int, result_id: int) -> str | None:
    """Decide a pending (``?async=true``) image result."""
    tenant = Tenant.objects.get(pk=tenant_id)
    with tenant_scope(tenant):
        result = ModerationResult.objects.select_related("policy").filter(pk=result_id).first()
        if result is None:
            return None
        try:
            return image_moderation_run(tenant=tenant, result=result).status
        except UpstreamUnavailable as exc:
            retries = self.request.retries  # type: ignore[attr-defined]
            if retries >= IMAGE_MAX_RETRIES:
                return image_moderation_give_up(tenant=tenant, result=result, code=exc.code, message=exc.detail).status
            error = exc
    # Full jitter over a ceiling of 2, 4, 8... seconds (at most two minutes).
    countdown = random.uniform(0, min(120, 2 ** (retries + 1)))  # noqa: S311 - jitter, not a secret
    raise self.retry(exc=error, countdown=countdown)  # type: ignore[attr-defined]


@shared_task(acks_late=True, soft_time_limit=240, time_limit=280)
def collect_video(tenant_id: int, result_id: int) -> str | None:
    """Read a video job's outcome, or note when to look again (moderation.services.videos.video_moderation_collect)."""
    tenant = Tenant.objects.get(pk=tenant_id)
    with tenant_scope(tenant):
        result = ModerationResult.objects.select_related("policy").filter(pk=result_id).first()
        if result is None:
            return None
        return video_moderation_collect(tenant=tenant, result=result).status


@shared_task(acks_late=True, soft_time_limit=240, time_limit=280)
def read_video_notifications() -> int:
    """Drain the SNS → SQS queue of StartContentModeration completions; returns the jobs collected.

    A message is deleted once its job is collected (or when it names no job of Verity's); one
    whose collection fails stays, and SQS delivers it again after its visibility timeout.
    """
    queue_url = getattr(settings, "VERITY_MODERATION_SQS_QUEUE_URL", "")
    if not queue_url:
        return 0
    sqs = aws_client("sqs")
    collected = 0
    for _ in range(SQS_BATCHES_PER_RUN):
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
            "Messages", []
        )
        if not messages:
            break
        for message in messages:
            job_id = completion_job_id(message["Body"])
            with platform_scope():
                result = result_for_job(job_id=job_id) if job_id else None
                owner = (result.tenant_id, result.pk) if result is not None else None
            if owner is None:
                logger.warning("Dropping a video notification for no known job (%s)", job_id)
            else:
                collect_video(*owner)
                collected += 1
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return collected


@shared_task(acks_late=True)
def sweep_video_jobs() -> int:
    """Poll the video jobs whose notification is overdue: one collect_video task each."""
    with platform_scope():
        due = list(results_to_collect(now=timezone.now()).values_list("tenant_id", "pk")[:SWEEP_BATCH])
    for tenant_id, result_id in due:
        collect_video.delay(tenant_id, result_id)
    return len(due)


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900)
def purge_moderation_uploads() -> int:
    """Delete kept moderation images past each active tenant's limit (beat, daily)."""
    purged = 0
    for tenant in Tenant.objects.filter(status=TenantStatus.ACTIVE):
        with tenant_scope(tenant):
            purged += moderation_uploads_purge(tenant=tenant)
    return purged
