"""Services record their own audit events, whichever edge called them, once, and only when they commit."""

from __future__ import annotations

import io
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from audit.models import AuditEvent, AuditSettings
from tenants.models import ApiKey, Membership, Role, Tenant, Threshold
from tenants.scope import tenant_scope
from tenants.services import apikey_revoke, threshold_set
from tests.factories import MembershipFactory, TenantFactory, issue_key

pytestmark = pytest.mark.django_db

ALLOW_ALL = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*"}]}'
CHANGES = ("iam.verity.local", "tenants.verity.local", "audit.verity.local", "admin.verity.local")


def _changes(tenant: Tenant) -> list[AuditEvent]:
    """The tenant's change events, oldest first (sign-ins and API reads left out)."""
    with tenant_scope(tenant):
        return list(AuditEvent.objects.filter(event_source__in=CHANGES).order_by("event_time", "id"))


def _admin(role: str = Role.TENANT_ADMIN) -> tuple[Client, Any]:
    membership = MembershipFactory(role=role)
    client = Client(REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT="Firefox/140")
    client.force_login(membership.user)
    return client, membership


def _shape(event: AuditEvent) -> dict[str, Any]:
    """What must not depend on the edge: where the event is from, its name and which parameters it has."""
    record = event.record
    return {
        "eventSource": record["eventSource"],
        "eventName": record["eventName"],
        "eventType": record["eventType"],
        "requestParameters": sorted(record["requestParameters"]),
        "responseElements": {key: sorted(value) for key, value in record["responseElements"].items()},
    }


def test_the_apikey_create_command_records_a_create_access_key_event() -> None:
    tenant = TenantFactory()
    out = io.StringIO()
    call_command("apikey_create", tenant.slug, "--name", "backend", stdout=out)
    token = out.getvalue().split("API key: ")[1].split()[0]

    [event] = _changes(tenant)
    with tenant_scope(tenant):
        key = ApiKey.objects.get()
    assert (event.record["eventSource"], event.record["eventName"]) == ("iam.verity.local", "CreateAccessKey")
    assert event.record["userIdentity"]["type"] == "AWSService"
    assert event.record["requestParameters"]["userName"] == "backend"
    assert event.record["requestParameters"]["mode"] == "live"
    assert event.record["responseElements"]["accessKey"]["accessKeyId"] == key.prefix
    assert event.record["responseElements"]["accessKey"]["status"] == "Active"
    assert token not in str(event.record)
    assert key.secret_hash not in str(event.record)


def test_issuing_a_key_in_the_admin_records_the_commands_event_once_naming_the_admin() -> None:
    client, membership = _admin()
    response = client.post(
        "/admin/tenants/apikey/add/", {"name": "backend", "mode": "live", "policy": ALLOW_ALL, "rate_limit": ""}
    )
    assert response.status_code == 200
    call_command("apikey_create", membership.tenant.slug, "--name", "backend", stdout=io.StringIO())

    from_admin, from_command = _changes(membership.tenant)  # and no admin.verity.local CreateApiKey
    assert _shape(from_admin) == _shape(from_command)
    identity = from_admin.record["userIdentity"]
    assert (identity["type"], identity["userName"]) == ("IAMUser", membership.user.username)
    assert from_admin.record["sourceIPAddress"] == "198.51.100.7"
    assert from_admin.record["userAgent"] == "Firefox/140"


def test_revoking_in_the_admin_records_one_delete_access_key_and_revoking_again_none() -> None:
    client, membership = _admin()
    issued = issue_key(tenant=membership.tenant, name="old")
    for _ in range(2):
        client.post("/admin/tenants/apikey/", {"action": "revoke", "_selected_action": [str(issued.api_key.pk)]})

    created, revoked = _changes(membership.tenant)
    assert created.record["eventName"] == "CreateAccessKey"
    assert revoked.record["eventName"] == "DeleteAccessKey"
    assert revoked.record["requestParameters"] == {"userName": "old", "accessKeyId": issued.api_key.prefix}
    assert revoked.record["userIdentity"]["userName"] == membership.user.username


def test_threshold_changes_in_the_admin_are_recorded_once_by_the_service() -> None:
    client, membership = _admin()
    client.post("/admin/tenants/threshold/add/", {"operation": "CompareFaces", "face_model_version": "", "value": "96"})
    with tenant_scope(membership.tenant):
        threshold = Threshold.objects.get()
    client.post(f"/admin/tenants/threshold/{threshold.pk}/change/", {"value": "97.5"})
    client.post(f"/admin/tenants/threshold/{threshold.pk}/delete/", {"post": "yes"})

    events = _changes(membership.tenant)
    assert [(event.record["eventSource"], event.record["eventName"]) for event in events] == [
        ("tenants.verity.local", "PutThreshold"),
        ("tenants.verity.local", "PutThreshold"),
        ("tenants.verity.local", "DeleteThreshold"),
    ]
    assert events[1].record["requestParameters"] == {
        "operation": "CompareFaces",
        "faceModelVersion": "",
        "value": 97.5,
    }
    with tenant_scope(membership.tenant):
        assert not Threshold.objects.exists()


def test_setting_a_threshold_to_its_current_value_records_nothing() -> None:
    tenant = TenantFactory()
    with tenant_scope(tenant):
        threshold_set(tenant=tenant, operation="Authentication", value=97)
        threshold_set(tenant=tenant, operation="Authentication", value=97)
    assert len(_changes(tenant)) == 1


def test_audit_retention_set_in_the_admin_is_recorded_once_by_the_service() -> None:
    client, membership = _admin()
    client.post("/admin/audit/auditsettings/add/", {"retention_days": "400"})
    with tenant_scope(membership.tenant):
        settings_row = AuditSettings.objects.get()
    client.post(f"/admin/audit/auditsettings/{settings_row.pk}/change/", {"retention_days": "500"})

    events = _changes(membership.tenant)
    assert [(event.record["eventName"], event.record["requestParameters"]) for event in events] == [
        ("PutAuditSettings", {"retentionDays": 400}),
        ("PutAuditSettings", {"retentionDays": 500}),
    ]
    assert events[0].record["userIdentity"]["userName"] == membership.user.username


def test_creating_and_changing_a_staff_user_in_the_admin_records_only_the_iam_events() -> None:
    client, membership = _admin()
    client.post("/admin/tenants/membership/add/", {"username": "newcomer", "role": Role.REVIEWER})
    with tenant_scope(membership.tenant):
        newcomer = Membership.objects.get(user__username="newcomer")
    client.post(f"/admin/tenants/membership/{newcomer.pk}/change/", {"role": Role.COMPLIANCE_OFFICER, "active": "on"})

    assert [event.record["eventName"] for event in _changes(membership.tenant)] == ["CreateUser", "UpdateUser"]


def test_generic_admin_edits_are_still_recorded_from_the_admin_log() -> None:
    client, membership = _admin()
    client.post("/admin/verification/subject/add/", {"external_id": "customer-1", "metadata": "{}"})
    [event] = _changes(membership.tenant)
    assert (event.record["eventSource"], event.record["eventName"]) == ("admin.verity.local", "CreateSubject")


def test_a_key_issued_in_a_rolled_back_transaction_leaves_no_event() -> None:
    tenant = TenantFactory()

    def issue_then_fail() -> None:
        with transaction.atomic():
            issue_key(tenant=tenant, name="never")
            raise RuntimeError("the caller failed after issuing the key")

    with pytest.raises(RuntimeError):
        issue_then_fail()
    assert _changes(tenant) == []
    with tenant_scope(tenant):
        assert not ApiKey.objects.exists()


def test_a_key_whose_event_cannot_be_recorded_is_not_issued() -> None:
    tenant = TenantFactory()
    with (
        mock.patch("tenants.services.record_change", side_effect=RuntimeError("audit unavailable")),
        pytest.raises(RuntimeError),
    ):
        issue_key(tenant=tenant, name="unaudited")
    with tenant_scope(tenant):
        assert not ApiKey.objects.exists()


def test_a_revocation_whose_event_cannot_be_recorded_is_rolled_back() -> None:
    tenant = TenantFactory()
    issued = issue_key(tenant=tenant, name="still valid")
    with (
        mock.patch("tenants.services.record_change", side_effect=RuntimeError("audit unavailable")),
        pytest.raises(RuntimeError),
        tenant_scope(tenant),
    ):
        apikey_revoke(api_key=issued.api_key)
    with tenant_scope(tenant):
        assert ApiKey.objects.get().revoked_at is None
