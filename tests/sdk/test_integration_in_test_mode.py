"""Issue 13's "done": an integration built in test mode with the client receives a signed
verification.completed webhook, verifies it with the client's Standard Webhooks check, and runs
unchanged with a live key.

The app runs in pytest-django's live server; the Celery tasks it enqueues (the verification's
worker, the webhook delivery) run eagerly in the server's thread, as a worker would run them.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from verity_client import Verity, webhooks
from verity_client.generated.api.subjects import subjects_consents_create, subjects_create
from verity_client.generated.api.verifications import verifications_create
from verity_client.generated.api.webhook_endpoints import webhook_endpoints_create
from verity_client.generated.models import (
    EnabledEventsEnum,
    EndpointListViewInputRequest,
    EndpointWithSecretOutput,
    ImageJsonInputRequest,
    MethodEnum,
    PurposeEnum,
    SubjectConsentListViewInputRequest,
    SubjectListViewInputRequest,
    SubjectOutput,
    TypeEnum,
    VerificationListViewInputRequest,
    VerificationOutput,
)

from config.celery import app
from tenants.scope import tenant_scope
from tests.conftest import make_caller
from tests.factories import TenantFactory, with_key_and_bucket
from tests.verification.conftest import jpeg
from tests.webhooks.conftest import Receiver, start_receiver
from vision.services import collections_ensure

GREY = base64.b64encode(jpeg(np.full((240, 240, 3), 128, dtype=np.uint8))).decode()


def integrate(verity: Verity, receiver_url: str) -> tuple[str, str]:
    """What a tenant developer writes: an endpoint, a subject with consent, a registration. (secret, verification id)"""
    endpoint = webhook_endpoints_create.sync(
        client=verity.api,
        body=EndpointListViewInputRequest(url=receiver_url, enabled_events=[EnabledEventsEnum.VERIFICATION_COMPLETED]),
    )
    assert isinstance(endpoint, EndpointWithSecretOutput), endpoint
    subject = subjects_create.sync(client=verity.api, body=SubjectListViewInputRequest(external_id="test_approved"))
    assert isinstance(subject, SubjectOutput), subject
    subjects_consents_create.sync(
        subject.id,
        client=verity.api,
        body=SubjectConsentListViewInputRequest(
            purpose=PurposeEnum.BIOMETRIC_VERIFICATION, text_version="v1", method=MethodEnum.CHECKBOX
        ),
    )
    verification = verifications_create.sync(
        client=verity.api,
        body=VerificationListViewInputRequest(
            type_=TypeEnum.REGISTRATION,
            subject_id=subject.id,
            selfie=ImageJsonInputRequest(bytes_=GREY),
            id_document=ImageJsonInputRequest(bytes_=GREY),
        ),
    )
    assert isinstance(verification, VerificationOutput), verification
    return endpoint.secret, verification.id


def delivered(receiver: Receiver, secret: str) -> dict[str, Any]:
    """The one event the receiver got, checked as the tenant's receiver checks it."""
    deadline = time.monotonic() + 30
    while not receiver.received and time.monotonic() < deadline:
        time.sleep(0.05)
    (got,) = receiver.received
    return webhooks.verify(got.body, got.headers, secret)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = start_receiver()
    yield started
    started.server.shutdown()
    started.server.server_close()


@pytest.fixture
def eager_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every task the app sends (by object or by name) runs at once in the sending thread, as a worker would."""

    app.loader.import_default_modules()  # every app's tasks, as a worker imports them at start

    def run(name: str, args: Any = (), kwargs: Any = None, **options: Any) -> Any:
        return app.tasks[name].apply(args=args, kwargs=kwargs or {})

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    monkeypatch.setattr(app, "send_task", run)


@pytest.mark.usefixtures("aws_and_rekognition", "test_mode_engine", "eager_tasks")
@pytest.mark.parametrize("mode", ["test", "live"])
def test_the_same_integration_runs_in_test_mode_and_live(
    transactional_db: None, live_server: Any, receiver: Receiver, mode: str
) -> None:
    tenant = with_key_and_bucket(TenantFactory())
    with tenant_scope(tenant):
        collections_ensure(tenant=tenant)
    key = make_caller(tenant, mode=mode).token

    with Verity(key, base_url=live_server.url) as verity:
        secret, verification_id = integrate(verity, receiver.url)

    event = delivered(receiver, secret)
    assert (event["type"], event["data"]["id"]) == ("verification.completed", verification_id)
    if mode == "test":  # the magic subject: approved, without a face
        assert (event["livemode"], event["data"]["status"], event["data"]["reasons"]) == (False, "approved", [])
    else:  # a live key: the same code, a real engine, which finds no face in a grey square
        assert (event["livemode"], event["data"]["status"]) == (True, "rejected")
        assert event["data"]["reasons"] == [{"code": "quality.no_face", "step": "quality"}]
