"""Every API request, and every Rekognition call of provisioning, leaves a CloudTrail-shaped event."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from audit.models import AuditEvent
from tenants.models import Tenant
from tenants.scope import platform_scope, tenant_scope
from tests.conftest import Caller
from tests.factories import provision

pytestmark = pytest.mark.django_db


def _records(tenant: Tenant | None) -> list[dict]:
    with platform_scope() if tenant is None else tenant_scope(tenant):
        return [dict(e.record) for e in AuditEvent.objects.filter(tenant=tenant).order_by("event_time", "id")]


def test_successful_request_is_recorded_with_its_change(caller: Caller) -> None:
    created = caller.client.post(
        "/v1/subjects",
        {"external_id": "c-1", "metadata": {"ssn": "123-45-6789"}},
        format="json",
        HTTP_X_REQUEST_ID="req-audit-1",
    )
    assert created.status_code == 201
    (record,) = [r for r in _records(caller.tenant) if r["eventName"] == "CreateSubject"]
    assert record["eventSource"] == "verification.verity.local"
    assert record["requestID"] == "req-audit-1"
    assert record["userIdentity"]["accessKeyId"] == caller.api_key.prefix
    assert record["recipientAccountId"] == caller.tenant.account_id
    assert record["requestParameters"]["external_id"] == "c-1"
    assert "123-45-6789" not in str(record)
    assert caller.token not in str(record)
    assert record["readOnly"] is False
    assert "errorCode" not in record or record["errorCode"] is None


def test_failed_request_leaves_its_failure_event_and_no_change(caller: Caller) -> None:
    caller.client.post("/v1/subjects", {"external_id": "dup"}, format="json")
    conflict = caller.client.post("/v1/subjects", {"external_id": "dup"}, format="json")
    assert conflict.status_code == 409
    names = [(r["eventName"], r.get("errorCode")) for r in _records(caller.tenant)]
    assert ("CreateSubject", "external_id_conflict") in names
    assert names.count(("CreateSubject", None)) == 1


def test_denied_request_is_recorded(caller: Caller) -> None:
    from tests.conftest import make_caller

    limited = make_caller(
        tenant=caller.tenant,
        policy={"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "tenants:*"}]},
    )
    assert limited.client.get("/v1/subjects").status_code == 403
    denied = [r for r in _records(caller.tenant) if r.get("errorCode") == "permission_denied"]
    assert denied
    assert denied[0]["eventName"] == "ListSubjects"


def test_request_with_a_bad_key_goes_to_the_platform_log() -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer vk_live_" + "x" * 52)
    assert client.get("/v1/tenant").status_code == 401
    failures = [r for r in _records(None) if r.get("errorCode") == "authentication_failed"]
    assert failures
    assert "x" * 52 not in str(failures[-1])


@pytest.mark.usefixtures("aws_and_rekognition")
def test_provisioning_records_each_rekognition_call() -> None:
    provision(slug="audited", name="Audited", shard_count=2)
    tenant = Tenant.objects.get(slug="audited")
    calls = [r for r in _records(tenant) if r["eventSource"] == "rekognition.amazonaws.com"]
    assert [r["eventName"] for r in calls] == ["CreateCollection", "CreateCollection"]
    expected = {f"verity-{tenant.public_id}-s00", f"verity-{tenant.public_id}-s01"}
    assert {r["requestParameters"]["CollectionId"] for r in calls} == expected


@pytest.mark.usefixtures("aws_and_rekognition")
def test_provisioning_records_its_kms_and_s3_calls() -> None:
    provision(slug="kms-audited", name="KMS Audited")
    tenant = Tenant.objects.get(slug="kms-audited")
    calls = [(r["eventSource"], r["eventName"]) for r in _records(tenant)]
    assert ("kms.amazonaws.com", "CreateKey") in calls
    assert ("kms.amazonaws.com", "CreateAlias") in calls
    assert ("s3.amazonaws.com", "PutBucketEncryption") in calls


def test_admin_bulk_deletion_is_audited() -> None:
    from django.test import Client

    from tests.factories import MembershipFactory, SubjectFactory

    membership = MembershipFactory()
    subjects = SubjectFactory.create_batch(2, tenant=membership.tenant)
    client = Client()
    client.force_login(membership.user)
    response = client.post(
        "/admin/verification/subject/",
        {"action": "delete_selected", "_selected_action": [s.pk for s in subjects], "post": "yes"},
    )
    assert response.status_code == 302
    deletions = [r for r in _records(membership.tenant) if r["eventName"].startswith("Delete")]
    assert len(deletions) == 2
