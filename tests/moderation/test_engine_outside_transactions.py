"""No moderation code holds a database transaction open across a Rekognition call.

The stubbed engine notes, inside each call, how many atomic blocks the default connection has
open. It must be exactly what the edge's tenant scope itself holds: nothing the services open.
``tenant_scope`` still wraps its block in a transaction today (the lead is changing that); once
it does not, the expected depth is 0 and these tests then assert ``not connection.in_atomic_block``.
pytest-django's ``db`` fixture wraps a test in a transaction, so these tests use ``transactional_db``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from django.db import connection

from config.aws import aws_client
from moderation.models import ModerationResult
from moderation.tasks import collect_video, moderate_image
from tenants.models import Tenant
from tenants.scope import tenant_scope
from tests.conftest import Caller, make_caller
from tests.moderation.conftest import answer, violence

pytestmark = pytest.mark.usefixtures("fake_credentials", "aws", "transactional_db")


def _scope_depth(tenant: Tenant) -> int:
    """Atomic blocks a tenant scope holds by itself (1 while it opens a transaction, else 0)."""
    with tenant_scope(tenant):
        return len(connection.atomic_blocks)


@pytest.fixture
def caller() -> Caller:
    caller = make_caller()
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=caller.tenant.storage_bucket)
    return caller


@pytest.fixture
def engine(caller: Caller) -> Iterator[tuple[Stubber, list[int]]]:
    """A Stubber whose every call records the default connection's open atomic blocks."""
    client = aws_client("rekognition", caller.tenant.region)
    depths: list[int] = []

    def note_depth(**kwargs: Any) -> None:
        depths.append(len(connection.atomic_blocks))

    client.meta.events.register("before-parameter-build.rekognition", note_depth)
    with Stubber(client) as stubber:
        yield stubber, depths
        stubber.assert_no_pending_responses()
    client.meta.events.unregister("before-parameter-build.rekognition", note_depth)


def test_a_synchronous_image_is_sent_outside_any_transaction_of_moderation(
    caller: Caller, engine: tuple[Stubber, list[int]], photo_b64: str
) -> None:
    stub, depths = engine
    stub.add_response("detect_moderation_labels", answer(violence(70)), {"Image": ANY, "MinConfidence": 50.0})
    response = caller.client.post("/v1/moderation/images", {"image": photo_b64}, format="json")
    assert response.status_code == 201
    assert depths == [_scope_depth(caller.tenant)]
    if depths == [0]:
        assert not connection.in_atomic_block


def test_an_async_image_is_sent_outside_any_transaction_of_moderation(
    caller: Caller, engine: tuple[Stubber, list[int]], photo_b64: str
) -> None:
    stub, depths = engine
    body = caller.client.post("/v1/moderation/images?async=true", {"image": photo_b64}, format="json").json()
    with tenant_scope(caller.tenant):
        result = ModerationResult.objects.get(public_id=body["id"])
    stub.add_response("detect_moderation_labels", answer([]), {"Image": ANY, "MinConfidence": 50.0})
    assert moderate_image.apply(args=[caller.tenant.pk, result.pk]).get() == "succeeded"
    assert depths == [_scope_depth(caller.tenant)]


def test_a_video_is_started_and_collected_outside_any_transaction_of_moderation(
    caller: Caller, engine: tuple[Stubber, list[int]]
) -> None:
    stub, depths = engine
    stub.add_response("start_content_moderation", {"JobId": "j" * 64}, None)
    video = {"s3_object": {"bucket": caller.tenant.storage_bucket, "name": "clip.mp4"}}
    body = caller.client.post("/v1/moderation/videos", video, format="json").json()
    with tenant_scope(caller.tenant):
        result = ModerationResult.objects.get(public_id=body["id"])
    stub.add_response("get_content_moderation", {"JobStatus": "SUCCEEDED", "ModerationLabels": []}, None)
    assert collect_video.apply(args=[caller.tenant.pk, result.pk]).get() == "succeeded"
    assert depths == [_scope_depth(caller.tenant)] * 2
