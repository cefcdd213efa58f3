"""Sustained registrations per second with the processes of a deployment, and that none is lost.

Starts, as ``make run`` does, the local Rekognition endpoint (``manage.py rekognition_local``),
the web (gunicorn ``config.wsgi``, ``--web-workers``) and a Celery worker (``--concurrency``,
on a queue of its own so another worker on the same broker never takes its tasks); then
``--clients`` client threads register people over HTTP for ``--seconds`` (a subject, its
consent, ``POST /v1/verifications``), and every verification is polled until it is final.

Reported: registrations submitted and finished per second (finished over the span from the first
submission to the last completion), their outcomes, the latency from submission to the final
state, and the lost ones: still not final once none has finished for ``--drain`` seconds, so the
deployment has stopped making progress on them (0 is the target). A backlog still being worked
through is not lost: a fixed wait after the last submission counted one as lost as soon as the
clients outpaced the worker by more than the wait. The photos are the test fixtures' few people,
so after the first registration of each person the rest are duplicates (``needs_review``): every
registration still runs the quality gate, CompareFaces and the duplicate search on every shard.

Run from the project root against a migrated database, with PostgreSQL, Redis and RabbitMQ:
    .venv/bin/python -m bench.bench_registration_load [--seconds 60] [--clients 4]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("VERITY_ENV", "development")
os.environ["AWS_ACCESS_KEY_ID"] = "AKIABENCHLOAD"
os.environ["AWS_SECRET_ACCESS_KEY"] = "bench-load-secret"  # noqa: S105 - the bench's own endpoint accepts only this pair
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
django.setup()

from bench.bench_registration import new_tenant, percentile, start_moto, variant  # noqa: E402
from config.aws import reset_clients  # noqa: E402
from tenants.models import Tenant, TenantStatus  # noqa: E402
from tenants.scope import tenant_scope  # noqa: E402
from tenants.services import apikey_create  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PEOPLE = (("person_a_2", "person_a_1"), ("person_b_2", "person_b_1"))
FINAL = {"approved", "rejected", "needs_review", "failed"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], name: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if process.poll() is not None:
                raise SystemExit(f"{name} did not start.") from None
            time.sleep(0.5)
    raise SystemExit(f"{name} did not start within 120 s.")


def start(command: list[str], environment: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603


class Client:
    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        request = urllib.request.Request(  # noqa: S310 - the benchmark's own server
            f"{self.url}{path}",
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        for _ in range(20):
            try:
                with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                    answer: dict[str, Any] = json.loads(response.read())
                    return answer
            except urllib.error.HTTPError as error:
                if error.code != 429:
                    raise
                time.sleep(float(error.headers.get("Retry-After", "1")))
        raise RuntimeError(f"{method} {path} was refused 20 times with 429")


def register(client: Client, run: int) -> str:
    selfie, document = PEOPLE[run % len(PEOPLE)]
    subject = client.call("POST", "/subjects", {})["id"]
    client.call(
        "POST",
        f"/subjects/{subject}/consents",
        {"purpose": "biometric_verification", "text_version": "v1", "method": "checkbox"},
    )
    body = {
        "type": "registration",
        "subject_id": subject,
        "selfie": {"bytes": base64.b64encode(variant(selfie, run)).decode()},
        "id_document": {"bytes": base64.b64encode(variant(document, run)).decode()},
    }
    return str(client.call("POST", "/verifications", body)["id"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=4, help="client threads submitting registrations")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--shards", type=int, default=1)
    parser.add_argument(
        "--drain", type=float, default=120, help="seconds without a newly finished one before the rest count as lost"
    )
    args = parser.parse_args()

    run_dir = ROOT / "var" / "bench-load"
    run_dir.mkdir(parents=True, exist_ok=True)
    engine_port, web_port = free_port(), free_port()
    moto = start_moto()  # S3 for the uploads; sets AWS_ENDPOINT_URL for this process and the ones it starts
    environment = os.environ | {
        "VERITY_LOCAL_REKOGNITION_CREDENTIALS": ":".join(
            (os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"])
        ),
        "AWS_ENDPOINT_URL_REKOGNITION": f"http://127.0.0.1:{engine_port}",
        "VERITY_CELERY_QUEUE": f"bench-load-{os.getpid()}",
        "LOG_LEVEL": "WARNING",
    }
    os.environ["AWS_ENDPOINT_URL_REKOGNITION"] = environment["AWS_ENDPOINT_URL_REKOGNITION"]
    reset_clients()
    python = sys.executable
    web_options = ["--workers", str(args.web_workers)]
    queue = environment["VERITY_CELERY_QUEUE"]
    # A node name of its own: a worker of `make run` on the same broker already holds celery@<host>.
    worker_options = ["--concurrency", str(args.concurrency), "--queues", queue, "--hostname", f"{queue}@%h"]
    processes = [
        start(
            [python, "manage.py", "rekognition_local", "--port", str(engine_port)], environment, run_dir / "engine.log"
        )
    ]
    tenant: Tenant | None = None
    try:
        wait_for_port(engine_port, processes[0], "The local endpoint")
        processes.append(
            start(
                [python, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{web_port}", *web_options],
                environment,
                run_dir / "web.log",
            )
        )
        processes.append(
            start(
                [python, "-m", "celery", "-A", "config", "worker", "--loglevel", "WARNING", *worker_options],
                environment,
                run_dir / "worker.log",
            )
        )
        wait_for_port(web_port, processes[1], "gunicorn")
        tenant = new_tenant(args.shards)
        with tenant_scope(tenant):
            token = apikey_create(tenant=tenant, name="bench-load").token
        client = Client(f"http://127.0.0.1:{web_port}/v1", token)
        register(client, -1)  # warm-up: models, connections (not counted)

        submitted: list[tuple[str, float]] = []
        lock = threading.Lock()
        deadline = time.monotonic() + args.seconds
        counter = iter(range(10**9))

        def submit_until_deadline() -> None:
            while time.monotonic() < deadline:
                with lock:
                    run = next(counter)
                verification = register(client, run)
                with lock:
                    submitted.append((verification, time.time()))

        threads = [threading.Thread(target=submit_until_deadline) for _ in range(args.clients)]
        first = time.time()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        final: dict[str, dict[str, Any]] = {}
        progressed = time.monotonic()
        while len(final) < len(submitted) and time.monotonic() - progressed < args.drain:
            for verification, _ in submitted:
                if verification not in final:
                    answer = client.call("GET", f"/verifications/{verification}")
                    if answer["status"] in FINAL:
                        final[verification] = answer
                        progressed = time.monotonic()
            time.sleep(0.5)
    finally:
        processes.append(moto)
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        if tenant is not None:
            Tenant.objects.filter(pk=tenant.pk).update(status=TenantStatus.SUSPENDED)

    finished_at = {key: datetime.fromisoformat(answer["finished_at"]).timestamp() for key, answer in final.items()}
    latencies = [(finished_at[key] - sent) * 1000 for key, sent in submitted if key in finished_at]
    span = max(finished_at.values()) - first if finished_at else float("nan")
    outcomes = Counter(answer["status"] for answer in final.values())
    print(
        f"{args.seconds:g} s of submissions by {args.clients} clients; web {args.web_workers} gunicorn workers, "
        f"Celery concurrency {args.concurrency}, local endpoint in its own process; {args.shards} shard(s)"
    )
    print(f"submitted {len(submitted)}, finished {len(final)}, lost {len(submitted) - len(final)}")
    print(f"outcomes {dict(outcomes)}")
    print(f"sustained: {len(final) / span:.2f} registrations/s (finished over {span:.1f} s)")
    if latencies:
        p50, p95 = statistics.median(latencies), percentile(latencies, 0.95)
        print(f"submission to final state: p50 {p50:.0f} ms, p95 {p95:.0f} ms (includes the queue's backlog)")


if __name__ == "__main__":
    main()
