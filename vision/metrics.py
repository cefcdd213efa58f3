"""Prometheus metrics of the vision gateway and the ``/metrics`` view that exposes them.

Labels are the Rekognition operation and the tenant's slug (bounded: one series per tenant and
operation). Under gunicorn each worker is its own process: set ``PROMETHEUS_MULTIPROC_DIR`` to an
empty directory shared by the workers (before they start) and the view aggregates every
worker's values with prometheus_client's multiprocess collector.

The view is closed unless ``VERITY_METRICS_TOKEN`` is set, and then answers only requests with
``Authorization: Bearer <token>``: tenant slugs and call volumes are not for the internet, and a
client address says nothing once a proxy forwards every request from a private network.
"""

from __future__ import annotations

import hmac
import os

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from config.api.problems import problem_response

CALL_SECONDS = Histogram(
    "verity_vision_call_seconds",
    "Time a gateway call took, including rate-limit waits and retries.",
    ["operation", "tenant"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
CALLS = Counter(
    "verity_vision_calls_total",
    "Gateway calls by outcome: ok, cached, or the error code.",
    ["operation", "tenant", "outcome"],
)
RETRIES = Counter(
    "verity_vision_retries_total",
    "Engine requests sent again, by reason (throttled, server_error, connection).",
    ["operation", "tenant", "reason"],
)
THROTTLES = Counter(
    "verity_vision_throttles_total",
    "Requests held back: by the engine (source=engine) or by the tenant's quota (source=quota).",
    ["operation", "tenant", "source"],
)


def _authorised(request: HttpRequest) -> bool:
    token: str = settings.VERITY_METRICS_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), token.encode())


def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus text format; 404 without the configured bearer token, so the URL is not advertised."""
    if not _authorised(request):
        return problem_response(request, 404, "not_found", "No such resource.")
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry = REGISTRY
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
