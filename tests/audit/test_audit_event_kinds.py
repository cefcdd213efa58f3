"""Every kind of audit event carries CloudTrail's fields, with CloudTrail's names and casing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client, RequestFactory

from audit.identity import HIDDEN, system_identity
from audit.models import AuditEvent
from audit.recording import (
    record_api_request,
    record_aws_call,
    record_event,
    record_gateway_call,
    record_gateway_calls,
    record_system_event,
)
from config.api.middleware import current_request_id
from tenants.models import Role, Tenant
from tenants.scope import platform_scope, tenant_scope
from tests.conftest import Caller
from tests.factories import MembershipFactory, TenantFactory, UserFactory
from verification.models import Subject
from vision.calls import CallRecord

pytestmark = pytest.mark.django_db

RECORD_KEYS = {
    "eventVersion",
    "userIdentity",
    "eventTime",
    "eventSource",
    "eventName",
    "awsRegion",
    "sourceIPAddress",
    "userAgent",
    "requestParameters",
    "responseElements",
    "requestID",
    "eventID",
    "readOnly",
    "resources",
    "eventType",
    "managementEvent",
    "eventCategory",
    "recipientAccountId",
}
IDENTITY_KEYS = {"type", "principalId", "arn", "accountId", "accessKeyId", "userName"}


def stored(tenant: Tenant | None, **filters: Any) -> list[AuditEvent]:
    """The events of ``tenant``'s log (None: the platform's), oldest first."""
    scope = platform_scope() if tenant is None else tenant_scope(tenant)
    with scope:
        return list(AuditEvent.objects.filter(tenant=tenant, **filters).order_by("event_time", "id"))


def api_request(caller: Caller | None, method: str = "post", path: str = "/v1/subjects", **headers: str) -> Any:
    request = getattr(RequestFactory(), method)(
        path, REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="acme-sdk/2.1", **headers
    )
    request.api_key = caller.api_key if caller else None
    request.request_id = "req-123"
    return request


def test_api_request_event_has_every_cloudtrail_field(caller: Caller) -> None:
    request = api_request(caller)
    recorded = record_api_request(
        request=request,
        action="verification:CreateSubject",
        status_code=201,
        request_parameters={"external_id": "cust-42", "metadata": {"tier": "gold"}},
        response_elements={"id": "sub_abc", "external_id": "cust-42"},
    )

    [event] = stored(caller.tenant, event_source="verification.verity.local")
    record = event.record
    assert record == recorded.record
    assert set(record) == RECORD_KEYS  # no errorCode/errorMessage on success, as in CloudTrail
    assert set(record["userIdentity"]) == IDENTITY_KEYS
    assert record["eventVersion"] == "1.08"
    assert record["userIdentity"] == {
        "type": "IAMUser",
        "principalId": caller.api_key.prefix,
        "arn": f"arn:verity:iam::{caller.tenant.account_id}:api-key/{caller.api_key.prefix}",
        "accountId": caller.tenant.account_id,
        "accessKeyId": caller.api_key.prefix,
        "userName": caller.api_key.prefix,
    }
    assert record["eventSource"] == "verification.verity.local"
    assert record["eventName"] == "CreateSubject"
    assert record["awsRegion"] == caller.tenant.region
    assert record["sourceIPAddress"] == "203.0.113.9"
    assert record["userAgent"] == "acme-sdk/2.1"
    assert record["requestParameters"] == {"external_id": "cust-42", "metadata": HIDDEN}
    assert record["responseElements"] == {"id": "sub_abc", "external_id": "cust-42"}
    assert record["requestID"] == "req-123"
    assert uuid.UUID(record["eventID"]) == event.event_id
    assert record["readOnly"] is False
    assert record["resources"] == []
    assert record["eventType"] == "AwsApiCall"
    assert record["managementEvent"] is True
    assert record["eventCategory"] == "Management"
    assert record["recipientAccountId"] == caller.tenant.account_id
    assert datetime.strptime(record["eventTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) == event.event_time.replace(
        microsecond=0
    )
    # The columns lookups filter on copy the record.
    assert (event.event_name, event.event_source, event.principal_id, event.access_key_id) == (
        "CreateSubject",
        "verification.verity.local",
        caller.api_key.prefix,
        caller.api_key.prefix,
    )
    assert (event.request_id, event.source_ip, event.error_code, event.read_only) == (
        "req-123",
        "203.0.113.9",
        "",
        False,
    )


def test_failed_api_request_records_the_error(caller: Caller) -> None:
    record_api_request(
        request=api_request(caller, "get", "/v1/subjects/sub_missing"),
        action="verification:GetSubject",
        status_code=404,
        error_code="not_found",
        error_message="No subject 'sub_missing'.",
        request_parameters={"subject_id": "sub_missing"},
    )
    [event] = stored(caller.tenant, event_source="verification.verity.local")
    assert event.record["errorCode"] == "not_found"
    assert event.record["errorMessage"] == "No subject 'sub_missing'."
    assert event.record["readOnly"] is True
    assert event.error_code == "not_found"
    assert not event.succeeded


def test_request_without_a_valid_key_goes_to_the_platform_log_naming_only_the_key_prefix() -> None:
    token = "vk_live_" + "A" * 12 + "s" * 40
    record_api_request(
        request=api_request(None, "get", "/v1/subjects", HTTP_AUTHORIZATION=f"Bearer {token}"),
        action="verification:ListSubjects",
        status_code=401,
        error_code="authentication_failed",
    )
    [event] = stored(None, request_id="req-123")
    assert event.record["userIdentity"]["type"] == "AWSAccount"
    assert event.record["userIdentity"]["accountId"] == "ANONYMOUS_PRINCIPAL"
    assert event.record["userIdentity"]["accessKeyId"] == "vk_live_" + "A" * 12
    assert "s" * 40 not in str(event.record)
    assert event.tenant_id is None


def test_request_id_defaults_to_the_current_x_request_id(caller: Caller) -> None:
    token = current_request_id.set("from-the-middleware")
    try:
        with tenant_scope(caller.tenant):
            record_event(
                tenant=caller.tenant,
                event_source="tenants.verity.local",
                event_name="GetTenant",
                identity=system_identity(caller.tenant),
                read_only=True,
            )
    finally:
        current_request_id.reset(token)
    assert stored(caller.tenant, event_name="GetTenant")[0].record["requestID"] == "from-the-middleware"


def test_admin_sign_in_sign_out_and_failed_sign_in_are_console_events() -> None:
    membership = MembershipFactory(role=Role.COMPLIANCE_OFFICER)
    user = membership.user
    client = Client(REMOTE_ADDR="198.51.100.4", HTTP_USER_AGENT="Firefox")
    assert client.login(username=user.username, password="correct horse battery staple")
    client.logout()
    assert not client.login(username=user.username, password="wrong password")
    client.post("/admin/login/", {"username": "no-such-user", "password": "hunter2hunter2"})

    login, logout, failed = stored(membership.tenant, event_source="signin.verity.local")
    assert login.record["eventName"] == "ConsoleLogin"
    assert login.record["eventType"] == "AwsConsoleSignIn"
    assert login.record["responseElements"] == {"ConsoleLogin": "Success"}
    assert login.record["userIdentity"]["userName"] == user.username
    assert login.record["userIdentity"]["arn"] == f"arn:verity:iam::{membership.tenant.account_id}:user/{user.username}"
    assert logout.record["eventName"] == "ConsoleLogout"
    assert failed.record["responseElements"] == {"ConsoleLogin": "Failure"}
    assert failed.record["errorMessage"] == "Failed authentication"
    unknown = stored(None, event_name="ConsoleLogin", error_code="FailedAuthentication")[-1]
    assert unknown.record["userIdentity"]["userName"] == HIDDEN
    assert unknown.record["sourceIPAddress"] == "198.51.100.4"
    assert "no-such-user" not in str(unknown.record)
    assert "hunter2" not in str(unknown.record)


def test_admin_change_names_the_changed_fields_but_not_their_values() -> None:
    membership = MembershipFactory()
    client = Client()
    client.force_login(membership.user)
    client.post("/admin/verification/subject/add/", {"external_id": "customer-1", "metadata": "{}"})
    with tenant_scope(membership.tenant):
        subject_id = Subject.objects.get().pk
    client.post(
        f"/admin/verification/subject/{subject_id}/change/", {"external_id": "customer-secret-2", "metadata": "{}"}
    )

    created, changed = stored(membership.tenant, event_source="admin.verity.local")
    assert created.record["eventName"] == "CreateSubject"
    assert changed.record["eventName"] == "UpdateSubject"
    parameters = changed.record["requestParameters"]
    assert (parameters["model"], parameters["objectId"]) == ("verification.subject", str(subject_id))
    assert "External id" in parameters["changedFields"]
    assert "customer-secret-2" not in str(changed.record)
    assert changed.record["userIdentity"]["type"] == "IAMUser"
    assert changed.record["resources"][0]["ARN"].endswith(f":subject/{subject_id}")


def test_operator_change_to_a_tenant_object_goes_to_that_tenants_log_as_an_operator() -> None:
    operator = get_user_model().objects.create_superuser("ops", "ops@example.com", "a-long-operator-password")
    tenant = TenantFactory()
    client = Client()
    client.force_login(operator)
    client.post("/admin/verification/subject/add/", {"tenant": tenant.pk, "external_id": "c-1", "metadata": "{}"})
    [event] = stored(tenant, event_source="admin.verity.local")
    assert event.record["eventName"] == "CreateSubject"
    assert event.record["userIdentity"]["type"] == "AWSAccount"
    assert event.record["userIdentity"]["userName"] == "ops"


def test_downstream_aws_calls_keep_the_real_source_and_operation(caller: Caller) -> None:
    record_aws_call(
        tenant=caller.tenant,
        service="kms",
        operation="CreateKey",
        request_parameters={"KeyUsage": "ENCRYPT_DECRYPT", "Description": "Verity tenant x"},
        response_elements={"KeyMetadata": {"KeyId": "k-1", "Arn": "arn:aws:kms:us-east-1:1:key/k-1"}},
    )
    record_aws_call(
        tenant=caller.tenant,
        service="s3",
        operation="PutObject",
        request_parameters={"Bucket": "b", "Key": "k", "Body": b"secret bytes"},
        response_elements={"ETag": '"abc"'},
    )
    kms, s3 = stored(caller.tenant, event_source__endswith=".amazonaws.com")
    assert kms.record["eventSource"] == "kms.amazonaws.com"
    assert kms.record["eventName"] == "CreateKey"
    assert kms.record["readOnly"] is False
    assert kms.record["eventCategory"] == "Management"
    assert kms.record["requestParameters"] == {"KeyUsage": "ENCRYPT_DECRYPT", "Description": HIDDEN}
    assert kms.record["userIdentity"]["type"] == "AWSService"
    assert kms.record["userIdentity"]["invokedBy"] == "verity.internal"
    assert s3.record["eventSource"] == "s3.amazonaws.com"
    assert s3.record["eventCategory"] == "Data"
    assert s3.record["managementEvent"] is False
    assert s3.record["requestParameters"]["Body"] == HIDDEN


def test_gateway_rekognition_calls_are_recorded_without_image_bytes(caller: Caller) -> None:
    call = CallRecord(
        tenant_id=caller.tenant.pk,
        region=caller.tenant.region,
        operation="SearchFacesByImage",
        request_parameters={
            "CollectionId": "verity-t-1",
            "Image": {"sha256": "ab" * 32, "size": 1234},
            "FaceMatchThreshold": 95,
        },
        response_summary={"FaceMatches": {"count": 1, "FaceIds": ["f-1"]}, "FaceModelVersion": "7.0"},
        error_code=None,
        error_message=None,
        started_at=datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
        latency_ms=12.3456,
        attempts=1,
        request_id="aws-req-1",
        cached=False,
    )
    with tenant_scope(caller.tenant):
        record_gateway_call(call)
    [event] = stored(caller.tenant, event_source="rekognition.amazonaws.com")
    assert event.record["eventSource"] == "rekognition.amazonaws.com"
    assert event.record["eventName"] == "SearchFacesByImage"
    assert event.record["eventTime"] == "2025-01-02T03:04:05Z"
    assert event.record["readOnly"] is True
    assert event.record["requestParameters"]["Image"] == {"sha256": "ab" * 32, "size": 1234}
    assert event.record["responseElements"]["FaceMatches"] == {"count": 1, "FaceIds": ["f-1"]}
    assert event.record["additionalEventData"]["awsRequestId"] == "aws-req-1"


def test_a_fan_outs_calls_commit_together_whatever_the_callers_transaction_does(caller: Caller) -> None:
    searches = [
        CallRecord(
            tenant_id=caller.tenant.pk,
            region=caller.tenant.region,
            operation="SearchFacesByImage",
            request_parameters={"CollectionId": f"verity-t-{shard}"},
            response_summary={"FaceModelVersion": "7.0"},
            error_code="engine_throttled" if shard == 2 else None,
            error_message=None,
            started_at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
            latency_ms=100.0,
            attempts=1,
            request_id=f"aws-req-{shard}",
            cached=False,
        )
        for shard in range(3)
    ]

    def searched_then_failed() -> None:
        with tenant_scope(caller.tenant), transaction.atomic():
            record_gateway_calls(searches)
            raise RuntimeError("the step that searched failed afterwards")

    with pytest.raises(RuntimeError):
        searched_then_failed()

    events = stored(caller.tenant, event_source="rekognition.amazonaws.com")
    assert sorted(event.record["additionalEventData"]["awsRequestId"] for event in events) == [
        "aws-req-0",
        "aws-req-1",
        "aws-req-2",
    ]
    assert [event.error_code for event in events].count("engine_throttled") == 1


def test_system_actions_are_service_events(caller: Caller) -> None:
    record_system_event(
        tenant=caller.tenant,
        event_source="audit.verity.local",
        event_name="PurgeEvents",
        details={"cutoff": "2020-01-01T00:00:00Z", "deletedCount": 3, "unlisted": "dropped"},
    )
    [event] = stored(caller.tenant, event_source="audit.verity.local")
    assert event.record["eventType"] == "AwsServiceEvent"
    assert event.record["serviceEventDetails"] == {"cutoff": "2020-01-01T00:00:00Z", "deletedCount": 3}
    assert event.record["userIdentity"]["type"] == "AWSService"
    assert event.record["sourceIPAddress"] == "verity.internal"


def test_a_rolled_back_change_leaves_no_event_but_commit_now_does(caller: Caller) -> None:
    def record(**options: Any) -> None:
        record_event(
            tenant=caller.tenant,
            event_source="verification.verity.local",
            event_name="CreateSubject",
            identity=system_identity(caller.tenant),
            **options,
        )

    def failing_change() -> None:
        with tenant_scope(caller.tenant), transaction.atomic():
            record()
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        failing_change()
    assert stored(caller.tenant, event_name="CreateSubject") == []

    record(error_code="internal_error", commit_now=True)
    assert [event.error_code for event in stored(caller.tenant, event_name="CreateSubject")] == ["internal_error"]


def test_unknown_event_type_is_a_programming_error(caller: Caller) -> None:
    with pytest.raises(ValueError, match="eventType"):
        record_event(
            tenant=caller.tenant,
            event_source="x.verity.local",
            event_name="X",
            identity=system_identity(caller.tenant),
            event_type="AwsSomethingElse",
        )


def test_a_staff_user_without_a_tenant_signs_in_to_the_platform_log() -> None:
    user = UserFactory()
    Client().force_login(user)
    assert stored(None, event_name="ConsoleLogin", user_name=user.username)
