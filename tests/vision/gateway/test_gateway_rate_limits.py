"""The tenant's per-operation quota, shared through Redis by every process."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from botocore.stub import Stubber

from config.errors import DomainError
from tests.factories import TenantFactory
from vision.calls import CallRecord
from vision.errors import RateLimited
from vision.gateway import CONTROL_PLANE_TPS, Gateway, rate_quota
from vision.models import collection_name

PROJECT = Path(__file__).resolve().parents[3]


def test_quotas_come_from_the_tenant_else_the_aws_like_defaults(db: None) -> None:
    tenant = TenantFactory(rate_quotas={"DetectFaces": 7})

    assert rate_quota(tenant, "DetectFaces") == 7
    assert rate_quota(tenant, "SearchFacesByImage") == 25
    assert rate_quota(tenant, "CreateCollection") == CONTROL_PLANE_TPS


def test_an_exhausted_quota_raises_rate_limited_without_calling_the_engine(
    stub: Stubber, photo: bytes, records: list[CallRecord]
) -> None:
    tenant = TenantFactory(rate_quotas={"DetectText": 2})
    gateway = Gateway(tenant, max_wait=0)
    # Different filters each time, so that no answer comes from the result cache.
    for confidence in (50.0, 60.0):
        stub.add_response("detect_text", {"TextDetections": []})
        gateway.call("DetectText", Image={"Bytes": photo}, Filters={"WordFilter": {"MinConfidence": confidence}})

    with pytest.raises(RateLimited) as raised:
        gateway.call("DetectText", Image={"Bytes": photo}, Filters={"WordFilter": {"MinConfidence": 70.0}})

    assert (raised.value.code, raised.value.status) == ("rate_limited", 429)
    assert 0 < raised.value.retry_after <= 1.0
    assert records[-1].error_code == "rate_limited"
    assert records[-1].attempts == 0


def test_the_quota_is_per_operation_and_per_tenant(stub: Stubber, photo: bytes) -> None:
    first, second = TenantFactory(rate_quotas={"DetectFaces": 1}), TenantFactory(rate_quotas={"DetectFaces": 1})
    stub.add_response("detect_faces", {"FaceDetails": []})
    stub.add_response("detect_faces", {"FaceDetails": []})
    stub.add_response("detect_moderation_labels", {"ModerationLabels": []})

    Gateway(first, max_wait=0).call("DetectFaces", Image={"Bytes": photo})
    Gateway(second, max_wait=0).call("DetectFaces", Image={"Bytes": photo})
    Gateway(first, max_wait=0).call("DetectModerationLabels", Image={"Bytes": photo})


def test_a_call_waits_a_bounded_time_for_a_token(stub: Stubber) -> None:
    tenant = TenantFactory(rate_quotas={"DeleteFaces": 2})
    gateway = Gateway(tenant, max_wait=3.0)
    face_ids = ["11111111-2222-3333-4444-555555555555"]
    for _ in range(3):
        stub.add_response("delete_faces", {"DeletedFaces": face_ids})

    started = time.monotonic()
    for _ in range(3):
        gateway.call("DeleteFaces", CollectionId=collection_name(tenant=tenant, shard=0), FaceIds=face_ids)

    assert 0.3 < time.monotonic() - started < 3.0


def test_retries_take_tokens_too(stub: Stubber, photo: bytes) -> None:
    tenant = TenantFactory(rate_quotas={"DetectFaces": 1})
    stub.add_client_error("detect_faces", "ThrottlingException", "slow down", 500)

    with pytest.raises(DomainError) as raised:
        Gateway(tenant, max_wait=0).call("DetectFaces", Image={"Bytes": photo})

    assert raised.value.code == "rate_limited"


_WORKER = textwrap.dedent(
    """
    import sys
    import django

    django.setup()
    from tenants.models import Tenant
    from vision.errors import RateLimited
    from vision.gateway import acquire_token

    tenant = Tenant(public_id=sys.argv[1], slug="shared", rate_quotas={"SearchFacesByImage": int(sys.argv[2])})
    print("ready", flush=True)
    sys.stdin.readline()
    granted = 0
    for _ in range(int(sys.argv[3])):
        try:
            acquire_token(tenant, "SearchFacesByImage", max_wait=0)
            granted += 1
        except RateLimited:
            pass
    print(granted, flush=True)
    """
)


def test_two_processes_share_one_quota() -> None:
    quota, attempts = 10, 15
    tenant_key = f"ten_shared{time.time_ns()}"
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "config.settings"}
    workers = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", _WORKER, tenant_key, str(quota), str(attempts)],
            cwd=PROJECT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for worker in workers:
        assert worker.stdout is not None
        assert worker.stdout.readline().strip() == "ready"
    for worker in workers:  # both start their burst together, within one window
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    granted = [int(worker.communicate(timeout=60)[0].strip()) for worker in workers]

    assert sum(granted) == quota  # not 2 x quota: the limit is shared, and never exceeded
    assert all(count < attempts for count in granted)
