"""The consent register: a compliance officer exports, as CSV, each consent given, withdrawn or expiring in a period."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from audit.models import AuditEvent
from tenants.models import Role, Tenant
from tenants.scope import tenant_scope
from tests.factories import MembershipFactory, SubjectFactory, TenantFactory
from verification.models import Consent, Erasure

pytestmark = pytest.mark.django_db
DAY = datetime(2026, 6, 10, tzinfo=UTC)


def _consent(tenant: Tenant, granted: datetime, **fields: object) -> Consent:
    subject = SubjectFactory(tenant=tenant)
    with tenant_scope(tenant):
        return Consent.objects.create(
            tenant=tenant,
            subject=subject,
            purpose="biometric_verification",
            text_version="v3",
            method="checkbox",
            granted_at=granted,
            source_ip="198.51.100.7",
            **fields,
        )


def _client(role: str, tenant: Tenant) -> Client:
    client = Client()
    client.force_login(MembershipFactory(role=role, tenant=tenant).user)
    return client


def test_the_register_lists_each_consent_of_the_period_with_what_became_of_it() -> None:
    tenant = TenantFactory()
    given = _consent(tenant, DAY + timedelta(hours=9))
    withdrawn = _consent(tenant, DAY - timedelta(days=30), withdrawn_at=DAY + timedelta(hours=1))
    expiring = _consent(tenant, DAY - timedelta(days=30), expires_at=DAY + timedelta(hours=2))
    _consent(tenant, DAY + timedelta(days=1))  # after the period
    _consent(tenant, DAY - timedelta(days=30))  # nothing happened to it in the period
    _consent(TenantFactory(), DAY + timedelta(hours=3))  # another tenant's
    with tenant_scope(tenant):
        erasure = Erasure.objects.create(
            tenant=tenant, subject=withdrawn.subject, reason="consent_withdrawn", requested_by="x"
        )

    response = _client(Role.COMPLIANCE_OFFICER, tenant).get(
        "/admin/verification/consent/register/", {"start": "2026-06-10", "end": "2026-06-10", "export": "1"}
    )

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="consent-register-2026-06-10-2026-06-10.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["consent_id"], r["state_at_period_end"], r["erasure_id"]) for r in rows] == [
        (withdrawn.public_id, "withdrawn", erasure.public_id),
        (expiring.public_id, "expired", ""),
        (given.public_id, "active", ""),
    ]
    assert rows[2]["granted_at"] == "2026-06-10T09:00:00Z"
    assert (rows[2]["source_ip"], rows[2]["text_version"], rows[0]["erasure_status"]) == (
        "198.51.100.7",
        "v3",
        "pending",
    )
    with tenant_scope(tenant):
        event = AuditEvent.objects.get(event_name="ExportConsentRegister")
    assert event.record["responseElements"] == {"consents": 3}


def test_the_register_page_offers_a_period_and_refuses_one_that_ends_before_it_starts() -> None:
    tenant = TenantFactory()
    client = _client(Role.TENANT_ADMIN, tenant)

    assert 'id="consent-register-link"' in client.get("/admin/verification/consent/").content.decode()
    form = client.get("/admin/verification/consent/register/")
    assert form.status_code == 200
    assert 'id="consent-register-form"' in form.content.decode()
    refused = client.get(
        "/admin/verification/consent/register/", {"start": "2026-06-11", "end": "2026-06-10", "export": "1"}
    )
    assert refused["Content-Type"].startswith("text/html")
    assert "must not be after its end" in refused.content.decode()
    with tenant_scope(tenant):
        assert not AuditEvent.objects.filter(event_name="ExportConsentRegister").exists()


def test_a_reviewer_may_not_export_the_register() -> None:
    tenant = TenantFactory()

    response = _client(Role.REVIEWER, tenant).get(
        "/admin/verification/consent/register/", {"start": "2026-06-10", "end": "2026-06-10", "export": "1"}
    )

    assert response.status_code == 403
