"""Retention: at least a year, and a purge deletes only what the signed trail already holds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.digests import digest_pending_hours, floor_hour
from audit.integrity import chain_verify
from audit.models import AuditChainEntry, AuditEvent, AuditPurge, AuditSettings
from audit.recording import chain_seal
from audit.retention import audit_settings_set, retention_purge
from config.errors import InvalidInput
from tenants.models import Tenant
from tenants.scope import tenant_scope
from tests.audit.events import record_verification_event
from tests.factories import TenantFactory, as_edge

pytestmark = pytest.mark.django_db


def test_retention_defaults_to_seven_years_and_is_never_below_a_year() -> None:
    tenant = TenantFactory()
    from audit.selectors import retention_days_of

    with tenant_scope(tenant):
        assert retention_days_of(tenant) == 7 * 365 + 2
    with pytest.raises(InvalidInput, match="366"):
        as_edge(audit_settings_set, tenant=tenant, retention_days=365)
    as_edge(audit_settings_set, tenant=tenant, retention_days=400)
    with tenant_scope(tenant), pytest.raises(IntegrityError), transaction.atomic():
        AuditSettings.objects.filter(tenant=tenant).update(retention_days=30)


def keep_events_for(tenant: Tenant, *, days: int) -> None:
    """Arrange a retention without the service, whose PutAuditSettings event would come first in
    the chain, ahead of the backdated events these tests purge."""
    with tenant_scope(tenant):
        AuditSettings.objects.create(tenant=tenant, retention_days=days)


@pytest.fixture
def old_and_new(tenant_bucket: Callable[[Tenant], None]) -> tuple[Tenant, list[str]]:
    """Events two years old in two hours three hours apart, then one from today, all sealed."""
    tenant = TenantFactory()
    tenant_bucket(tenant)
    keep_events_for(tenant, days=400)
    long_ago = floor_hour(timezone.now() - timedelta(days=730))
    moments = [
        long_ago + timedelta(minutes=5),
        long_ago + timedelta(minutes=25),
        long_ago + timedelta(hours=3, minutes=10),
        timezone.now() - timedelta(hours=1),
    ]
    names = ["OldCovered1", "OldCovered2", "OldNotDelivered", "Recent"]
    for name, moment in zip(names, moments, strict=True):
        record_verification_event(tenant, name, event_time=moment)
    chain_seal(tenant_id=tenant.pk)
    return tenant, names


def remaining(tenant: Tenant) -> list[str]:
    with tenant_scope(tenant):
        return list(
            AuditEvent.objects.filter(event_source="verification.verity.local")
            .order_by("chain_entry__sequence")
            .values_list("event_name", flat=True)
        )


def test_nothing_is_purged_before_the_trail_has_delivered_it(old_and_new: tuple[Tenant, list[str]]) -> None:
    tenant, names = old_and_new
    assert as_edge(retention_purge, platform=True, tenant=tenant) == 0
    assert remaining(tenant) == names


def test_a_purge_deletes_the_delivered_prefix_of_the_chain_and_what_remains_still_verifies(
    old_and_new: tuple[Tenant, list[str]],
) -> None:
    tenant, _ = old_and_new
    # Deliver the first two old hours only: the event three hours later stays undelivered.
    assert len(as_edge(digest_pending_hours, tenant=tenant, max_hours=2)) == 2

    assert as_edge(retention_purge, platform=True, tenant=tenant) == 2
    assert remaining(tenant) == ["OldNotDelivered", "Recent"]
    with tenant_scope(tenant):
        purge = AuditPurge.objects.get()
        assert purge.through_sequence == 2
        assert AuditChainEntry.objects.order_by("sequence").values_list("sequence", flat=True)[0] == 3
        report = chain_verify(tenant=tenant)
        event = AuditEvent.objects.get(event_name="PurgeEvents")
    assert report.ok, report.problems
    assert report.first_sequence == 3
    assert event.record["serviceEventDetails"]["deletedCount"] == 2
    assert event.record["serviceEventDetails"]["throughSequence"] == 2
    assert as_edge(retention_purge, platform=True, tenant=tenant) == 0  # safe to run again


def test_chain_sealing_continues_after_everything_was_purged(tenant_bucket: Callable[[Tenant], None]) -> None:
    tenant = TenantFactory()
    tenant_bucket(tenant)
    keep_events_for(tenant, days=366)
    record_verification_event(tenant, "Old", event_time=timezone.now() - timedelta(days=800))
    chain_seal(tenant_id=tenant.pk)
    as_edge(digest_pending_hours, tenant=tenant, max_hours=2)
    assert as_edge(retention_purge, platform=True, tenant=tenant) == 1
    record_verification_event(tenant, "New")
    chain_seal(tenant_id=tenant.pk)
    with tenant_scope(tenant):
        purge = AuditPurge.objects.get()
        assert purge.through_sequence == 1
        assert not AuditChainEntry.objects.filter(sequence__lte=1).exists()
        following = AuditChainEntry.objects.get(sequence=2)  # sealed after the purge emptied the chain
        assert chain_verify(tenant=tenant).ok
    assert following.previous_hash == purge.through_hash
