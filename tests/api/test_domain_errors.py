"""Domain errors raised in an API view become their problem documents, end to end."""

from __future__ import annotations

import inspect

import pytest

from config.errors import DomainError
from tests.conftest import Caller
from vision import errors

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.raising_urls")]

VISION_ERRORS = sorted(
    name
    for name, value in vars(errors).items()
    if inspect.isclass(value) and issubclass(value, DomainError) and value.__module__ == errors.__name__
)


def test_every_vision_error_is_covered() -> None:
    assert {"RateLimited", "EngineThrottled", "InvalidImageFormat", "EngineError"} <= set(VISION_ERRORS)


@pytest.mark.parametrize("name", VISION_ERRORS)
def test_vision_error_raised_in_a_view_is_its_problem(caller: Caller, name: str) -> None:
    error = getattr(errors, name)
    response = caller.client.get(f"/v1/raise/{name}")
    assert response.status_code == error.status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == error.code
    assert body["type"] == f"urn:verity:problem:{error.code}"
    assert body["status"] == error.status


def test_engine_quota_429_carries_its_own_retry_after(caller: Caller) -> None:
    response = caller.client.get("/v1/raise/RateLimited")
    assert response.status_code == 429
    assert response["Retry-After"] == "3"
    assert response.json()["retry_after"] == 2.2
    assert not response.has_header("RateLimit-Limit")  # the key's own limit is not what ran out


def test_a_served_method_without_a_policy_action_is_denied(caller: Caller) -> None:
    assert caller.client.get("/v1/unmapped").status_code == 200
    response = caller.client.delete("/v1/unmapped")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "deleted" not in response.content.decode()
