"""API plumbing shared by every endpoint: problem details, request ids, idempotency, limits, probes."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connections
from django.test import Client
from rest_framework.test import APIClient

from tenants.models import IdempotencyRecord
from tenants.scope import tenant_scope
from tests.conftest import Caller, make_caller
from verification.models import Subject

PROBLEM_FIELDS = {"type", "title", "status", "detail", "code", "instance", "request_id"}


def _assert_problem(response: Any, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) >= PROBLEM_FIELDS
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"urn:verity:problem:{code}"
    assert "Traceback" not in response.content.decode()
    return body


def _count(caller: Caller) -> int:
    with tenant_scope(caller.tenant):
        return Subject.objects.count()


@pytest.mark.django_db
def test_unknown_route_is_a_problem_404() -> None:
    _assert_problem(Client().get("/v1/no-such-thing"), 404, "not_found")


@pytest.mark.django_db
def test_wrong_method_is_a_problem_405_with_allow(caller: Caller) -> None:
    response = caller.client.delete("/v1/tenant")
    _assert_problem(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


@pytest.mark.django_db
def test_health_probe_wrong_method_is_a_problem_405() -> None:
    response = Client().post("/healthz")
    _assert_problem(response, 405, "method_not_allowed")


@pytest.mark.django_db
def test_malformed_json_is_a_precise_400(caller: Caller) -> None:
    response = caller.client.post("/v1/subjects", "{not json", content_type="application/json")
    _assert_problem(response, 400, "malformed_json")
    assert _count(caller) == 0


@pytest.mark.django_db
def test_unsupported_media_type_is_415(caller: Caller) -> None:
    response = caller.client.post("/v1/subjects", "external_id=x", content_type="application/x-www-form-urlencoded")
    _assert_problem(response, 415, "unsupported_media_type")


@pytest.mark.django_db
def test_oversized_body_is_refused_before_parsing(caller: Caller, settings: Any) -> None:
    settings.VERITY_MAX_BODY_BYTES = 1024
    response = caller.client.post("/v1/subjects", {"metadata": {"x": "y" * 2000}}, format="json")
    _assert_problem(response, 413, "request_too_large")
    assert _count(caller) == 0


@pytest.mark.django_db
def test_unhandled_error_is_a_500_problem_without_traceback(caller: Caller, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(**kwargs: Any) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr("verification.api.subject_create", explode)
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {caller.token}")
    body = _assert_problem(client.post("/v1/subjects", {}, format="json"), 500, "internal_error")
    assert "secret internals" not in str(body)


@pytest.mark.django_db
def test_request_id_is_echoed_or_generated(caller: Caller) -> None:
    echoed = caller.client.get("/v1/tenant", HTTP_X_REQUEST_ID="req-abc.123")
    assert echoed["X-Request-Id"] == "req-abc.123"
    generated = caller.client.get("/v1/tenant", HTTP_X_REQUEST_ID="bad id with spaces\n")
    assert generated["X-Request-Id"] != "bad id with spaces\n"
    assert len(generated["X-Request-Id"]) == 36
    problem = caller.client.get("/v1/subjects/sub_missing", HTTP_X_REQUEST_ID="trace-1")
    assert problem.json()["request_id"] == "trace-1"


@pytest.mark.django_db
def test_idempotent_replay_returns_the_stored_response(caller: Caller) -> None:
    first = caller.client.post("/v1/subjects", {"external_id": "i1"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = caller.client.post("/v1/subjects", {"external_id": "i1"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert _count(caller) == 1


@pytest.mark.django_db
def test_idempotency_key_with_a_different_body_is_a_conflict(caller: Caller) -> None:
    caller.client.post("/v1/subjects", {"external_id": "i1"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    other = caller.client.post("/v1/subjects", {"external_id": "i2"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    _assert_problem(other, 409, "idempotency_conflict")
    assert _count(caller) == 1


@pytest.mark.django_db
def test_idempotency_keys_are_scoped_per_tenant(two_tenants: tuple[Caller, Caller]) -> None:
    alice, bob = two_tenants
    a = alice.client.post("/v1/subjects", {"external_id": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="same")
    b = bob.client.post("/v1/subjects", {"external_id": "b"}, format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]


@pytest.mark.django_db
def test_failed_requests_are_not_stored_for_replay(caller: Caller) -> None:
    bad = caller.client.post("/v1/subjects", {"bogus": 1}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert bad.status_code == 400
    with tenant_scope(caller.tenant):
        assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db
def test_malformed_idempotency_key_is_refused(caller: Caller) -> None:
    response = caller.client.post("/v1/subjects", {}, format="json", HTTP_IDEMPOTENCY_KEY="x" * 300)
    _assert_problem(response, 400, "invalid_idempotency_key")
    assert _count(caller) == 0


@pytest.mark.django_db
def test_rate_limit_answers_429_with_retry_after() -> None:
    caller = make_caller(rate_limit="2/minute")
    assert caller.client.get("/v1/tenant").status_code == 200
    assert caller.client.get("/v1/tenant").status_code == 200
    limited = caller.client.get("/v1/tenant")
    _assert_problem(limited, 429, "rate_limited")
    assert int(limited["Retry-After"]) >= 1
    assert limited["RateLimit-Limit"] == "2"
    other_key = make_caller(tenant=caller.tenant)
    assert other_key.client.get("/v1/tenant").status_code == 200  # limits are per key


@pytest.mark.django_db
def test_healthz_answers() -> None:
    assert Client().get("/healthz").json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_ok_when_dependencies_answer() -> None:
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok", "broker": "ok"}


def test_readyz_is_503_when_the_database_is_unreachable(
    django_db_blocker: Any, monkeypatch: pytest.MonkeyPatch, closed_port: int
) -> None:
    connection = connections["default"]
    with django_db_blocker.unblock():
        connection.close()
        monkeypatch.setitem(connection.settings_dict, "PORT", closed_port)
        try:
            response = Client().get("/readyz")
        finally:
            connection.close()
    assert response.status_code == 503
    assert response.json()["checks"]["database"].startswith("unavailable")
    assert response.json()["checks"]["redis"] == "ok"


@pytest.mark.django_db
def test_readyz_is_503_when_the_broker_is_unreachable(settings: Any, closed_port: int) -> None:
    settings.CELERY_BROKER_URL = f"amqp://guest:guest@127.0.0.1:{closed_port}//"
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("unavailable")


@pytest.mark.django_db
def test_unacceptable_accept_header_is_a_problem_406(caller: Caller) -> None:
    response = caller.client.get("/v1/tenant", HTTP_ACCEPT="text/html")
    _assert_problem(response, 406, "not_acceptable")


@pytest.mark.django_db
def test_disallowed_host_is_a_problem_400() -> None:
    response = Client().get("/v1/tenant", HTTP_HOST="evil.example.com")
    _assert_problem(response, 400, "bad_request")


@pytest.mark.django_db
def test_a_malformed_idempotency_key_says_what_a_key_must_be(caller: Caller) -> None:
    response = caller.client.post("/v1/subjects", {}, format="json", HTTP_IDEMPOTENCY_KEY="")
    assert _assert_problem(response, 400, "invalid_idempotency_key")["detail"] == (
        "Idempotency-Key must be 1–255 printable ASCII characters."
    )


@pytest.mark.django_db
def test_a_post_without_an_idempotency_key_stores_nothing_for_replay(caller: Caller) -> None:
    assert caller.client.post("/v1/subjects", {}, format="json").status_code == 201
    with tenant_scope(caller.tenant):
        assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db
def test_a_post_answered_200_is_replayed_too(caller: Caller) -> None:
    subject = caller.client.post("/v1/subjects", {}, format="json").json()["id"]
    consent = {"purpose": "biometric_verification", "text_version": "v1", "method": "checkbox"}
    caller.client.post(f"/v1/subjects/{subject}/consents", consent, format="json")
    second = caller.client.post(f"/v1/subjects/{subject}/consents", consent, format="json").json()["id"]
    path = f"/v1/subjects/{subject}/consents/{second}/withdraw"

    first = caller.client.post(path, {}, format="json", HTTP_IDEMPOTENCY_KEY="withdraw-1")
    again = caller.client.post(path, {}, format="json", HTTP_IDEMPOTENCY_KEY="withdraw-1")

    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()  # not 409 consent_already_withdrawn: the first answer, replayed


@pytest.mark.django_db
def test_the_same_json_in_another_key_order_or_spacing_replays_and_other_bodies_are_compared_as_bytes(
    caller: Caller,
) -> None:
    first = caller.client.post(
        "/v1/subjects",
        '{"external_id":"o1","metadata":{"a":1,"b":2}}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="order",
    )
    reordered = caller.client.post(
        "/v1/subjects",
        '{ "metadata": {"b": 2, "a": 1},\n  "external_id": "o1" }',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="order",
    )
    assert first.status_code == reordered.status_code == 201
    assert reordered["Idempotent-Replayed"] == "true"
    for body in (b"not json", b"\xff\xfe not utf-8"):  # refused as bodies, still fingerprinted, not a 500
        refused = caller.client.post(
            "/v1/subjects", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=f"raw-{body[:3]!r}"
        )
        assert refused.status_code == 400


@pytest.mark.parametrize("value", [320, 1.5, True, ["v1"], {"v": 1}])
def test_a_string_field_refuses_any_other_type_and_changes_nothing(caller: Caller, value: object) -> None:
    """DRF alone would store 320 as "320"; the schema says string."""
    subject = caller.client.post("/v1/subjects", {}, format="json").json()["id"]
    consent = {"purpose": "biometric_verification", "text_version": value, "method": "checkbox"}

    response = caller.client.post(f"/v1/subjects/{subject}/consents", consent, format="json")

    assert (response.status_code, response.json()["code"]) == (400, "validation_error")
    assert [error["pointer"] for error in response.json()["errors"]] == ["/text_version"]
    assert caller.client.get(f"/v1/subjects/{subject}/consents").json()["results"] == []
