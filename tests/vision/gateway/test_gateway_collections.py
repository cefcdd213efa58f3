"""The tenant's shard collections: created through the gateway, idempotent, extensible; a stable shard chooser."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from botocore.stub import Stubber

from config.errors import DomainError
from tenants.models import Tenant
from tenants.scope import tenant_scope
from tests.factories import TenantFactory
from vision.errors import ResourceNotFound
from vision.gateway import Gateway
from vision.models import FaceCollection, collection_name
from vision.services import collections_ensure, shard_for


def _arn(name: str) -> str:
    return f"aws:rekognition:us-east-1:123456789012:collection/{name}"


def _expect_create(stub: Stubber, tenant: Tenant, shard: int, model_version: str = "7.0") -> None:
    name = collection_name(tenant=tenant, shard=shard)
    stub.add_response(
        "create_collection",
        {"StatusCode": 200, "CollectionArn": _arn(name), "FaceModelVersion": model_version},
        expected_params={"CollectionId": name, "Tags": {"verity:tenant": tenant.slug}},
    )


def _ensure(tenant: Tenant) -> list[FaceCollection]:
    with tenant_scope(tenant):
        return collections_ensure(tenant=tenant)


def _call(tenant: Tenant, operation: str, **params: object) -> dict[str, object]:
    with tenant_scope(tenant):
        return Gateway(tenant).call(operation, **params)


def _shards(tenant: Tenant) -> list[tuple[int, str, str, int]]:
    with tenant_scope(tenant):
        return [(c.shard, c.collection_id, c.face_model_version, c.face_count) for c in FaceCollection.objects.all()]


def test_collections_ensure_creates_every_shard_and_records_the_face_model(stub: Stubber) -> None:
    tenant = TenantFactory(slug="acme", public_id="ten_acme", shard_count=2)
    _expect_create(stub, tenant, 0)
    _expect_create(stub, tenant, 1)

    collections = _ensure(tenant)

    assert [c.collection_id for c in collections] == ["verity-ten_acme-s00", "verity-ten_acme-s01"]
    assert collections[1].collection_arn == _arn("verity-ten_acme-s01")
    assert _shards(tenant) == [(0, "verity-ten_acme-s00", "7.0", 0), (1, "verity-ten_acme-s01", "7.0", 0)]


def test_collections_ensure_is_idempotent(stub: Stubber) -> None:
    tenant = TenantFactory(shard_count=1)
    _expect_create(stub, tenant, 0)
    _ensure(tenant)

    # No answer is queued: a second CreateCollection would fail the call.
    assert [c.shard for c in _ensure(tenant)] == [0]


def test_raising_the_shard_count_adds_only_the_new_shards(stub: Stubber) -> None:
    tenant = TenantFactory(slug="grow", shard_count=1)
    _expect_create(stub, tenant, 0, model_version="6.0")
    _ensure(tenant)

    tenant.shard_count = 3
    tenant.save(update_fields=["shard_count"])
    _expect_create(stub, tenant, 1)
    _expect_create(stub, tenant, 2)
    _ensure(tenant)

    assert [(shard, version) for shard, _, version, _ in _shards(tenant)] == [(0, "6.0"), (1, "7.0"), (2, "7.0")]


def test_an_existing_collection_without_a_row_is_adopted(stub: Stubber) -> None:
    tenant = TenantFactory(slug="restored", public_id="ten_restored", shard_count=1)
    stub.add_client_error("create_collection", "ResourceAlreadyExistsException", "exists", 400)
    stub.add_response(
        "describe_collection",
        {
            "FaceCount": 1234,
            "FaceModelVersion": "6.0",
            "CollectionARN": _arn("verity-ten_restored-s00"),
            "CreationTimestamp": datetime(2024, 1, 1, tzinfo=UTC),
        },
        expected_params={"CollectionId": "verity-ten_restored-s00"},
    )

    _ensure(tenant)

    assert _shards(tenant) == [(0, "verity-ten_restored-s00", "6.0", 1234)]


def test_an_engine_failure_creates_no_row(stub: Stubber) -> None:
    tenant = TenantFactory(shard_count=1)
    stub.add_client_error("create_collection", "AccessDeniedException", "no rekognition:CreateCollection", 400)

    with pytest.raises(DomainError, match="may not call CreateCollection"):
        _ensure(tenant)

    assert _shards(tenant) == []


def test_a_tenant_sees_only_its_own_collections(stub: Stubber) -> None:
    first, second = TenantFactory(shard_count=1), TenantFactory(shard_count=1)
    _expect_create(stub, first, 0)
    _ensure(first)

    assert _shards(second) == []
    assert len(_shards(first)) == 1


def test_a_collection_of_another_tenant_is_refused_before_any_engine_call(stub: Stubber) -> None:
    first, second = TenantFactory(shard_count=1), TenantFactory(shard_count=1)
    _expect_create(stub, second, 0)
    _ensure(second)
    theirs = collection_name(tenant=second, shard=0)

    # No answer is queued: any call to the engine would fail with a Stubber error instead.
    for operation, params in [
        ("DescribeCollection", {}),
        ("DeleteCollection", {}),
        ("ListFaces", {}),
        ("DeleteFaces", {"FaceIds": ["11111111-1111-1111-1111-111111111111"]}),
        ("SearchFaces", {"FaceId": "11111111-1111-1111-1111-111111111111"}),
    ]:
        with pytest.raises(ResourceNotFound) as caught:
            _call(first, operation, CollectionId=theirs, **params)
        assert caught.value.code == "collection_not_found"
    with pytest.raises(ResourceNotFound):
        _call(first, "CreateCollection", CollectionId="verity-anything-s00")


def test_collections_recorded_under_an_older_naming_rule_stay_usable_by_their_tenant_only(stub: Stubber) -> None:
    owner, other = TenantFactory(), TenantFactory()
    with tenant_scope(owner):
        FaceCollection.objects.create(
            tenant=owner, shard=0, collection_id="verity-legacy-s00", collection_arn="arn", face_model_version="7.0"
        )
    stub.add_response(
        "describe_collection",
        {"FaceCount": 0, "FaceModelVersion": "7.0", "CollectionARN": _arn("verity-legacy-s00")},
        expected_params={"CollectionId": "verity-legacy-s00"},
    )

    assert _call(owner, "DescribeCollection", CollectionId="verity-legacy-s00")["FaceCount"] == 0
    with pytest.raises(ResourceNotFound):
        _call(other, "DescribeCollection", CollectionId="verity-legacy-s00")


def test_shard_for_is_stable_across_processes_and_releases() -> None:
    # Pinned values (and so no dependence on PYTHONHASHSEED): a change here would send existing
    # subjects to the wrong shard.
    assert shard_for("sub_abcdefghijklmnopqrstuvwx", 16) == 13
    assert shard_for("sub_abcdefghijklmnopqrstuvwx", 7) == 4
    assert [shard_for(f"sub_{n:024d}", 16) for n in range(6)] == [10, 10, 0, 2, 5, 10]
    assert shard_for("anything", 1) == 0


def test_shard_for_spreads_subjects_evenly() -> None:
    counts = Counter(shard_for(f"sub_{n:024d}", 8) for n in range(16_000))

    assert sorted(counts) == list(range(8))
    assert all(1_800 <= count <= 2_200 for count in counts.values())  # 2,000 expected per shard


def test_shard_for_needs_a_shard() -> None:
    with pytest.raises(ValueError, match="at least one shard"):
        shard_for("sub_x", 0)
