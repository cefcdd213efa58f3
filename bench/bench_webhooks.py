"""Webhook delivery: throughput to a local receiver with two workers, and the latency a delivery adds.

Uses moto_server (KMS: the endpoint's secret is sealed under the tenant's key, as in
production): the running platform's when one answers at AWS_ENDPOINT_URL (``make run`` writes it
to var/local.env), else one of its own; see ``aws_endpoint``. Starts a Celery worker with two
processes (``--concurrency 2``, on a queue of its own) and waits until it answers. Runs a
receiver on 127.0.0.1 in this process that verifies every delivery with the ``standardwebhooks``
library and notes when it arrived. A tenant gets one endpoint subscribed to everything. A "state
change" is what a service does when long work finishes: a transaction that writes the event and
its delivery (``webhooks.outbox.event_emit``), whose commit hands the delivery to the broker.

Reported (printed, not asserted):
- latency: ``--latency-events`` changes made one at a time (each waits for its delivery), the
  time from the commit to the receiver having the whole request (p50, p95);
- throughput: ``--events`` changes committed as fast as one thread can, events delivered per
  second from the first commit to the last arrival.

The tenant ("bench-…", suspended at the end) and its events are left behind.

Run from the project root against a migrated database, with PostgreSQL, Redis and RabbitMQ:
    .venv/bin/python -m bench.bench_webhooks [--events 500] [--latency-events 50]
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("VERITY_ENV", "development")  # a receiver on 127.0.0.1 is allowed
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
QUEUE = f"bench-webhooks-{os.getpid()}"
os.environ["VERITY_CELERY_QUEUE"] = QUEUE  # before the settings: this process sends there too
django.setup()  # reads var/local.env: a running `make run`'s AWS endpoint and key pair, if there is one
os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")  # after: set before, they would hide local.env's
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

from django.db import transaction  # noqa: E402
from standardwebhooks import Webhook  # noqa: E402

from bench.bench_registration import percentile, start_moto, stop_process  # noqa: E402
from bench.bench_registration_load import start  # noqa: E402
from config.aws import aws_client, reset_clients  # noqa: E402
from config.celery import app  # noqa: E402
from config.ids import public_id  # noqa: E402
from tenants.models import Tenant, TenantStatus  # noqa: E402
from tenants.scope import tenant_scope  # noqa: E402
from webhooks.outbox import event_emit  # noqa: E402
from webhooks.services import webhook_endpoint_create  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


class Arrivals:
    """What the receiver got: arrival time per event id, and how many failed verification."""

    def __init__(self) -> None:
        self.webhook: Webhook | None = None  # once the endpoint, and its secret, exist
        self.times: dict[str, float] = {}
        self.bad = 0
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        arrivals = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                arrived = time.monotonic()
                try:
                    assert arrivals.webhook is not None
                    event_id = arrivals.webhook.verify(body, dict(self.headers.items()))["id"]
                except Exception:
                    event_id = None
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()
                with arrivals.changed:
                    if event_id is None:
                        arrivals.bad += 1
                    else:
                        arrivals.times.setdefault(event_id, arrived)
                    arrivals.changed.notify_all()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def wait_for(self, count: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self.changed:
            while len(self.times) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.changed.wait(left)
        return True


def aws_endpoint() -> subprocess.Popen[bytes] | None:
    """The running platform's moto_server if one answers at AWS_ENDPOINT_URL, else one of ours (to stop).

    A platform on the same database runs the sweeper (beat, every 15 s), which hands any due
    delivery no worker holds to the platform's own worker, this benchmark's too. That worker has
    to open the endpoint's secret: under a KMS key of another moto_server it cannot, the attempt
    fails, and the delivery stays leased away from this benchmark's worker. It happened in
    ``make test``'s README check: "the worker delivered nothing in 120 s".
    """
    configured = os.environ.get("AWS_ENDPOINT_URL")
    if configured:
        address = urlsplit(configured)
        try:
            socket.create_connection((address.hostname or "127.0.0.1", address.port or 80), timeout=2).close()
            return None
        except OSError:
            pass  # a `make run` that is no longer running left it in var/local.env
    return start_moto()


def wait_until_ready(worker: subprocess.Popen[bytes], hostname: str, timeout: float) -> None:
    """Until the worker answers a ping: a change committed before would wait for it to boot."""
    deadline = time.monotonic() + timeout
    while not app.control.ping(destination=[hostname], timeout=1):
        if worker.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"The worker did not start; see {ROOT / 'var' / 'bench-webhooks' / 'worker.log'}.")


def new_tenant() -> Tenant:
    key = aws_client("kms", "us-east-1").create_key(Description="Verity webhook benchmark")["KeyMetadata"]
    suffix = public_id("ten")[-8:]
    return Tenant.objects.create(
        slug=f"bench-{suffix}",
        name="Webhook benchmark",
        account_id=f"{secrets.randbelow(10**12):012d}",
        region="us-east-1",
        storage_bucket="verity-bench",
        storage_prefix="verity/",
        kms_key_arn=key["Arn"],
    )


def change(tenant: Tenant) -> tuple[str, float]:
    """One state change with its event, committed; the event id and the moment of the commit."""
    with transaction.atomic():
        event = event_emit(tenant=tenant, type="verification.completed", data={"object": "verification"})
    return event.public_id, time.monotonic()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=500, help="changes committed back to back (throughput)")
    parser.add_argument("--latency-events", type=int, default=50, help="changes made one at a time (latency)")
    args = parser.parse_args()

    run_dir = ROOT / "var" / "bench-webhooks"
    run_dir.mkdir(parents=True, exist_ok=True)
    moto = aws_endpoint()  # a new one sets AWS_ENDPOINT_URL for this process and the worker
    reset_clients()
    hostname = f"{QUEUE}@{socket.gethostname()}"
    worker_command = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "WARNING",
        "--concurrency", "2", "--queues", QUEUE, "--hostname", hostname,
    ]  # fmt: skip
    worker = start(worker_command, dict(os.environ), run_dir / "worker.log")
    tenant = new_tenant()
    server: ThreadingHTTPServer | None = None
    try:
        wait_until_ready(worker, hostname, 120)
        with tenant_scope(tenant):
            arrivals = Arrivals()
            server = ThreadingHTTPServer(("127.0.0.1", 0), arrivals.handler())
            server.daemon_threads = True
            url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
            arrivals.webhook = Webhook(webhook_endpoint_create(tenant=tenant, url=url, enabled_events=["*"]).secret)
            threading.Thread(target=server.serve_forever, daemon=True).start()

            # Warm up: the worker's first task connects, imports, opens the KMS data key.
            change(tenant)
            if not arrivals.wait_for(1, 120):
                raise SystemExit(f"The worker delivered nothing in 120 s; see {run_dir / 'worker.log'}.")

            latencies = []
            for _ in range(args.latency_events):
                event_id, committed = change(tenant)
                if not arrivals.wait_for(len(arrivals.times) + 1, 60):
                    raise SystemExit("A delivery took more than 60 s.")
                latencies.append((arrivals.times[event_id] - committed) * 1000)

            before = len(arrivals.times)
            started = time.monotonic()
            for _ in range(args.events):
                change(tenant)
            committed_all = time.monotonic() - started
            complete = arrivals.wait_for(before + args.events, 600)
            elapsed = max(arrivals.times.values()) - started
    finally:
        if server is not None:
            server.shutdown()
        stop_process(worker)
        if moto is not None:
            stop_process(moto)
        Tenant.objects.filter(pk=tenant.pk).update(status=TenantStatus.SUSPENDED)

    delivered = len(arrivals.times) - before
    print(f"latency, commit to delivered ({len(latencies)} events, one at a time):")
    print(f"  p50 {percentile(latencies, 0.5):.1f} ms, p95 {percentile(latencies, 0.95):.1f} ms")
    print(f"throughput ({args.events} events committed in {committed_all:.1f} s by one thread, two worker processes):")
    print(
        f"  {delivered} delivered in {elapsed:.1f} s: {delivered / elapsed:.1f} events/s"
        + ("" if complete else " (INCOMPLETE)")
    )
    print(f"signatures that did not verify: {arrivals.bad}")


if __name__ == "__main__":
    main()
