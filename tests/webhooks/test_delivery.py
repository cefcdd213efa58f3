"""Delivery to a real receiver on 127.0.0.1: Standard Webhooks signatures, retries, disablement, redelivery,
secret rotation, redirects, timeouts and capped answers."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from botocore.stub import Stubber
from django.core import mail
from django.utils import timezone
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from audit.models import AuditEvent
from config.aws import aws_client
from tenants import envelope
from tenants.models import Membership, Role, Tenant
from tenants.scope import tenant_scope
from tests.conftest import Caller
from tests.webhooks.conftest import (
    Receiver,
    attempt,
    create_endpoint,
    deliveries,
    emit,
    make_due,
    make_tls,
    start_receiver,
    start_tls_receiver,
)
from webhooks.delivery import SECRET_UNAVAILABLE
from webhooks.models import DeliveryAttempt, DeliveryStatus, DisabledReason, EventType, WebhookEndpoint
from webhooks.tasks import deliver_webhook, dispatch_due_deliveries

SCHEDULE = [5, 300, 1800]


@pytest.fixture(autouse=True)
def _short_schedule(settings: Any) -> None:
    settings.VERITY_WEBHOOK_RETRY_SCHEDULE = SCHEDULE
    settings.VERITY_WEBHOOK_TIMEOUT_SECONDS = 2.0


def test_a_delivery_is_signed_the_standard_webhooks_way(tenant: Tenant, receiver: Receiver) -> None:
    issued = create_endpoint(tenant, receiver.url)
    event = emit(tenant, status="approved")
    (delivery,) = deliveries(tenant)

    made = attempt(tenant, delivery)

    assert made is not None
    assert made.succeeded
    assert made.status_code == 200
    assert made.response_body == "ok"
    (got,) = receiver.received
    payload = Webhook(issued.secret).verify(got.body, got.headers)
    assert payload == {
        "id": event.public_id,
        "type": "verification.completed",
        "livemode": True,
        "timestamp": event.created_at.isoformat().replace("+00:00", "Z"),
        "data": {"object": "verification", "id": "ver_x", "status": "approved"},
    }
    assert got.headers["webhook-id"] == event.public_id
    assert got.path == "/hooks"
    with pytest.raises(WebhookVerificationError):  # another secret does not verify it
        Webhook(create_endpoint(tenant, receiver.url).secret).verify(got.body, got.headers)
    with pytest.raises(WebhookVerificationError):  # nor does a changed body
        Webhook(issued.secret).verify(got.body.replace(b"approved", b"rejected"), got.headers)
    assert deliveries(tenant)[0].status == DeliveryStatus.SUCCEEDED
    assert attempt(tenant, delivery) is None  # done: never sent twice
    assert len(receiver.received) == 1


def test_the_task_delivers_in_the_tenants_scope(tenant: Tenant, receiver: Receiver) -> None:
    create_endpoint(tenant, receiver.url)
    emit(tenant)
    (delivery,) = deliveries(tenant)

    attempt_id = deliver_webhook.apply(args=[tenant.pk, delivery.pk]).get()

    assert attempt_id.startswith("wha_")
    assert len(receiver.received) == 1


def test_only_subscribed_enabled_endpoints_get_the_event(tenant: Tenant, receiver: Receiver) -> None:
    create_endpoint(tenant, receiver.url, [EventType.MODERATION_COMPLETED])
    everything = create_endpoint(tenant, receiver.url, ["*"])
    create_endpoint(tenant, receiver.url, [EventType.VERIFICATION_COMPLETED], enabled=False)

    emit(tenant, EventType.VERIFICATION_COMPLETED)

    assert [d.endpoint.public_id for d in deliveries(tenant)] == [everything.endpoint.public_id]


def test_failures_follow_the_retry_schedule_then_disable_the_endpoint_and_tell_the_admins(
    tenant: Tenant, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_user("ops", email="ops@bank.example", is_staff=True)
    reviewer = get_user_model().objects.create_user("rev", email="rev@bank.example", is_staff=True)
    with tenant_scope(tenant):
        Membership.objects.create(tenant=tenant, user=admin, role=Role.TENANT_ADMIN)
        Membership.objects.create(tenant=tenant, user=reviewer, role=Role.REVIEWER)
    receiver.answer(503, b"down for maintenance")
    issued = create_endpoint(tenant, receiver.url)
    emit(tenant)
    later = emit(tenant)  # pending behind it when the endpoint is disabled
    first, second = deliveries(tenant)

    waits = []
    for number in range(1, len(SCHEDULE) + 1):
        before = timezone.now()
        made = attempt(tenant, first)
        assert made is not None
        assert not made.succeeded
        assert made.status_code == 503
        assert made.response_body == "down for maintenance"
        (current,) = deliveries(tenant, pk=first.pk)
        assert current.status == DeliveryStatus.PENDING
        assert current.attempts == number
        waits.append(round((current.next_attempt_at - before).total_seconds()))
        assert attempt(tenant, first) is None  # not due yet: no attempt
        make_due(tenant, first)
    assert waits == SCHEDULE

    with django_capture_on_commit_callbacks(execute=True):
        last = attempt(tenant, first)

    assert last is not None
    assert not last.succeeded
    (failed,) = deliveries(tenant, pk=first.pk)
    assert failed.status == DeliveryStatus.FAILED
    assert failed.attempts == len(SCHEDULE) + 1
    with tenant_scope(tenant):
        endpoint = WebhookEndpoint.objects.get(pk=issued.endpoint.pk)
    assert not endpoint.enabled
    assert endpoint.disabled_reason == DisabledReason.FAILING
    assert deliveries(tenant, pk=second.pk)[0].status == DeliveryStatus.CANCELLED
    (message,) = mail.outbox
    assert message.to == ["ops@bank.example"]  # the tenant admin, not the reviewer
    assert issued.endpoint.public_id in message.subject
    with tenant_scope(tenant):
        (disabled,) = AuditEvent.objects.filter(event_name="DisableWebhookEndpoint")
    assert disabled.record["serviceEventDetails"]["endpointId"] == issued.endpoint.public_id
    assert len(receiver.received) == len(SCHEDULE) + 1
    assert later.public_id  # its delivery never went out
    assert {r.headers["webhook-id"] for r in receiver.received} == {deliveries(tenant)[0].event.public_id}


def test_an_endpoint_that_answers_other_deliveries_is_not_disabled(tenant: Tenant, receiver: Receiver) -> None:
    issued = create_endpoint(tenant, receiver.url)
    emit(tenant)
    emit(tenant)
    failing, healthy = deliveries(tenant)
    receiver.answer(500)
    attempt(tenant, failing)
    receiver.answer(200)
    attempt(tenant, healthy)  # the receiver works again, for this one
    receiver.answer(500)
    for _ in SCHEDULE:
        make_due(tenant, failing)
        attempt(tenant, failing)

    assert deliveries(tenant, pk=failing.pk)[0].status == DeliveryStatus.FAILED
    with tenant_scope(tenant):
        assert WebhookEndpoint.objects.get(pk=issued.endpoint.pk).enabled


def test_a_later_success_ends_the_retries(tenant: Tenant, receiver: Receiver) -> None:
    create_endpoint(tenant, receiver.url)
    emit(tenant)
    (delivery,) = deliveries(tenant)
    receiver.answers = [(500, {}, b""), (204, {}, b"")]

    attempt(tenant, delivery)
    make_due(tenant, delivery)
    attempt(tenant, delivery)

    (done,) = deliveries(tenant)
    assert done.status == DeliveryStatus.SUCCEEDED
    assert done.next_attempt_at is None
    assert done.attempts == 2
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1  # the same message id on each attempt


def test_the_sweeper_dispatches_due_deliveries_no_worker_holds(
    tenant: Tenant, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_endpoint(tenant, receiver.url)
    emit(tenant)
    emit(tenant)
    due, held = deliveries(tenant)
    with tenant_scope(tenant):
        type(held).objects.filter(pk=held.pk).update(leased_until=timezone.now() + timedelta(minutes=1))
    sent: list[list[int]] = []
    monkeypatch.setattr(deliver_webhook, "delay", lambda *args: sent.append(list(args)))

    assert dispatch_due_deliveries.apply().get() == 1

    assert sent == [[tenant.pk, due.pk]]
    assert attempt(tenant, held) is None  # another worker holds it


def test_a_short_retry_goes_to_the_broker_with_its_countdown(
    tenant: Tenant, receiver: Receiver, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_endpoint(tenant, receiver.url)
    emit(tenant)
    (delivery,) = deliveries(tenant)
    receiver.answer(500)
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(deliver_webhook, "apply_async", lambda args=(), kwargs=None, **options: sent.append(options))

    with django_capture_on_commit_callbacks(execute=True):
        attempt(tenant, delivery)  # next in 5 s: a countdown
    make_due(tenant, delivery)
    with django_capture_on_commit_callbacks(execute=True):
        attempt(tenant, delivery)  # next in 300 s: still a countdown
    make_due(tenant, delivery)
    with django_capture_on_commit_callbacks(execute=True):
        attempt(tenant, delivery)  # next in 1800 s: the sweeper's

    assert [options.get("countdown") for options in sent] == [5, 300]


def test_redelivery_sends_the_event_again_with_a_fresh_schedule(
    api: Caller, receiver: Receiver, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant = api.tenant
    issued = create_endpoint(tenant, receiver.url)
    event = emit(tenant)
    (delivery,) = deliveries(tenant)
    attempt(tenant, delivery)
    sent: list[list[int]] = []
    monkeypatch.setattr(deliver_webhook, "apply_async", lambda args=(), kwargs=None, **options: sent.append(list(args)))

    with django_capture_on_commit_callbacks(execute=True):
        response = api.client.post(f"/v1/events/{event.public_id}/redeliver", {}, format="json")

    assert response.status_code == 202, response.json()
    assert response.json() == {"event_id": event.public_id, "endpoint_ids": [issued.endpoint.public_id]}
    assert sent == [[tenant.pk, delivery.pk]]
    (again,) = deliveries(tenant)
    assert again.status == DeliveryStatus.PENDING
    assert again.attempts == 0
    attempt(tenant, again)
    assert [r.headers["webhook-id"] for r in receiver.received] == [event.public_id] * 2
    assert (
        Webhook(issued.secret).verify(receiver.received[1].body, receiver.received[1].headers)["id"] == event.public_id
    )


def test_redelivery_refusals(api: Caller, receiver: Receiver) -> None:
    tenant = api.tenant
    event = emit(tenant)  # no endpoint yet
    nowhere = api.client.post(f"/v1/events/{event.public_id}/redeliver", {}, format="json")
    off = create_endpoint(tenant, receiver.url, enabled=False)
    disabled = api.client.post(
        f"/v1/events/{event.public_id}/redeliver", {"endpoint_id": off.endpoint.public_id}, format="json"
    )

    assert (nowhere.status_code, nowhere.json()["code"]) == (404, "webhook_no_endpoint")
    assert (disabled.status_code, disabled.json()["code"]) == (400, "webhook_endpoint_disabled")
    assert deliveries(tenant) == []


@pytest.mark.parametrize("overlap", [3600, 0])
def test_a_rotated_secret_signs_beside_the_old_one_during_the_overlap(
    api: Caller, receiver: Receiver, overlap: int
) -> None:
    tenant = api.tenant
    old = create_endpoint(tenant, receiver.url)
    rotated = api.client.post(
        f"/v1/webhook-endpoints/{old.endpoint.public_id}/rotate-secret", {"overlap_seconds": overlap}, format="json"
    )
    assert rotated.status_code == 200, rotated.json()
    new_secret = rotated.json()["secret"]
    assert new_secret.startswith("whsec_")
    assert new_secret != old.secret
    emit(tenant)
    (delivery,) = deliveries(tenant)

    attempt(tenant, delivery)

    (got,) = receiver.received
    assert Webhook(new_secret).verify(got.body, got.headers)
    signatures = got.headers["webhook-signature"].split(" ")
    if overlap:
        assert len(signatures) == 2
        assert Webhook(old.secret).verify(got.body, got.headers)
    else:
        assert len(signatures) == 1
        with pytest.raises(WebhookVerificationError):
            Webhook(old.secret).verify(got.body, got.headers)


def test_the_old_secret_stops_signing_when_the_overlap_ends(api: Caller, receiver: Receiver) -> None:
    tenant = api.tenant
    old = create_endpoint(tenant, receiver.url)
    api.client.post(f"/v1/webhook-endpoints/{old.endpoint.public_id}/rotate-secret", {}, format="json")
    with tenant_scope(tenant):
        WebhookEndpoint.objects.filter(pk=old.endpoint.pk).update(
            previous_secret_expires_at=timezone.now() - timedelta(seconds=1)
        )
    emit(tenant)

    attempt(tenant, deliveries(tenant)[0])

    (got,) = receiver.received
    assert len(got.headers["webhook-signature"].split(" ")) == 1
    with pytest.raises(WebhookVerificationError):
        Webhook(old.secret).verify(got.body, got.headers)


def test_a_redirect_is_not_followed(tenant: Tenant, receiver: Receiver) -> None:
    elsewhere = start_receiver()
    try:
        receiver.answer(302, headers={"Location": elsewhere.url})
        create_endpoint(tenant, receiver.url)
        emit(tenant)

        made = attempt(tenant, deliveries(tenant)[0])

        assert made is not None
        assert not made.succeeded
        assert made.status_code == 302
        assert elsewhere.received == []
        assert deliveries(tenant)[0].status == DeliveryStatus.PENDING  # retried later, like any failure
    finally:
        elsewhere.server.shutdown()
        elsewhere.server.server_close()


def test_a_slow_receiver_times_out(tenant: Tenant, receiver: Receiver, settings: Any) -> None:
    settings.VERITY_WEBHOOK_TIMEOUT_SECONDS = 0.3
    receiver.delay = 1.0
    create_endpoint(tenant, receiver.url)
    emit(tenant)

    made = attempt(tenant, deliveries(tenant)[0])

    assert made is not None
    assert not made.succeeded
    assert (made.status_code, made.error_code) == (None, "timeout")
    assert made.latency_ms < 1000


def test_a_long_answer_is_read_capped_and_kept_short(tenant: Tenant, receiver: Receiver) -> None:
    receiver.answer(200, b"x" * 2_000_000)
    create_endpoint(tenant, receiver.url)
    emit(tenant)

    made = attempt(tenant, deliveries(tenant)[0])

    assert made is not None
    assert made.succeeded
    assert made.response_body == "x" * 1024


def test_a_closed_port_is_a_connection_failure(tenant: Tenant, closed_port: int) -> None:
    create_endpoint(tenant, f"http://127.0.0.1:{closed_port}/hooks")
    emit(tenant)

    made = attempt(tenant, deliveries(tenant)[0])

    assert made is not None
    assert (made.status_code, made.error_code) == (None, "connection_failed")


def test_an_address_refused_at_delivery_is_not_contacted(tenant: Tenant, receiver: Receiver, settings: Any) -> None:
    """The check runs again before each attempt: a destination that became forbidden gets nothing."""
    create_endpoint(tenant, receiver.url)
    emit(tenant)
    settings.VERITY_WEBHOOK_ALLOWED_NETWORKS = []

    made = attempt(tenant, deliveries(tenant)[0])

    assert made is not None
    assert (made.status_code, made.error_code) == (None, "forbidden_address")
    assert receiver.received == []


@pytest.mark.parametrize(
    "code",
    [
        "AccessDeniedException",  # SealBroken: the key refuses this data key
        "DisabledException",  # UpstreamUnavailable: the key cannot be used now
        "KMSInternalException",
    ],
)
def test_a_secret_kms_will_not_open_is_a_recorded_failure_retried_on_the_schedule_with_nothing_sent(
    tenant: Tenant, receiver: Receiver, code: str
) -> None:
    """Raising instead left the delivery leased and unrecorded, sent again by the sweeper after every lease."""
    create_endpoint(tenant, receiver.url)
    emit(tenant)
    envelope.forget_keys()  # as in another worker: the data key must come from KMS

    before = timezone.now()
    with Stubber(aws_client("kms", tenant.region)) as kms:
        kms.add_client_error("decrypt", service_error_code=code, http_status_code=400)
        made = attempt(tenant, deliveries(tenant)[0])

    assert made is not None
    assert (made.succeeded, made.status_code, made.error_code) == (False, None, SECRET_UNAVAILABLE)
    assert receiver.received == []
    (delivery,) = deliveries(tenant)
    assert (delivery.status, delivery.attempts, delivery.leased_until) == (DeliveryStatus.PENDING, 1, None)
    assert round((delivery.next_attempt_at - before).total_seconds()) == SCHEDULE[0]


def test_a_delivery_failed_by_its_secret_through_the_schedule_leaves_the_endpoint_enabled(
    tenant: Tenant, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    issued = create_endpoint(tenant, receiver.url)
    emit(tenant)
    envelope.forget_keys()
    (delivery,) = deliveries(tenant)

    with Stubber(aws_client("kms", tenant.region)) as kms, django_capture_on_commit_callbacks(execute=True):
        for _ in range(len(SCHEDULE) + 1):
            kms.add_client_error("decrypt", service_error_code="AccessDeniedException", http_status_code=400)
            made = attempt(tenant, delivery)
            assert made is not None
            assert made.error_code == SECRET_UNAVAILABLE
            make_due(tenant, delivery)

    (failed,) = deliveries(tenant)
    assert (failed.status, failed.attempts) == (DeliveryStatus.FAILED, len(SCHEDULE) + 1)
    with tenant_scope(tenant):
        assert WebhookEndpoint.objects.get(pk=issued.endpoint.pk).enabled
        assert not AuditEvent.objects.filter(event_name="DisableWebhookEndpoint").exists()
    assert mail.outbox == []
    assert receiver.received == []


def test_the_attempts_are_listed_newest_first(api: Caller, receiver: Receiver) -> None:
    tenant = api.tenant
    issued = create_endpoint(tenant, receiver.url)
    event = emit(tenant)
    other = emit(tenant)
    first, second = deliveries(tenant)
    receiver.answer(500, b"nope")
    attempt(tenant, first)
    receiver.answer(200, b"fine")
    attempt(tenant, second)

    listed = api.client.get(f"/v1/webhook-endpoints/{issued.endpoint.public_id}/attempts").json()["results"]
    failed = api.client.get(
        f"/v1/webhook-endpoints/{issued.endpoint.public_id}/attempts?succeeded=false&event_id={event.public_id}"
    ).json()["results"]

    assert [(a["event_id"], a["status_code"], a["response_body"]) for a in listed] == [
        (other.public_id, 200, "fine"),
        (event.public_id, 500, "nope"),
    ]
    assert [a["id"] for a in failed] == [listed[1]["id"]]
    with tenant_scope(tenant):
        assert DeliveryAttempt.objects.count() == 2


def test_the_body_is_the_same_bytes_on_every_attempt(tenant: Tenant, receiver: Receiver) -> None:
    create_endpoint(tenant, receiver.url)
    emit(tenant, reasons=[{"code": "quality.pose", "step": "quality"}])
    (delivery,) = deliveries(tenant)
    receiver.answer(500)
    attempt(tenant, delivery)
    make_due(tenant, delivery)
    attempt(tenant, delivery)

    first, second = receiver.received
    assert first.body == second.body
    assert json.loads(first.body)["data"]["reasons"] == [{"code": "quality.pose", "step": "quality"}]


def test_the_connection_goes_to_the_address_that_was_checked(
    tenant: Tenant, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the name answers a checked address, then another; the delivery uses the checked one."""
    import socket

    port = receiver.server.server_address[1]
    real, answers = socket.getaddrinfo, iter(["127.0.0.1", "127.0.0.1"])  # saving the URL, checking it again

    def resolve(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "hooks.rebind.example":
            address = next(answers, "10.255.255.1")  # what an attacker's DNS answers after the check
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    create_endpoint(tenant, f"http://hooks.rebind.example:{port}/hooks")
    emit(tenant)

    made = attempt(tenant, deliveries(tenant)[0])

    assert made is not None
    assert made.succeeded
    (got,) = receiver.received
    assert got.headers["host"] == f"hooks.rebind.example:{port}"


@pytest.mark.parametrize(("certified", "succeeds"), [("hooks.tls.example", True), ("elsewhere.example", False)])
def test_https_goes_to_the_checked_address_and_verifies_the_urls_host(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch, tmp_path: Any, certified: str, succeeds: bool
) -> None:
    """TLS names the URL's host (SNI) and checks the certificate for it, though the socket goes to the address."""
    import socket

    tls = make_tls(tmp_path, certified)
    receiver = start_tls_receiver(tls)
    try:
        port = receiver.server.server_address[1]
        monkeypatch.setenv("SSL_CERT_FILE", tls.ca_file)  # the test CA, as a system bundle would hold a real one
        real = socket.getaddrinfo

        def resolve(host: str, *args: Any, **kwargs: Any) -> Any:
            if host == "hooks.tls.example":
                return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
            return real(host, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", resolve)
        create_endpoint(tenant, f"https://hooks.tls.example:{port}/hooks")
        emit(tenant)

        made = attempt(tenant, deliveries(tenant)[0])

        assert made is not None
        assert made.succeeded is succeeds
        if succeeds:
            assert receiver.received[0].headers["host"] == f"hooks.tls.example:{port}"
        else:
            assert (made.status_code, made.error_code) == (None, "connection_failed")
            assert receiver.received == []
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
