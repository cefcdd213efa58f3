"""Two requests with the same Idempotency-Key at the same moment: the work is done once, both get its answer."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connections
from rest_framework.test import APIClient

from tenants.models import Tenant
from tenants.scope import tenant_scope
from tenants.services import apikey_create
from tests.committed import delete_tenant_as_owner, in_own_connection
from tests.factories import TenantFactory
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
    tokens = [in_own_connection(lambda: apikey_create(tenant=tenant).token) for _ in range(2)]
    yield tenant, tokens
    delete_tenant_as_owner(tenant.pk)


def test_concurrent_posts_with_one_key_create_one_subject(
    committed_keys: tuple[Tenant, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant, tokens = committed_keys
    first_inside = threading.Event()
    second_inside = threading.Event()
    real_subject_create: Callable[..., Any] = verification_api.subject_create

    def subject_create(**kwargs: Any) -> Any:
        # The first request holds its transaction open until the second one gets this far too
        # (it never does while the key's lock serialises them: then it waits a second, in vain).
        if not first_inside.is_set():
            first_inside.set()
            second_inside.wait(timeout=1.0)
        else:
            second_inside.set()
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
    second = threading.Thread(target=post, args=[tokens[1]])
    second.start()
    first.join(timeout=30)
    second.join(timeout=30)

    assert [response.status_code for response in responses] == [201, 201], [r.content for r in responses]
    assert responses[0].json() == responses[1].json()
    assert sorted(response.headers.get("Idempotent-Replayed", "no") for response in responses) == ["no", "true"]

    def subjects() -> int:
        with tenant_scope(tenant):
            return Subject.objects.count()

    assert in_own_connection(subjects) == 1
