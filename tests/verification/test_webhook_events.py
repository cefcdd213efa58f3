"""verification.completed: written with the final state (outbox), delivered signed, and never for a change
that rolled back."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from standardwebhooks import Webhook

from tenants.scope import tenant_scope
from tests.conftest import Caller
from tests.factories import VerificationFactory, webhook_events
from tests.verification.conftest import register
from tests.webhooks.conftest import start_receiver
from verification.flows.record import verification_fail
from verification.models import Verification
from webhooks.models import Delivery, Event
from webhooks.services import webhook_endpoint_create
from webhooks.tasks import deliver_webhook

Tasks = Any


def test_a_completed_registration_is_delivered_signed_to_the_tenants_endpoint(
    verifier: Caller, run_tasks: Tasks, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver = start_receiver()
    try:
        with tenant_scope(verifier.tenant):
            issued = webhook_endpoint_create(
                tenant=verifier.tenant, url=receiver.url, enabled_events=["verification.completed"]
            )
        # The outbox hands each delivery to a worker after commit; here the worker is this thread.
        monkeypatch.setattr(
            deliver_webhook, "apply_async", lambda args=(), kwargs=None, **options: deliver_webhook.apply(args=args)
        )

        subject_id, result = register(verifier, run_tasks, "person_a_2", "person_a_1")

        assert result["status"] == "approved"
        expected = {
            "object": "verification",
            "id": result["id"],
            "type": "registration",
            "status": "approved",
            "subject_id": subject_id,
            "reasons": [],
        }
        assert webhook_events(verifier.tenant, "verification.completed") == [expected]
        (got,) = receiver.received
        payload = Webhook(issued.secret).verify(got.body, got.headers)
        assert (payload["type"], payload["data"]) == ("verification.completed", expected)
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()


def test_a_rejected_verification_reports_its_reasons(verifier: Caller, run_tasks: Tasks) -> None:
    _, result = register(verifier, run_tasks, "impostor_1", "person_a_1")

    assert result["status"] == "rejected"
    (event,) = webhook_events(verifier.tenant, "verification.completed")
    assert (event["status"], event["reasons"]) == ("rejected", [{"code": "compare.mismatch", "step": "compare"}])


class Boom(Exception):
    pass


def _fail_then_roll_back(tenant: Any, verification: Verification) -> None:
    with transaction.atomic():
        verification_fail(tenant=tenant, verification_id=verification.pk, code="internal_error", detail="x")
        assert Event.objects.count() == 1  # written, inside the transaction
        assert Delivery.objects.count() == 1
        raise Boom


def test_a_verification_whose_transaction_rolls_back_emits_nothing(
    caller: Caller, django_capture_on_commit_callbacks: Any
) -> None:
    """The event commits with the final state or not at all, and no delivery is handed to a worker."""
    tenant = caller.tenant
    with tenant_scope(tenant):
        webhook_endpoint_create(tenant=tenant, url="http://127.0.0.1:9/hooks", enabled_events=["*"])
        verification = VerificationFactory(tenant=tenant, status="processing")

    with django_capture_on_commit_callbacks() as callbacks, tenant_scope(tenant), pytest.raises(Boom):
        _fail_then_roll_back(tenant, verification)

    assert callbacks == []
    assert webhook_events(tenant, "verification.completed") == []
    with tenant_scope(tenant):
        assert Delivery.objects.count() == 0
        assert Verification.objects.get(pk=verification.pk).status == "processing"

    with tenant_scope(tenant):  # the same change, committed: its event, and one delivery for a worker
        verification_fail(tenant=tenant, verification_id=verification.pk, code="internal_error", detail="x")
    assert [event["status"] for event in webhook_events(tenant, "verification.completed")] == ["failed"]
