"""Every HTTP method of every /v1/ route is authorised: HEAD as its GET action, OPTIONS and unmapped methods refused."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from audit.models import AuditEvent
from tenants.scope import tenant_scope
from tests.conftest import Caller, make_caller
from tests.factories import SubjectFactory

pytestmark = pytest.mark.django_db

METHODS = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE")
# Served to anyone by design: the OpenAPI document and its interactive viewer hold no tenant data.
PUBLIC_ROUTES = {"v1/schema": "SpectacularAPIView", "v1/docs": "SpectacularSwaggerView"}
PROBLEM_KEYS = {"type", "title", "status", "detail", "code", "instance", "request_id", "action"}
UNRELATED_ONLY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "moderation:DescribeNothing"}]}


def _routes(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


V1_ROUTES = sorted(route for route, _ in _routes(get_resolver().url_patterns) if route.startswith("v1/"))


def _audit_events(caller: Caller) -> list[dict[str, Any]]:
    with tenant_scope(caller.tenant):
        return [dict(e.record) for e in AuditEvent.objects.filter(tenant=caller.tenant).order_by("event_time", "id")]


def test_the_route_list_is_enumerated_from_the_resolver() -> None:
    assert {"v1/tenant", "v1/subjects", "v1/subjects/<str:subject_id>", "v1/audit/events"} <= set(V1_ROUTES)
    assert set(PUBLIC_ROUTES) <= set(V1_ROUTES)


@pytest.mark.parametrize("route", sorted(PUBLIC_ROUTES))
def test_public_routes_are_the_api_documentation_only(route: str) -> None:
    view = get_resolver().resolve(f"/{route}").func
    assert view.view_class.__name__ == PUBLIC_ROUTES[route]  # type: ignore[attr-defined]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("route", [r for r in V1_ROUTES if r not in PUBLIC_ROUTES])
def test_a_key_allowed_nothing_relevant_reads_nothing_by_any_method(route: str, method: str) -> None:
    caller = make_caller(policy=UNRELATED_ONLY)
    subject = SubjectFactory(tenant=caller.tenant, external_id="secret-external-id")
    with tenant_scope(caller.tenant):
        event = AuditEvent.objects.filter(tenant=caller.tenant).first()
    values = {"subject_id": subject.public_id, "event_id": str(event.event_id) if event else "x"}
    path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values.get(m.group(1), "x"), route)

    response = caller.client.generic(method, path, "{}", content_type="application/json")

    assert response.status_code in (403, 405), (method, path, response.status_code)
    assert response["Content-Type"] == "application/problem+json"
    # HEAD sends no body, but what it would have measured (Content-Length) is the problem document.
    body = response.data if method == "HEAD" else response.json()
    assert set(body) <= PROBLEM_KEYS
    assert body["code"] in ("permission_denied", "method_not_allowed")
    assert "secret-external-id" not in str(body)
    assert subject.public_id not in str(body).replace(path, "")


def test_head_request_is_authorised_as_the_get_action() -> None:
    caller = make_caller(
        policy={"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "tenants:GetTenant"}]}
    )
    subject = SubjectFactory(tenant=caller.tenant)
    existing = caller.client.head(f"/v1/subjects/{subject.public_id}")
    missing = caller.client.head("/v1/subjects/sub_doesnotexist")
    assert existing.status_code == missing.status_code == 403
    assert caller.client.head("/v1/tenant").status_code == 200


def test_head_request_is_audited_as_the_get_action(caller: Caller) -> None:
    subject = SubjectFactory(tenant=caller.tenant)
    assert caller.client.head(f"/v1/subjects/{subject.public_id}").status_code == 200
    (record,) = [r for r in _audit_events(caller) if r["eventSource"] == "verification.verity.local"]
    assert record["eventName"] == "GetSubject"
    assert record["readOnly"] is True


def test_head_request_denied_by_an_address_condition_is_refused() -> None:
    caller = make_caller(
        policy={
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "*", "Condition": {"IpAddress": {"verity:SourceIp": "192.0.2.0/24"}}}
            ],
        }
    )
    assert caller.client.head("/v1/subjects", REMOTE_ADDR="198.51.100.1").status_code == 403
    assert caller.client.head("/v1/subjects", REMOTE_ADDR="192.0.2.1").status_code == 200


def test_options_is_answered_without_reading_anything(caller: Caller) -> None:
    response = caller.client.options("/v1/subjects")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert "OPTIONS" not in response["Allow"]
