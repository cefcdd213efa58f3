"""Offboarding leaves nothing of a tenant but its audit trail, its handover export, a key deletion and a receipt."""

from __future__ import annotations

import base64
import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from config.aws import aws_client
from moderation.models import ModerationResult
from moderation.services.policies import policy_in_force
from tenants import offboarding, tasks
from tenants.models import ApiKey, Role, Tenant
from tenants.scope import tenant_scope
from tests.factories import MembershipFactory, provision
from verification.models import Erasure, Face, Subject
from vision.gateway import Gateway
from vision.models import FaceCollection

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("aws_and_rekognition")]
PHOTO = Path(__file__).resolve().parents[1] / "fixtures" / "faces" / "person_a_2.jpg"


def _tenant_with_data() -> tuple[Tenant, str]:
    issued = provision(slug="leaving-bank", name="Leaving Bank", shard_count=2)
    tenant = Tenant.objects.get(slug="leaving-bank")
    Tenant.objects.filter(pk=tenant.pk).update(created_at=timezone.now() - timedelta(hours=3))
    tenant.refresh_from_db()
    with tenant_scope(tenant):
        subject = Subject.objects.create(tenant=tenant, external_id="customer-1")
        collection = FaceCollection.objects.order_by("shard").first()
        assert collection is not None
        indexed = Gateway(tenant).call(
            "IndexFaces",
            CollectionId=collection.collection_id,
            Image={"Bytes": PHOTO.read_bytes()},
            ExternalImageId=subject.public_id,
            MaxFaces=1,
        )
        Face.objects.create(
            tenant=tenant,
            subject=subject,
            collection=collection,
            face_id=indexed["FaceRecords"][0]["Face"]["FaceId"],
            face_model_version="6.0",
        )
        ModerationResult.objects.create(
            tenant=tenant, media_type="image", status="succeeded", policy=policy_in_force(tenant), decision="approve"
        )
    s3 = aws_client("s3", tenant.region)
    for key in ("uploads/moderation/mod_1", "selfies/a.jpg", "audit/trail/kept.json.gz"):
        s3.put_object(Bucket=tenant.storage_bucket, Key=tenant.storage_prefix + key, Body=b"data")
    return tenant, issued.token


def _keys_in_bucket(tenant: Tenant) -> list[str]:
    listed = aws_client("s3", tenant.region).list_objects_v2(Bucket=tenant.storage_bucket)
    return sorted(item["Key"] for item in listed.get("Contents", []))


def test_offboarding_leaves_only_the_audit_trail_its_export_a_key_deletion_and_a_receipt(
    tmp_path: Path,
) -> None:
    tenant, token = _tenant_with_data()
    receipt_file = tmp_path / "receipt.json"

    call_command("tenant_offboard", tenant.slug, "--receipt", str(receipt_file), stdout=io.StringIO())

    tenant.refresh_from_db()
    assert tenant.status == "offboarded"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get("/v1/tenant").status_code == 401
    with tenant_scope(tenant):
        assert not ApiKey.objects.filter(revoked_at__isnull=True).exists()
        erasure = Erasure.objects.get()
        assert (erasure.reason, erasure.status) == ("offboarding", "completed")
        assert Subject.objects.get().external_id is None
        assert set(Face.objects.values_list("status", flat=True)) == {"deleted"}
        assert not ModerationResult.objects.exists()
        collections = list(FaceCollection.objects.values_list("collection_id", flat=True))
    rekognition = aws_client("rekognition", tenant.region)
    for collection_id in collections:
        with pytest.raises(rekognition.exceptions.ResourceNotFoundException):
            rekognition.describe_collection(CollectionId=collection_id)
    keys = _keys_in_bucket(tenant)
    assert all(key.startswith(f"{tenant.storage_prefix}audit/") for key in keys)
    assert f"{tenant.storage_prefix}audit/trail/kept.json.gz" in keys
    body = json.loads(base64.b64decode(json.loads(receipt_file.read_bytes())["body"]))
    [export] = body["audit"]["exports"]
    assert any(key.startswith(export["prefix"]) for key in keys)  # the handover export is there
    kms = aws_client("kms", tenant.region)
    key = kms.describe_key(KeyId=tenant.kms_key_arn.rsplit("/", 1)[-1])["KeyMetadata"]
    assert key["KeyState"] == "PendingDeletion"
    assert body["kms"]["keyArn"] == tenant.kms_key_arn
    assert not [a for a in kms.list_aliases()["Aliases"] if a["AliasName"] == f"alias/verity/{tenant.slug}"]
    assert (body["keys"]["revoked"], body["subjects"]["erasureIds"], body["storage"]["deleted"]) == (
        1,
        [erasure.public_id],
        2,
    )

    verified = io.StringIO()
    call_command("receipt_verify", str(receipt_file), stdout=verified)
    assert verified.getvalue().strip().endswith("valid")
    # Asked again, the same receipt.
    again = tmp_path / "again.json"
    call_command("tenant_offboard", tenant.slug, "--receipt", str(again), stdout=io.StringIO())
    assert again.read_bytes() == receipt_file.read_bytes()


def test_an_offboarding_that_fails_midway_resumes_without_redoing_a_step(monkeypatch: pytest.MonkeyPatch) -> None:
    tenant, _ = _tenant_with_data()
    ran: list[str] = []
    real = dict(offboarding._STEPS)

    def step(name: str) -> Any:
        def run(tenant: Tenant) -> Any:
            ran.append(name)
            if name == "storage" and ran.count("storage") == 1:
                raise offboarding.UpstreamUnavailable("S3 is down.")
            return real[name](tenant)

        return run

    for name in real:
        monkeypatch.setitem(offboarding._STEPS, name, step(name))

    with pytest.raises(CommandError, match=r"S3 is down\. \(upstream_unavailable\)"):
        call_command("tenant_offboard", tenant.slug)
    tenant.refresh_from_db()
    assert (tenant.status, sorted(tenant.offboarding)) == (
        "suspended",
        sorted(["requestedBy", "startedAt", "keys", "subjects", "moderation", "collections"]),
    )

    call_command("tenant_offboard", tenant.slug)

    assert ran == ["keys", "subjects", "moderation", "collections", "storage", "storage", "audit", "kms"]
    tenant.refresh_from_db()
    assert tenant.status == "offboarded"


def test_offboarding_an_unknown_tenant_is_refused() -> None:
    with pytest.raises(CommandError, match="No tenant 'nobody'"):
        call_command("tenant_offboard", "nobody")


def test_an_operator_offboards_a_tenant_from_the_admin_and_downloads_its_receipt(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    tenant, _ = _tenant_with_data()
    operator = get_user_model().objects.create_superuser("ops", "ops@example.com", "a-long-operator-password")

    def run_now(args: Any = (), kwargs: Any = None, **options: Any) -> Any:
        return tasks.offboard_tenant.apply(args=args, kwargs=kwargs)

    monkeypatch.setattr(tasks.offboard_tenant, "apply_async", run_now)
    client = Client()
    client.force_login(operator)

    response = client.post(
        "/admin/tenants/tenant/", {"action": "offboard", "_selected_action": [tenant.pk]}, follow=True
    )

    assert "Offboarding started for leaving-bank." in response.content.decode()
    tenant.refresh_from_db()
    assert tenant.status == "offboarded"
    page = client.get(f"/admin/tenants/tenant/{tenant.pk}/change/").content.decode()
    assert "download the signed receipt" in page
    receipt = client.get(f"/admin/tenants/tenant/{tenant.pk}/offboarding-receipt/")
    assert receipt.status_code == 200
    assert receipt.content == bytes(tenant.offboarding_receipt)
    assert json.loads(base64.b64decode(json.loads(receipt.content)["body"]))["requestedBy"] == "operator/ops"


def test_only_operators_may_offboard() -> None:
    membership = MembershipFactory(role=Role.TENANT_ADMIN)
    client = Client()
    client.force_login(membership.user)

    page = client.get("/admin/tenants/tenant/").content.decode()

    assert 'value="offboard"' not in page
    response = client.post("/admin/tenants/tenant/", {"action": "offboard", "_selected_action": [membership.tenant.pk]})
    assert response.status_code in (200, 302, 403)
    membership.tenant.refresh_from_db()
    assert membership.tenant.status == "active"
    assert client.get(f"/admin/tenants/tenant/{membership.tenant.pk}/offboarding-receipt/").status_code in (302, 404)
