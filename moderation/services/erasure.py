"""Erasing a tenant's moderation data (offboarding): results, review tasks and their cached engine answers.

The uploaded images themselves are objects under the tenant's storage prefix, deleted with the
rest of its storage.
"""

from __future__ import annotations

from django.db import transaction

from moderation.models import ModerationPolicy, ModerationResult, ReviewTask
from tenants.models import Tenant
from tenants.scope import require_scope, scope_database
from vision import cache


def moderation_data_erase(*, tenant: Tenant) -> dict[str, int]:
    """Delete every moderation result, review task and policy version of the tenant; the counts."""
    require_scope(tenant)
    digests = set(ModerationResult.objects.exclude(image_sha256="").values_list("image_sha256", flat=True))
    cached = cache.forget_images(tenant_key=tenant.public_id, images=digests)
    with transaction.atomic(using=scope_database()):
        reviews = ReviewTask.objects.all().delete()[0]
        results = ModerationResult.objects.all().delete()[0]
        policies = ModerationPolicy.objects.all().delete()[0]
    return {"results": results, "reviews": reviews, "policies": policies, "cached_results": cached}
