"""Kept moderation images are deleted after the tenant's limit, unless a reviewer still has to look at them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from config.aws import aws_client
from moderation.models import ModerationResult, ModerationSettings, ReviewTask
from moderation.services import IMAGE_FOLDER
from moderation.services.policies import policy_in_force
from moderation.services.retention import moderation_uploads_purge
from tenants.models import Tenant
from tenants.scope import tenant_scope
from tenants.storage import TenantStorage
from tests.factories import TenantFactory, with_kms_key

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("aws")]


def _kept(tenant: Tenant, *, days_old: int, review: str | None = None, key: str | None = None) -> ModerationResult:
    with tenant_scope(tenant):
        result = ModerationResult.objects.create(
            tenant=tenant, media_type="image", status="succeeded", policy=policy_in_force(tenant), decision="approve"
        )
        name = key or f"{IMAGE_FOLDER}{result.public_id}"
        stored = TenantStorage(tenant).put(name, b"image")
        ModerationResult.objects.filter(pk=result.pk).update(
            s3_bucket=tenant.storage_bucket, s3_key=stored, created_at=timezone.now() - timedelta(days=days_old)
        )
        if review:
            ReviewTask.objects.create(tenant=tenant, result=result, status=review)
        result.refresh_from_db()
    return result


def test_kept_images_past_the_limit_are_deleted_but_those_still_under_review(settings: object) -> None:
    tenant = with_kms_key(TenantFactory())
    aws_client("s3", tenant.region).create_bucket(Bucket=tenant.storage_bucket)
    with tenant_scope(tenant):
        ModerationSettings.objects.create(tenant=tenant, upload_retention_days=30)
    old, reviewed = _kept(tenant, days_old=31), _kept(tenant, days_old=31, review="decided")
    waiting, young = _kept(tenant, days_old=31, review="open"), _kept(tenant, days_old=29)
    elsewhere = _kept(tenant, days_old=31, key="videos/clip.mp4")  # the tenant's own object, not Verity's upload
    with tenant_scope(tenant):
        hit = ModerationResult.objects.create(
            tenant=tenant,
            media_type="image",
            status="succeeded",
            policy=old.policy,
            reused_from=old,
            s3_bucket=old.s3_bucket,
            s3_key=old.s3_key,
        )

    with tenant_scope(tenant):
        assert moderation_uploads_purge(tenant=tenant) == 2

    s3 = aws_client("s3", tenant.region)
    left = {item["Key"] for item in s3.list_objects_v2(Bucket=tenant.storage_bucket)["Contents"]}
    assert left == {waiting.s3_key, young.s3_key, elsewhere.s3_key}
    with tenant_scope(tenant):
        keys = dict(ModerationResult.objects.values_list("pk", "s3_key"))
        event = AuditEvent.objects.get(event_name="PurgeUploads")
    assert keys[old.pk] == keys[reviewed.pk] == keys[hit.pk] == ""
    assert keys[waiting.pk] == waiting.s3_key
    assert event.record["serviceEventDetails"]["objects"] == 2


@pytest.mark.parametrize("days", [0, 1096])
def test_upload_retention_is_at_least_a_day_and_at_most_three_years(days: int) -> None:
    with pytest.raises(ValidationError, match="upload_retention_days"):
        ModerationSettings(tenant_id=1, upload_retention_days=days).clean_fields(exclude=["tenant"])
