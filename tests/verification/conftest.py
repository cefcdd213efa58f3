"""Fixtures for the verification flows: a tenant with real collections on the local engine, consents, photos.

``run_tasks`` makes the Celery app run tasks in the calling thread and runs the on-commit hooks
that enqueue them, so an API call's verification is processed before the test looks at it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from config.aws import aws_client
from tenants.scope import tenant_scope
from tests.conftest import Caller, make_caller
from tests.factories import TenantFactory, with_key_and_bucket
from verification.models import Face, FaceStatus
from verification.tasks import process_verification, run_erasure
from vision.gateway import Gateway
from vision.models import FaceCollection
from vision.services import collections_ensure, shard_for

FACES = Path(__file__).resolve().parents[1] / "fixtures" / "faces"


def photo(name: str) -> bytes:
    return (FACES / f"{name}.jpg").read_bytes()


def b64(data: bytes) -> dict[str, str]:
    return {"bytes": base64.b64encode(data).decode()}


def jpeg(pixels: np.ndarray) -> bytes:
    ok, encoded = cv2.imencode(".jpg", pixels)
    assert ok
    return encoded.tobytes()


def decoded(name: str) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(photo(name), np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return image


def side_by_side(*names: str) -> bytes:
    """A group photo: the portraits next to each other, at one height."""
    images = [decoded(name) for name in names]
    height = min(image.shape[0] for image in images)
    resized = [cv2.resize(image, (int(image.shape[1] * height / image.shape[0]), height)) for image in images]
    return jpeg(np.hstack(resized))


def no_face() -> bytes:
    """A landscape-like gradient: an image, but nobody in it."""
    gradient = np.tile(np.linspace(40, 220, 400, dtype=np.uint8), (300, 1))
    return jpeg(cv2.merge([gradient, np.flipud(gradient), gradient]))


@pytest.fixture
def run_tasks(monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """``with run_tasks(): ...``: the verification tasks enqueued on commit inside the block run when it ends.

    They run in this thread (Celery's ``apply``, retries included) with their arguments after a
    JSON round trip, as the broker would deliver them.
    """
    sent: list[list[Any]] = []

    def send(args: Any = (), kwargs: Any = None, **options: Any) -> Any:
        assert not kwargs
        delivered = json.loads(json.dumps(list(args)))
        sent.append(delivered)
        return process_verification.apply(args=delivered, throw=True)

    monkeypatch.setattr(process_verification, "apply_async", send)

    def run() -> Any:
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture
def erasures(monkeypatch: pytest.MonkeyPatch) -> list[list[Any]]:
    """Erasure tasks enqueued on commit run in this thread (Celery's ``apply``, retries included)."""
    sent: list[list[Any]] = []

    def send(args: Any = (), kwargs: Any = None, **options: Any) -> Any:
        delivered = json.loads(json.dumps(list(args)))
        sent.append(delivered)
        return run_erasure.apply(args=delivered)  # a retry is applied again, as Celery does eagerly

    monkeypatch.setattr(run_erasure, "apply_async", send)
    return sent


@pytest.fixture
def caller(aws: None, db: None) -> Caller:
    """An API caller whose tenant has its KMS key and bucket (moto): uploads are stored there."""
    return make_caller(with_key_and_bucket(TenantFactory()))


@pytest.fixture
def verifier(aws_and_rekognition: None, db: None, settings: Any) -> Caller:
    """An API caller whose tenant has two shards on the local engine, its KMS key and bucket (moto)."""
    settings.VERITY_VISION_RETRY_BASE_DELAY = 0.001
    tenant = with_key_and_bucket(TenantFactory(shard_count=2))
    with tenant_scope(tenant):
        collections_ensure(tenant=tenant)
    return make_caller(tenant)


def new_subject(caller: Caller, *, consent: bool = True, shard: int | None = None) -> str:
    """A subject (with consent), optionally one whose stable hash puts it in ``shard``."""
    while True:
        subject_id: str = caller.client.post("/v1/subjects", {}, format="json").json()["id"]
        if shard is None or shard_for(subject_id, caller.tenant.shard_count) == shard:
            break
    if consent:
        given = caller.client.post(
            f"/v1/subjects/{subject_id}/consents",
            {"purpose": "biometric_verification", "text_version": "v1", "method": "checkbox"},
            format="json",
        )
        assert given.status_code == 201, given.content
    return subject_id


def verify(caller: Caller, run_tasks: Callable[..., Any], **body: Any) -> dict[str, Any]:
    """POST a verification, let the worker run it, and return its final state."""
    with run_tasks():
        created = caller.client.post("/v1/verifications", body, format="json")
    assert created.status_code == 202, created.content
    found: dict[str, Any] = caller.client.get(f"/v1/verifications/{created.json()['id']}").json()
    return found


def register(
    caller: Caller, run_tasks: Callable[..., Any], selfie: str, document: str, *, shard: int | None = None
) -> tuple[str, dict[str, Any]]:
    subject_id = new_subject(caller, shard=shard)
    result = verify(
        caller,
        run_tasks,
        type="registration",
        subject_id=subject_id,
        selfie=b64(photo(selfie)),
        id_document=b64(photo(document)),
    )
    return subject_id, result


def stored_image(caller: Caller, name: str, data: bytes) -> dict[str, Any]:
    """``data`` put in the tenant's bucket (moto) under its prefix, as an API image reference."""
    bucket, key = caller.tenant.storage_bucket, caller.tenant.storage_prefix + name
    s3 = aws_client("s3", caller.tenant.region)
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key=key, Body=data)
    return {"s3_object": {"bucket": bucket, "name": key}}


def in_scope(caller: Caller, work: Callable[[], Any]) -> Any:
    with tenant_scope(caller.tenant):
        return work()


def faces_in_engine(caller: Caller, subject_id: str) -> list[str]:
    """The face ids the engine holds for the subject (ExternalImageId), over every shard, sorted."""
    collections = in_scope(caller, lambda: list(FaceCollection.objects.values_list("collection_id", flat=True)))
    gateway = Gateway(caller.tenant)
    return sorted(
        face["FaceId"]
        for collection in collections
        for face in gateway.call("ListFaces", CollectionId=collection)["Faces"]
        if face.get("ExternalImageId") == subject_id
    )


def active_faces(caller: Caller, subject_id: str) -> list[str]:
    """The subject's usable face ids as Verity records them, sorted."""

    def active() -> list[str]:
        faces = Face.objects.filter(subject__public_id=subject_id, status=FaceStatus.ACTIVE)
        return list(faces.values_list("face_id", flat=True))

    return sorted(in_scope(caller, active))
