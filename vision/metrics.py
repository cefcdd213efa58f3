"""Prometheus metrics of the vision gateway and the ``/metrics`` view that exposes them.

Labels are the Rekognition operation and the tenant's slug (bounded: one series per tenant and
operation). Under gunicorn each worker is its own process: set ``PROMETHEUS_MULTIPROC_DIR`` to an
empty directory shared by the workers (before they start) and the view aggregates every
worker's values with prometheus_client's multiprocess collector.
"""

from __future__ import annotations

import ipaddress
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

from config.api.network import client_ip
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

# Prometheus scrapes from inside the deployment; tenant slugs and volumes are not for the internet.
DEFAULT_ALLOWED_NETWORKS = ("127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")


def _allowed(request: HttpRequest) -> bool:
    address = client_ip(request)
    if address is None:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    networks = getattr(settings, "VERITY_METRICS_ALLOWED_NETWORKS", DEFAULT_ALLOWED_NETWORKS)
    return any(ip in ipaddress.ip_network(network, strict=False) for network in networks)


def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus text format; answers 404 outside the allowed networks so the URL is not advertised."""
    if not _allowed(request):
        return problem_response(request, 404, "not_found", "No such resource.")
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry = REGISTRY
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
