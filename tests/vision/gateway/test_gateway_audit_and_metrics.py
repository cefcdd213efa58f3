"""Every call reaches the audit hook without image bytes; metrics count it and /metrics exposes them."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber
from django.test import RequestFactory
from PIL import Image
from prometheus_client import REGISTRY

from config.errors import DomainError
from tenants.models import Tenant
from vision import calls
from vision.calls import CallRecord
from vision.gateway import Gateway
from vision.metrics import metrics_view

FACE_ID = "11111111-2222-3333-4444-555555555555"


def _binary_values(value: Any) -> list[Any]:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return [value]
    if isinstance(value, dict):
        return [found for item in value.values() for found in _binary_values(item)]
    if isinstance(value, (list, tuple)):
        return [found for item in value for found in _binary_values(item)]
    return []


def test_a_successful_call_is_recorded_with_an_image_digest_not_the_image(
    tenant: Tenant, stub: Stubber, photo: bytes, records: list[CallRecord]
) -> None:
    answer = {
        "FaceRecords": [{"Face": {"FaceId": FACE_ID, "Confidence": 99.0}, "FaceDetail": {"Confidence": 99.0}}],
        "UnindexedFaces": [],
        "FaceModelVersion": "7.0",
        "ResponseMetadata": {"RequestId": "req-index-1"},
    }
    stub.add_response("index_faces", answer)

    Gateway(tenant).call("IndexFaces", CollectionId="verity-demo-s00", Image={"Bytes": photo}, ExternalImageId="sub_1")

    record = records[-1]
    assert (record.tenant_id, record.region, record.operation) == (tenant.pk, "us-east-1", "IndexFaces")
    assert (record.attempts, record.request_id, record.error_code, record.cached) == (1, "req-index-1", None, False)
    assert record.request_parameters == {
        "CollectionId": "verity-demo-s00",
        "Image": {"Bytes": {"sha256": hashlib.sha256(photo).hexdigest(), "size": len(photo)}},
        "ExternalImageId": "sub_1",
    }
    assert record.response_summary == {
        "FaceRecords": {"count": 1, "FaceIds": [FACE_ID]},
        "UnindexedFaces": [],
        "FaceModelVersion": "7.0",
    }
    assert record.latency_ms > 0
    assert _binary_values(dataclasses.asdict(record)) == []


def test_image_bytes_in_an_answer_never_reach_the_record(
    tenant: Tenant, stub: Stubber, records: list[CallRecord]
) -> None:
    session = "22222222-3333-4444-5555-666666666666"
    stub.add_response(
        "get_face_liveness_session_results",
        {
            "SessionId": session,
            "Status": "SUCCEEDED",
            "Confidence": 91.0,
            "ReferenceImage": {"Bytes": b"\xff\xd8\xffa face"},
            "AuditImages": [{"Bytes": b"\xff\xd8\xffanother face"}],
        },
    )

    Gateway(tenant).call("GetFaceLivenessSessionResults", SessionId=session)

    assert records[-1].response_summary == {
        "SessionId": session,
        "Status": "SUCCEEDED",
        "Confidence": 91.0,
        "AuditImages": {"count": 1},
    }
    assert _binary_values(dataclasses.asdict(records[-1])) == []


def test_failures_and_refusals_are_recorded_too(
    tenant: Tenant, stub: Stubber, photo: bytes, records: list[CallRecord]
) -> None:
    stub.add_client_error(
        "search_faces_by_image",
        "ResourceNotFoundException",
        "no such collection",
        400,
        response_meta={"RequestId": "req-missing"},
    )
    with pytest.raises(DomainError):
        Gateway(tenant).call("SearchFacesByImage", CollectionId="verity-demo-s09", Image={"Bytes": photo})
    with pytest.raises(DomainError):
        Gateway(tenant).call("DetectFaces", Image={"Bytes": b"not an image"})

    missing, refused = records
    assert (missing.error_code, missing.attempts, missing.request_id) == ("collection_not_found", 1, "req-missing")
    assert missing.error_message == "no such collection"
    assert (refused.error_code, refused.attempts) == ("invalid_image_format", 0)
    assert refused.request_parameters == {
        "Image": {"Bytes": {"sha256": hashlib.sha256(b"not an image").hexdigest(), "size": 12}}
    }


def test_a_failing_recorder_fails_the_call(
    tenant: Tenant, stub: Stubber, monkeypatch: pytest.MonkeyPatch, records: list[CallRecord]
) -> None:
    def broken(records: Sequence[CallRecord]) -> None:
        raise RuntimeError("audit store down")

    calls.register_call_recorder(broken)
    stub.add_response("list_collections", {"CollectionIds": []})

    with pytest.raises(RuntimeError, match="audit store down"):
        Gateway(tenant).call("ListCollections")


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_count_outcomes_and_latency_per_operation_and_tenant(
    tenant: Tenant, stub: Stubber, photo: bytes
) -> None:
    labels = {"operation": "DetectModerationLabels", "tenant": tenant.slug}
    before_ok = _sample("verity_vision_calls_total", outcome="ok", **labels)
    before_cached = _sample("verity_vision_calls_total", outcome="cached", **labels)
    before_bad = _sample("verity_vision_calls_total", outcome="image_too_small", **labels)
    before_count = _sample("verity_vision_call_seconds_count", **labels)
    stub.add_response("detect_moderation_labels", {"ModerationLabels": []})

    Gateway(tenant).call("DetectModerationLabels", Image={"Bytes": photo})
    Gateway(tenant).call("DetectModerationLabels", Image={"Bytes": photo})
    with pytest.raises(DomainError):
        Gateway(tenant).call("DetectModerationLabels", Image={"Bytes": _small_png()})

    assert _sample("verity_vision_calls_total", outcome="ok", **labels) == before_ok + 1
    assert _sample("verity_vision_calls_total", outcome="cached", **labels) == before_cached + 1
    assert _sample("verity_vision_calls_total", outcome="image_too_small", **labels) == before_bad + 1
    assert _sample("verity_vision_call_seconds_count", **labels) == before_count + 3


def _small_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20)).save(buffer, "PNG")
    return buffer.getvalue()


METRICS_TOKEN = "scrape-token-5b1f9e"


def scrape(token: str | None = METRICS_TOKEN, **headers: Any) -> Any:
    if token is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return metrics_view(RequestFactory().get("/metrics", **headers))


@pytest.fixture
def metrics_token(settings: Any) -> str:
    settings.VERITY_METRICS_TOKEN = METRICS_TOKEN
    return METRICS_TOKEN


@pytest.mark.usefixtures("metrics_token")
def test_the_metrics_view_serves_prometheus_text_with_the_token(tenant: Tenant, stub: Stubber, photo: bytes) -> None:
    stub.add_response("detect_faces", {"FaceDetails": []})
    Gateway(tenant).call("DetectFaces", Image={"Bytes": photo})

    response = scrape()

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert f'verity_vision_calls_total{{operation="DetectFaces",outcome="ok",tenant="{tenant.slug}"}}' in body
    assert "verity_vision_call_seconds_bucket" in body


@pytest.mark.usefixtures("metrics_token")
@pytest.mark.parametrize("token", [None, "wrong-token", ""])
def test_the_metrics_view_is_not_found_without_the_token_whatever_the_address(token: str | None) -> None:
    for address in ("127.0.0.1", "10.1.2.3", "203.0.113.9"):
        assert scrape(token, REMOTE_ADDR=address).status_code == 404


def test_the_metrics_view_is_closed_when_no_token_is_configured(settings: Any) -> None:
    settings.VERITY_METRICS_TOKEN = ""
    assert scrape("", REMOTE_ADDR="127.0.0.1").status_code == 404
    assert scrape("anything", REMOTE_ADDR="10.0.0.1").status_code == 404


@pytest.mark.usefixtures("metrics_token")
def test_the_metrics_view_aggregates_worker_processes_in_multiprocess_mode(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    worker = (
        "import django; django.setup()\n"
        "from vision import metrics\n"
        "metrics.CALLS.labels('DetectFaces', 'worker-tenant', 'ok').inc(3)\n"
    )
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "config.settings", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    project = Path(__file__).resolve().parents[3]
    subprocess.run([sys.executable, "-c", worker], cwd=project, env=env, check=True, timeout=60)  # noqa: S603
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    response = scrape()

    assert response.status_code == 200
    sample = 'verity_vision_calls_total{operation="DetectFaces",outcome="ok",tenant="worker-tenant"} 3.0'
    assert sample in response.content.decode()
