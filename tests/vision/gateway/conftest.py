"""Fixtures for the vision gateway: a tenant, a Stubber on the gateway's client, images, recorded calls."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber
from PIL import Image

from config.aws import aws_client
from tenants.models import Tenant
from tenants.scope import tenant_scope
from tests.factories import TenantFactory
from vision import calls
from vision.models import FaceCollection

FACES = Path(__file__).resolve().parents[2] / "fixtures" / "faces"


@pytest.fixture(autouse=True)
def _fast_retries_and_fresh_clients(fake_credentials: None) -> None:
    """Millisecond backoff, fake credentials (no instance-metadata lookups), clients built per test."""


@pytest.fixture
def tenant(db: None) -> Iterator[Tenant]:
    """A tenant whose collections are ``verity-demo-s00`` and ``-s09`` (rows, as collections_ensure leaves them).

    The test runs in the tenant's scope, as a service calling the gateway does.
    """
    tenant = TenantFactory()
    with tenant_scope(tenant):
        for shard in (0, 9):
            FaceCollection.objects.create(
                tenant=tenant,
                shard=shard,
                collection_id=f"verity-demo-s{shard:02d}",
                collection_arn=f"aws:rekognition:us-east-1:123456789012:collection/verity-demo-s{shard:02d}",
                face_model_version="7.0",
            )
        yield tenant


@pytest.fixture
def stub(tenant: Tenant) -> Iterator[Stubber]:
    """A Stubber on the gateway's client for ``tenant``; every queued answer must be consumed."""
    with Stubber(aws_client("rekognition", tenant.region)) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def records(monkeypatch: pytest.MonkeyPatch) -> list[calls.CallRecord]:
    """Every CallRecord the gateway hands to its recorders during the test."""
    received: list[calls.CallRecord] = []
    monkeypatch.setattr(calls, "call_recorders", [])
    calls.register_call_recorder(received.extend)
    return received


@pytest.fixture
def photo() -> bytes:
    """A real 716x900 JPEG portrait (see tests/fixtures/faces/CREDITS.md)."""
    return (FACES / "person_b_1.jpg").read_bytes()


def encode(image: Image.Image, fmt: str = "JPEG", **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


@pytest.fixture
def make_image() -> Callable[..., bytes]:
    """``make_image(width, height, fmt="JPEG", orientation=None)``: a two-colour test image."""

    def make(width: int = 200, height: int = 160, fmt: str = "JPEG", orientation: int | None = None) -> bytes:
        image = Image.new("RGB", (width, height), (0, 0, 255))
        image.paste((255, 0, 0), (0, 0, width // 2, height))  # left half red
        options: dict[str, Any] = {}
        if orientation is not None:
            exif = Image.Exif()
            exif[0x0112] = orientation
            options["exif"] = exif.tobytes()
        return encode(image, fmt, **options)

    return make
