"""Provisioning through KMS and S3 (moto): a tenant gets its key, encrypted storage and a first API key."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import boto3
import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from config.aws import aws_client
from config.errors import Conflict, InvalidInput
from tenants.models import ApiKey, Tenant
from tenants.provisioning import tenant_reconcile
from tenants.scope import tenant_scope
from tests.factories import provision
from vision.models import FaceCollection

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("aws_and_rekognition")]


def test_tenant_create_provisions_key_storage_and_a_working_api_key() -> None:
    issued = provision(slug="acme-bank", name="Acme Bank", shard_count=3)
    tenant = Tenant.objects.get(slug="acme-bank")
    assert len(tenant.account_id) == 12
    assert tenant.account_id.isdigit()
    assert tenant.shard_count == 3

    kms = boto3.client("kms", region_name="us-east-1")
    alias = kms.describe_key(KeyId="alias/verity/acme-bank")["KeyMetadata"]
    assert alias["Arn"] == tenant.kms_key_arn
    assert kms.get_key_rotation_status(KeyId=alias["KeyId"])["KeyRotationEnabled"] is True

    s3 = boto3.client("s3", region_name="us-east-1")
    rule = s3.get_bucket_encryption(Bucket=tenant.storage_bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": tenant.kms_key_arn,
    }
    public_access = s3.get_public_access_block(Bucket=tenant.storage_bucket)["PublicAccessBlockConfiguration"]
    assert all(public_access.values())

    with tenant_scope(tenant):
        collections = list(FaceCollection.objects.order_by("shard"))
    assert [c.collection_id for c in collections] == [
        f"verity-{tenant.public_id}-s00",
        f"verity-{tenant.public_id}-s01",
        f"verity-{tenant.public_id}-s02",
    ]
    rekognition = aws_client("rekognition", "us-east-1")
    for collection in collections:
        described = rekognition.describe_collection(CollectionId=collection.collection_id)
        assert described["FaceModelVersion"] == collection.face_model_version

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.token}")
    assert client.get("/v1/tenant").json()["slug"] == "acme-bank"


def test_adding_shards_later_creates_their_collections() -> None:
    provision(slug="growing", name="Growing")
    tenant = Tenant.objects.get(slug="growing")
    tenant.shard_count = 3
    tenant.save()
    with tenant_scope(tenant):
        assert tenant_reconcile(tenant=tenant) == ["collections"]
        assert sorted(FaceCollection.objects.values_list("shard", flat=True)) == [0, 1, 2]


def test_tenant_in_another_region_gets_storage_there() -> None:
    provision(slug="euro-fin", name="Euro Fin", region="eu-west-1")
    tenant = Tenant.objects.get(slug="euro-fin")
    location = boto3.client("s3", region_name="eu-west-1").get_bucket_location(Bucket=tenant.storage_bucket)
    assert location["LocationConstraint"] == "eu-west-1"
    assert ":eu-west-1:" in tenant.kms_key_arn


def test_duplicate_slug_is_refused_and_creates_no_key() -> None:
    provision(slug="acme", name="Acme")
    kms = boto3.client("kms", region_name="us-east-1")
    keys_before = len(kms.list_keys()["Keys"])
    with pytest.raises(Conflict) as raised:
        provision(slug="acme", name="Acme again")
    assert raised.value.code == "tenant_exists"
    assert len(kms.list_keys()["Keys"]) == keys_before


@pytest.mark.parametrize(
    ("slug", "region", "shards"),
    [("Bad Slug", None, 1), ("a", None, 1), ("ok-slug", "moon-base-1", 1), ("ok-slug", None, 0)],
)
def test_invalid_tenant_is_refused_before_touching_aws(slug: str, region: str | None, shards: int) -> None:
    with pytest.raises(InvalidInput) as raised:
        provision(slug=slug, name="x", region=region, shard_count=shards)
    assert raised.value.code == "invalid_tenant"
    assert boto3.client("kms", region_name="us-east-1").list_keys()["Keys"] == []
    assert not Tenant.objects.exists()


def test_failed_provisioning_schedules_the_key_for_deletion(monkeypatch: pytest.MonkeyPatch) -> None:
    def storage_down(tenant: Tenant) -> None:
        raise RuntimeError("S3 is down")

    monkeypatch.setattr("tenants.provisioning._create_storage", lambda tenant, aws: storage_down(tenant))
    with pytest.raises(RuntimeError):
        provision(slug="unlucky", name="Unlucky")
    assert not Tenant.objects.filter(slug="unlucky").exists()
    kms = boto3.client("kms", region_name="us-east-1")
    (key,) = kms.list_keys()["Keys"]
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "PendingDeletion"
    assert not [a for a in kms.list_aliases()["Aliases"] if a["AliasName"] == "alias/verity/unlucky"]


def test_reconcile_recreates_lost_storage_and_key() -> None:
    provision(slug="drift", name="Drift")
    tenant = Tenant.objects.get(slug="drift")
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.delete_bucket(Bucket=tenant.storage_bucket)
    boto3.client("kms", region_name="us-east-1").delete_alias(AliasName="alias/verity/drift")
    with tenant_scope(tenant):
        assert sorted(tenant_reconcile(tenant=tenant)) == ["kms_key", "storage"]
        assert tenant_reconcile(tenant=tenant) == []
    assert s3.get_bucket_encryption(Bucket=tenant.storage_bucket)


def test_tenant_create_command_prints_account_and_key_once() -> None:
    out = StringIO()
    call_command("tenant_create", "cmd-bank", "--name", "Cmd Bank", "--shards", "2", stdout=out)
    printed = out.getvalue()
    tenant = Tenant.objects.get(slug="cmd-bank")
    assert tenant.account_id in printed
    assert "vk_live_" in printed
    again = StringIO()
    call_command("tenant_create", "cmd-bank", "--name", "Cmd Bank", "--if-missing", stdout=again)
    assert "vk_live_" not in again.getvalue()
    with pytest.raises(CommandError, match="tenant_exists"):
        call_command("tenant_create", "cmd-bank", "--name", "Cmd Bank", stdout=StringIO())


def test_apikey_create_command_with_test_mode_policy_and_expiry(tmp_path: Path) -> None:
    provision(slug="keys", name="Keys")
    policy_file = tmp_path / "policy.json"
    policy_file.write_text(
        json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "tenants:*"}]})
    )
    out = StringIO()
    call_command(
        "apikey_create", "keys", "--test", "--policy", str(policy_file), "--expires", "2099-01-01T00:00:00Z", stdout=out
    )
    token = out.getvalue().split("API key: ")[1].split()[0]
    assert token.startswith("vk_test_")
    tenant = Tenant.objects.get(slug="keys")
    with tenant_scope(tenant):
        key = ApiKey.objects.get(prefix=token[:20])
    assert key.expires_at is not None
    assert key.expires_at.year == 2099
    assert key.policy["Statement"][0]["Action"] == "tenants:*"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody"], "No tenant"),
        (["keys", "--expires", "tomorrow"], "ISO 8601"),
        (["keys", "--expires", "2099-01-01T00:00:00"], "time zone"),
        (["keys", "--policy", "/nonexistent/policy.json"], "Cannot read"),
    ],
)
def test_apikey_create_command_refuses_bad_input(args: list[str], message: str) -> None:
    provision(slug="keys", name="Keys")
    with pytest.raises(CommandError, match=message):
        call_command("apikey_create", *args, stdout=StringIO())


def _fail_after_the_collections(monkeypatch: pytest.MonkeyPatch) -> None:
    def key_service_down(**kwargs: object) -> None:
        raise RuntimeError("the first API key could not be issued")

    monkeypatch.setattr("tenants.provisioning.apikey_create", key_service_down)


def test_failed_provisioning_deletes_the_collections_it_created(monkeypatch: pytest.MonkeyPatch) -> None:
    _fail_after_the_collections(monkeypatch)
    with pytest.raises(RuntimeError, match="first API key"):
        provision(slug="half-made", name="Half Made", shard_count=2)

    assert not Tenant.objects.filter(slug="half-made").exists()
    assert aws_client("rekognition", "us-east-1").list_collections()["CollectionIds"] == []


def test_a_later_tenant_with_the_same_slug_adopts_nothing_left_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    rekognition = aws_client("rekognition", "us-east-1")
    with monkeypatch.context() as failing:
        _fail_after_the_collections(failing)
        failing.setattr("tenants.provisioning._delete_collections", lambda tenant, aws: None, raising=False)
        with pytest.raises(RuntimeError):
            provision(slug="reused", name="First")
    (left_behind,) = rekognition.list_collections()["CollectionIds"]
    photo = (Path(__file__).resolve().parents[1] / "fixtures" / "faces" / "person_a_1.jpg").read_bytes()
    rekognition.index_faces(CollectionId=left_behind, Image={"Bytes": photo})

    provision(slug="reused", name="Second")

    tenant = Tenant.objects.get(slug="reused")
    with tenant_scope(tenant):
        (collection,) = FaceCollection.objects.all()
    assert collection.collection_id != left_behind
    assert collection.face_count == 0
    assert rekognition.describe_collection(CollectionId=collection.collection_id)["FaceCount"] == 0
