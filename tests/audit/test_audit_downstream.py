"""A downstream AWS call's audit event survives the rollback of the business transaction around it.

The call really happened (a face indexed, a key created), so its record must not disappear with
a change that failed later: the recorder commits it on the ``audit`` connection at once.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from botocore.stub import Stubber
from django.db import transaction
from PIL import Image

from audit.identity import system_identity
from audit.integrity import chain_verify
from audit.models import AuditChainEntry, AuditEvent
from audit.recording import record_event
from config.aws import aws_client, reset_clients
from tenants import provisioning
from tenants.models import Tenant
from tenants.scope import platform_scope, tenant_scope
from tests.factories import SubjectFactory, TenantFactory
from verification.models import Subject
from vision.gateway import Gateway
from vision.models import collection_name

pytestmark = pytest.mark.django_db


class BusinessFailure(Exception):
    """The change that made the call failed after it."""


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 120), (200, 160, 140)).save(out, format="JPEG")
    return out.getvalue()


def _events(tenant_id: int | None, **filters: Any) -> list[AuditEvent]:
    with platform_scope() if tenant_id is None else tenant_scope(tenant_id):
        return list(AuditEvent.objects.filter(tenant_id=tenant_id, **filters).order_by("id"))


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    reset_clients()
    with Stubber(aws_client("rekognition", "us-east-1")) as stubber:
        yield stubber
    reset_clients()


def test_gateway_call_audit_survives_business_rollback(stub: Stubber) -> None:
    tenant = TenantFactory(region="us-east-1")
    stub.add_response(
        "index_faces",
        {
            "FaceRecords": [{"Face": {"FaceId": "11111111-2222-3333-4444-555555555555", "Confidence": 99.0}}],
            "FaceModelVersion": "7.0",
            "ResponseMetadata": {"RequestId": "req-index-1"},
        },
    )

    def register() -> None:
        # As a service does: the engine call outside any transaction, then the outcome's writes.
        with tenant_scope(tenant):
            Gateway(tenant).call(
                "IndexFaces",
                CollectionId=collection_name(tenant=tenant, shard=0),
                Image={"Bytes": _jpeg()},
                ExternalImageId="sub_registering",
            )
            with transaction.atomic():
                SubjectFactory(tenant=tenant)
                raise BusinessFailure

    with pytest.raises(BusinessFailure):
        register()

    with tenant_scope(tenant):
        assert not Subject.objects.exists()  # the business change is gone...
    [event] = _events(tenant.pk, event_source="rekognition.amazonaws.com")  # ...the call's record is not
    assert event.event_name == "IndexFaces"
    assert event.record["additionalEventData"]["awsRequestId"] == "req-index-1"
    with tenant_scope(tenant):
        assert AuditChainEntry.objects.get(event=event).hash is not None  # sealed once it committed
        report = chain_verify(tenant=tenant)
    assert report.ok, report.problems
    assert report.events_checked == 1


@pytest.mark.usefixtures("aws_and_rekognition")
def test_provisioning_calls_stay_in_the_log_when_provisioning_fails_after_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    provisioned: list[Tenant] = []

    def first_key_fails(*, tenant: Tenant, **options: Any) -> Any:
        provisioned.append(tenant)
        raise BusinessFailure

    monkeypatch.setattr(provisioning, "apikey_create", first_key_fails)
    with pytest.raises(BusinessFailure), platform_scope():
        provisioning.tenant_create(slug="rolled-back", name="Rolled back")

    [tenant] = provisioned
    assert not Tenant.objects.filter(slug="rolled-back").exists()
    calls = [(event.event_source, event.event_name) for event in _events(tenant.pk)]
    assert calls == [
        ("kms.amazonaws.com", "CreateKey"),
        ("kms.amazonaws.com", "EnableKeyRotation"),
        ("kms.amazonaws.com", "CreateAlias"),
        ("s3.amazonaws.com", "CreateBucket"),
        ("s3.amazonaws.com", "PutPublicAccessBlock"),
        ("s3.amazonaws.com", "PutBucketEncryption"),
        ("rekognition.amazonaws.com", "CreateCollection"),
    ]
    # Compensation's calls are the platform's (no tenant row stands), and recorded too.
    undone = [event for event in _events(None, event_name="DeleteBucket") if tenant.storage_bucket in str(event.record)]
    assert len(undone) == 1


def test_commit_now_stands_when_the_surrounding_transaction_rolls_back() -> None:
    tenant = TenantFactory()

    def record(**options: Any) -> None:
        record_event(
            tenant=tenant,
            event_source="verification.verity.local",
            event_name="CreateSubject",
            identity=system_identity(tenant),
            **options,
        )

    def failing_change() -> None:
        with tenant_scope(tenant), transaction.atomic():
            record()
            record(error_code="internal_error", commit_now=True)
            raise BusinessFailure

    with pytest.raises(BusinessFailure):
        failing_change()

    assert [event.error_code for event in _events(tenant.pk)] == ["internal_error"]
