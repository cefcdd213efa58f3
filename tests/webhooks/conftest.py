"""Fixtures for webhooks: a real HTTP receiver on 127.0.0.1, a tenant with a KMS key, endpoints and events.

Development settings allow loopback destinations (``VERITY_WEBHOOK_ALLOWED_NETWORKS``), as a
local receiver needs; the SSRF tests take that allowance away.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.db import transaction

from tenants.models import Tenant
from tenants.scope import tenant_scope
from tests.conftest import Caller, make_caller
from tests.factories import with_kms_key
from webhooks.delivery import delivery_attempt
from webhooks.models import Delivery, DeliveryAttempt, Event, EventType
from webhooks.outbox import event_emit
from webhooks.services import IssuedEndpoint, webhook_endpoint_create


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers each POST with the next of ``answers`` (then the last one again), and keeps what it got."""

    server: ThreadingHTTPServer
    received: list[Received] = field(default_factory=list)
    answers: list[tuple[int, dict[str, str], bytes]] = field(default_factory=lambda: [(200, {}, b"ok")])
    delay: float = 0.0

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hooks"

    def answer(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.answers = [(status, headers or {}, body)]


def _serve(receiver_holder: list[Receiver]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            receiver = receiver_holder[0]
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            receiver.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            if receiver.delay:
                time.sleep(receiver.delay)
            status, headers, answer = receiver.answers.pop(0) if len(receiver.answers) > 1 else receiver.answers[0]
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def start_receiver() -> Receiver:
    holder: list[Receiver] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _serve(holder))
    server.daemon_threads = True
    holder.append(Receiver(server=server))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return holder[0]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = start_receiver()
    yield started
    started.server.shutdown()
    started.server.server_close()


@pytest.fixture
def tenant(aws: None, db: None) -> Tenant:
    from tests.factories import TenantFactory

    return with_kms_key(TenantFactory())


@pytest.fixture
def api(tenant: Tenant) -> Caller:
    return make_caller(tenant)


def create_endpoint(tenant: Tenant, url: str, events: list[str] | None = None, **options: Any) -> IssuedEndpoint:
    with tenant_scope(tenant):
        return webhook_endpoint_create(tenant=tenant, url=url, enabled_events=events or ["*"], **options)


def emit(tenant: Tenant, type: str = EventType.VERIFICATION_COMPLETED, **data: Any) -> Event:
    """An event as a service writes it: inside its transaction, in the tenant's scope."""
    with tenant_scope(tenant), transaction.atomic():
        return event_emit(tenant=tenant, type=type, data={"object": "verification", "id": "ver_x", **data})


def attempt(tenant: Tenant, delivery: Delivery) -> DeliveryAttempt | None:
    """The delivery's due attempt, as the worker makes it."""
    with tenant_scope(tenant):
        return delivery_attempt(tenant=tenant, delivery_id=delivery.pk)


def deliveries(tenant: Tenant, **filters: Any) -> list[Delivery]:
    with tenant_scope(tenant):
        return list(Delivery.objects.filter(**filters).select_related("event", "endpoint").order_by("pk"))


def make_due(tenant: Tenant, delivery: Delivery) -> None:
    """Move the delivery's next attempt to now (the schedule's wait, skipped)."""
    from django.utils import timezone

    with tenant_scope(tenant):
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


Emit = Callable[..., Event]


@dataclass
class Tls:
    ca_file: str
    cert_file: str
    key_file: str


def make_tls(directory: Any, hostname: str) -> Tls:
    """A private CA and a server certificate for ``hostname`` signed by it (PEM files in ``directory``)."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.now(UTC)

    def build(subject: str, issuer: x509.Name | None, key: Any, signer: Any, *, ca: bool) -> x509.Certificate:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
        builder = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(issuer or name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False)
        return builder.sign(signer, hashes.SHA256())

    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_cert = build("Verity test CA", None, ca_key, ca_key, ca=True)
    server_cert = build(hostname, ca_cert.subject, server_key, ca_key, ca=False)
    files = Tls(str(directory / "ca.pem"), str(directory / "server.pem"), str(directory / "server.key"))
    (directory / "ca.pem").write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    (directory / "server.pem").write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    (directory / "server.key").write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return files


def start_tls_receiver(tls: Tls) -> Receiver:
    """A receiver like ``start_receiver``'s, speaking TLS with ``tls``'s server certificate."""
    import ssl

    holder: list[Receiver] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _serve(holder))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls.cert_file, tls.key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    holder.append(Receiver(server=server))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return holder[0]
