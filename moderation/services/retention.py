"""Retention of the images Verity keeps for moderation: deleted after the tenant's limit, unless a review is open.

An asynchronous request's image and a reviewed image are kept in the tenant's storage
(``moderation/images/<mod_…>``). Once older than ``upload_retention_days`` (default 30) and not
waiting for a reviewer, the object is deleted and the results naming it (the cache hits reusing it
too) forget its location; their decisions, labels and image digest stay. Each run is audited.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from botocore.exceptions import BotoCoreError, ClientError
from django.db import transaction
from django.utils import timezone

from audit.recording import record_aws_call, record_system_event
from audit.redaction import KEEP, register_event
from config.aws import aws_client
from config.errors import UpstreamUnavailable
from moderation.models import ModerationResult, ModerationSettings, ReviewStatus
from moderation.services import IMAGE_FOLDER, MODERATION_SOURCE
from tenants.models import Tenant
from tenants.scope import require_scope, scope_database

register_event(MODERATION_SOURCE, "PurgeUploads", details={"cutoff": KEEP, "retentionDays": KEEP, "objects": KEEP})


def upload_retention_days() -> int:
    found = ModerationSettings.objects.first()
    return found.upload_retention_days if found is not None else ModerationSettings().upload_retention_days


def moderation_uploads_purge(*, tenant: Tenant, now: datetime | None = None) -> int:
    """Delete the tenant's kept moderation images past the limit (none under open review); how many."""
    require_scope(tenant)
    days = upload_retention_days()
    cutoff = (now or timezone.now()) - timedelta(days=days)
    folder = f"{tenant.storage_prefix}{IMAGE_FOLDER}"
    expired = (
        ModerationResult.objects.filter(created_at__lt=cutoff, s3_key__startswith=folder, reused_from__isnull=True)
        .exclude(review_task__status=ReviewStatus.OPEN)
        .values_list("s3_bucket", "s3_key")
    )
    objects = sorted(set(expired))
    s3 = aws_client("s3", tenant.region)
    for bucket, key in objects:  # no transaction open
        parameters = {"Bucket": bucket, "Key": key}
        try:
            s3.delete_object(**parameters)
        except (ClientError, BotoCoreError) as exc:
            record_aws_call(
                tenant=tenant,
                service="s3",
                operation="DeleteObject",
                request_parameters=parameters,
                response_elements=None,
                error_code=type(exc).__name__,
            )
            raise UpstreamUnavailable("A kept moderation image could not be deleted.") from exc
        record_aws_call(
            tenant=tenant, service="s3", operation="DeleteObject", request_parameters=parameters, response_elements=None
        )
    with transaction.atomic(using=scope_database()):
        ModerationResult.objects.filter(s3_key__in=[key for _, key in objects]).update(
            s3_bucket="", s3_key="", s3_version=""
        )
        record_system_event(
            tenant=tenant,
            event_source=MODERATION_SOURCE,
            event_name="PurgeUploads",
            details={"cutoff": cutoff.isoformat(), "retentionDays": days, "objects": len(objects)},
        )
    return len(objects)
