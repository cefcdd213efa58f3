"""The Python client against the running app: typed writes and reads, problems, cursor iteration over
several pages, an Idempotency-Key on every POST, and the app's own 429 answers retried or returned."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from verity_client import ApiError, Retries, Verity
from verity_client.generated.api.subjects import (
    subject_consents_list,
    subjects_consents_create,
    subjects_create,
    subjects_list,
    subjects_retrieve,
)
from verity_client.generated.api.tenant import tenant_retrieve
from verity_client.generated.models import (
    ConsentOutput,
    MethodEnum,
    Problem,
    PurposeEnum,
    SubjectConsentListViewInputRequest,
    SubjectListViewInputRequest,
    SubjectListViewInputRequestMetadata,
    SubjectOutput,
)

from config.api.pagination import CursorPagination
from tenants.models import IdempotencyRecord
from tenants.scope import tenant_scope
from tests.conftest import Caller, make_caller
from tests.factories import SubjectFactory


def _subject(external_id: str) -> SubjectListViewInputRequest:
    return SubjectListViewInputRequest(external_id=external_id)


def _stored_keys(caller: Caller) -> set[str]:
    with tenant_scope(caller.tenant):
        return set(IdempotencyRecord.objects.values_list("key", flat=True))


def test_a_subject_and_its_consent_created_through_the_client_read_back_as_typed_models(verity: Verity) -> None:
    body = SubjectListViewInputRequest(
        external_id="customer-1", metadata=SubjectListViewInputRequestMetadata.from_dict({"tier": "gold"})
    )
    created = subjects_create.sync(client=verity.api, body=body)
    assert isinstance(created, SubjectOutput)
    assert created.id.startswith("sub_")
    assert created.metadata.to_dict() == {"tier": "gold"}

    consent = subjects_consents_create.sync(
        created.id,
        client=verity.api,
        body=SubjectConsentListViewInputRequest(
            purpose=PurposeEnum.BIOMETRIC_VERIFICATION, text_version="v1", method=MethodEnum.CHECKBOX
        ),
    )
    assert isinstance(consent, ConsentOutput)
    assert (consent.subject_id, consent.active) == (created.id, True)
    assert subjects_retrieve.sync(created.id, client=verity.api) == created
    assert [each.id for each in verity.paginate(subject_consents_list.sync, subject_id=created.id)] == [consent.id]


def test_a_refused_request_comes_back_as_a_typed_problem(verity: Verity) -> None:
    assert isinstance(subjects_create.sync(client=verity.api, body=_subject("twice")), SubjectOutput)
    again = subjects_create.sync(client=verity.api, body=_subject("twice"))
    assert isinstance(again, Problem)
    assert (again.status, again.code) == (409, "external_id_conflict")


def test_paginate_walks_every_page_of_a_list_longer_than_one_page(verity: Verity, committed_caller: Caller) -> None:
    page_size = CursorPagination.page_size
    mine = {SubjectFactory(tenant=committed_caller.tenant).public_id for _ in range(page_size + 5)}
    SubjectFactory()  # another tenant's, never listed

    pages = list(verity.pages(subjects_list.sync))
    assert [len(page.results) for page in pages] == [page_size, 5]
    assert pages[-1].next_ is None
    items = list(verity.paginate(subjects_list.sync))
    assert len(items) == page_size + 5
    assert {subject.id for subject in items} == mine
    assert all(isinstance(subject, SubjectOutput) for subject in items)


def test_paginate_passes_the_operations_filters(verity: Verity, committed_caller: Caller) -> None:
    wanted = SubjectFactory(tenant=committed_caller.tenant, external_id="wanted").public_id
    SubjectFactory(tenant=committed_caller.tenant, external_id="other")
    assert [subject.id for subject in verity.paginate(subjects_list.sync, external_id="wanted")] == [wanted]


def test_a_page_the_api_refuses_raises_api_error_with_the_problem(live_server: Any, transactional_db: None) -> None:
    with Verity(f"vk_live_{'x' * 52}", base_url=live_server.url) as stranger, pytest.raises(ApiError) as refused:
        list(stranger.paginate(subjects_list.sync))
    assert refused.value.status == 401
    assert refused.value.problem is not None
    assert refused.value.problem.code == "authentication_failed"


def test_every_post_gets_a_key_of_its_own_and_replaying_one_returns_the_stored_subject(
    verity: Verity, committed_caller: Caller
) -> None:
    first = subjects_create.sync_detailed(client=verity.api, body=_subject("first"))
    assert first.status_code == 201
    (generated,) = _stored_keys(committed_caller)
    assert uuid.UUID(generated).version == 4

    second = subjects_create.sync_detailed(client=verity.api, body=_subject("second"))
    assert second.status_code == 201
    assert len(_stored_keys(committed_caller)) == 2  # a new key, not the first one again

    replay = subjects_create.sync_detailed(client=verity.api, body=_subject("first"), idempotency_key=generated)
    assert replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.parsed == first.parsed

    conflict = subjects_create.sync_detailed(client=verity.api, body=_subject("third"), idempotency_key=generated)
    assert isinstance(conflict.parsed, Problem)
    assert (conflict.status_code, conflict.parsed.code) == (409, "idempotency_conflict")


def test_a_key_the_caller_chose_is_sent_as_it_is(verity: Verity, committed_caller: Caller) -> None:
    created = subjects_create.sync_detailed(client=verity.api, body=_subject("mine"), idempotency_key="order-1234")
    assert created.status_code == 201
    assert _stored_keys(committed_caller) == {"order-1234"}


def test_the_apps_429_is_sent_again_once_its_retry_after_has_passed(live_server: Any, transactional_db: None) -> None:
    caller = make_caller(rate_limit="1/second")
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    with Verity(caller.token, base_url=live_server.url, retries=Retries(max_attempts=4, sleep=sleep)) as verity:
        statuses = [tenant_retrieve.sync_detailed(client=verity.api).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    # Three requests within a second at 1/second were refused at least once; each wait is the
    # app's Retry-After (whole seconds), not the client's own backoff (fractions, with jitter).
    assert waits
    assert all(wait >= 1 and wait == int(wait) for wait in waits)


def test_an_app_429_asking_for_longer_than_max_wait_is_returned_at_once(
    live_server: Any, transactional_db: None
) -> None:
    caller = make_caller(rate_limit="1/hour")
    waits: list[float] = []
    with Verity(caller.token, base_url=live_server.url, retries=Retries(max_wait=30, sleep=waits.append)) as verity:
        assert tenant_retrieve.sync_detailed(client=verity.api).status_code == 200
        refused = tenant_retrieve.sync_detailed(client=verity.api)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 30
    assert isinstance(refused.parsed, Problem)
    assert refused.parsed.code == "rate_limited"
    assert waits == []
