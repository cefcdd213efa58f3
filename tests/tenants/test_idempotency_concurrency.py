"""Two requests with the same Idempotency-Key at the same moment: the work is done once; the duplicate is told
the first is still running (409 idempotency_in_progress), and a retry afterwards replays the first answer."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connections
from rest_framework.test import APIClient

from tenants.models import Tenant
from tenants.scope import tenant_scope
from tests.committed import delete_tenant_as_owner, in_own_connection
from tests.factories import TenantFactory, issue_key
from verification import api as verification_api
from verification.models import Subject

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed_keys() -> Iterator[tuple[Tenant, list[str]]]:
    """A tenant and two API key tokens that every connection sees; removed (as the owner) afterwards.

    Two keys: a request updates its key's last use, and that row lock alone would serialise two
    requests made with one key, hiding whether the Idempotency-Key does.
    """
    tenant = in_own_connection(TenantFactory, slug="idem-concurrency", account_id="987000000001")
    tokens = [in_own_connection(lambda: issue_key(tenant=tenant).token) for _ in range(2)]
    yield tenant, tokens
    delete_tenant_as_owner(tenant.pk)


def test_concurrent_posts_with_one_key_create_one_subject(
    committed_keys: tuple[Tenant, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant, tokens = committed_keys
    first_inside = threading.Event()
    second_answered = threading.Event()
    real_subject_create: Callable[..., Any] = verification_api.subject_create

    def subject_create(**kwargs: Any) -> Any:
        # The first request stays inside the view until the duplicate has been answered.
        first_inside.set()
        second_answered.wait(timeout=10)
        return real_subject_create(**kwargs)

    monkeypatch.setattr(verification_api, "subject_create", subject_create)
    responses: list[Any] = []

    def post(token: str) -> None:
        try:
            client = APIClient(raise_request_exception=False)
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
            responses.append(
                client.post("/v1/subjects", {"metadata": {"n": 1}}, format="json", HTTP_IDEMPOTENCY_KEY="same-key")
            )
        finally:
            connections.close_all()

    first = threading.Thread(target=post, args=[tokens[0]])
    first.start()
    assert first_inside.wait(timeout=10)
    _in_thread(post, tokens[1])  # while the first request is still working
    second_answered.set()
    first.join(timeout=30)

    duplicate, original = responses
    assert duplicate.status_code == 409, duplicate.content
    assert duplicate.json()["code"] == "idempotency_in_progress"
    assert original.status_code == 201, original.content
    _in_thread(post, tokens[1])  # the client's retry
    assert responses[2].status_code == 201
    assert responses[2].headers["Idempotent-Replayed"] == "true"
    assert responses[2].json() == original.json()

    def subjects() -> int:
        with tenant_scope(tenant):
            return Subject.objects.count()

    assert in_own_connection(subjects) == 1


def _in_thread(function: Callable[..., Any], *args: Any) -> None:
    """Each request on a connection of its own, as two clients are (the test's connection stays open)."""
    thread = threading.Thread(target=function, args=args)
    thread.start()
    thread.join(timeout=30)
