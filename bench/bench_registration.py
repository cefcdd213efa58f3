"""Time registrations through the local Rekognition endpoint: engine work, shard fan-out, end to end over HTTP.

Three measurements, each on fresh images (every run perturbs one pixel of the photos, so neither
the gateway's result cache nor the endpoint's per-image memo is warm from an earlier run; within
one registration the memo works as it does in production):

1. **engine**: a registration's engine calls through the gateway — DetectFaces, CompareFaces,
   SearchFacesByImage on every shard (in parallel), IndexFaces — then the face is deleted.
2. **fan-out**: SearchFacesByImage over 1 shard and over 16 shards in parallel, with the endpoint
   adding 100 ms to every search (``VerityLocal.SetFaults``): the ratio should stay near 1. The
   same search is also timed with boto3's client alone, in the same threads but without the
   gateway and its audit events: what the client library costs by itself, a floor under the
   gateway's figure on this machine (sixteen requests serialised, signed and parsed under one GIL).
3. **http**: POST /v1/verifications to the WSGI app served by a pool of threads (each keeps its
   database connections, as gunicorn's do), the verification task run by an in-process worker
   thread as soon as the request commits (no broker hop; connections kept as Celery keeps them),
   until the final state is recorded; the platform's own share is that time minus the steps'
   engine phases, shown also split into the request's uploads (two PutObjects to the tenant's
   bucket, moto_server here) and the rest (Python and PostgreSQL).

The endpoint and moto_server (S3: the uploads a verification stores) run as their own processes,
as ``make run`` runs them (``manage.py rekognition_local``: gunicorn, one process, a pool of
threads), so the engine's CPU is not the platform's; the tenant ("bench-…", suspended at the
end, so beat and tenant_reconcile skip it) and its collections are left behind.

Run from the project root against a migrated database, with Redis and PostgreSQL:
    .venv/bin/python -m bench.bench_registration [--runs 30] [--shards 1]
"""

from __future__ import annotations

import argparse
import io
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("VERITY_ENV", "development")  # a benchmark, not a deployment
os.environ["AWS_ACCESS_KEY_ID"] = "AKIABENCHREGISTER"
os.environ["AWS_SECRET_ACCESS_KEY"] = "bench-secret"  # noqa: S105 - the in-process endpoint accepts only this pair
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
django.setup()

import base64  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import urllib.request  # noqa: E402
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server  # noqa: E402

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.db import close_old_connections  # noqa: E402
from PIL import Image  # noqa: E402

from config.aws import aws_client, reset_clients  # noqa: E402
from config.ids import public_id  # noqa: E402
from tenants.models import Tenant, TenantStatus  # noqa: E402
from tenants.scope import tenant_scope  # noqa: E402
from tenants.services import apikey_create  # noqa: E402
from verification import flows, services, tasks  # noqa: E402
from verification.flows.prepare import shards_of  # noqa: E402
from verification.flows.run import verification_step_run  # noqa: E402
from vision.calls import fan_out  # noqa: E402
from vision.gateway import Gateway  # noqa: E402
from vision.services import collections_ensure  # noqa: E402

PHOTOS = Path(__file__).resolve().parent.parent / "tests/fixtures/faces"
ACCESS_KEY, SECRET = os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"]
BENCH_OPERATIONS = ("DetectFaces", "CompareFaces", "SearchFacesByImage", "IndexFaces", "DeleteFaces")
CONSENT = {"purpose": "biometric_verification", "text_version": "v1", "method": "checkbox"}


def variant(name: str, run: int) -> bytes:
    """The photo with one pixel changed: same face, new SHA-256."""
    with Image.open(PHOTOS / f"{name}.jpg") as image:
        pixels = image.convert("RGB")
    pixels.putpixel((run % pixels.width, 0), (run % 256, 0, 0))
    buffer = io.BytesIO()
    pixels.save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def describe(values: list[float]) -> str:
    return f"p50 {statistics.median(values):7.1f} ms   p95 {percentile(values, 0.95):7.1f} ms"


def new_tenant(shards: int, bucket: str = "verity-bench") -> Tenant:
    suffix = public_id("ten")[-8:]
    tenant = Tenant.objects.create(
        slug=f"bench-{suffix}",
        name="Registration benchmark",
        account_id=f"{secrets.randbelow(10**12):012d}",
        region="us-east-1",
        storage_bucket=bucket,
        storage_prefix="verity/",
        shard_count=shards,
        # The quota must cover a registration's fan-out (one search per shard); a benchmark is not throttled.
        rate_quotas={
            operation: 10_000
            for operation in ("DetectFaces", "CompareFaces", "SearchFacesByImage", "IndexFaces", "DeleteFaces")
        },
    )
    with tenant_scope(tenant):
        collections_ensure(tenant=tenant)
    s3 = aws_client("s3", tenant.region)  # uploads are stored in the tenant's bucket
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou, s3.exceptions.BucketAlreadyExists):
        s3.create_bucket(Bucket=tenant.storage_bucket)
    return tenant


@contextlib.contextmanager
def bench_tenants(bucket: str = "verity-bench") -> Iterator[Callable[[int], Tenant]]:
    """A maker of benchmark tenants (``make(shards)``), each suspended on the way out, so beat and
    tenant_reconcile skip what a benchmark leaves behind."""
    made: list[Tenant] = []

    def make(shards: int) -> Tenant:
        made.append(new_tenant(shards, bucket))
        return made[-1]

    try:
        yield make
    finally:
        Tenant.objects.filter(pk__in=[tenant.pk for tenant in made]).update(status=TenantStatus.SUSPENDED)


def set_faults(endpoint: str, faults: dict[str, Any]) -> None:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    body = json.dumps(faults).encode()
    signed = AWSRequest(
        method="POST",
        url=endpoint,
        data=body,
        headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "VerityLocal.SetFaults"},
    )
    SigV4Auth(Credentials(ACCESS_KEY, SECRET), "rekognition", "us-east-1").add_auth(signed)
    request = urllib.request.Request(endpoint, data=body, method="POST", headers=dict(signed.headers.items()))  # noqa: S310
    with urllib.request.urlopen(request) as response:  # noqa: S310 - the in-process endpoint
        response.read()


def start_moto() -> subprocess.Popen[bytes]:
    """moto_server in its own process (S3, for the uploads a verification stores), as `make run` runs it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    moto = Path(sys.executable).with_name("moto_server")
    process = subprocess.Popen(  # noqa: S603 - the virtualenv's own moto_server
        [str(moto), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    for _ in range(120):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            os.environ["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{port}"
            return process
        except OSError:
            time.sleep(0.25)
    process.kill()
    raise SystemExit("moto_server did not start.")


def shard_list(tenant: Tenant) -> tuple[flows.Shard, ...]:
    from vision.models import FaceCollection

    with tenant_scope(tenant):
        return tuple(shards_of(FaceCollection.objects.order_by("shard")).values())


def engine_registration(gateway: Gateway, shards: tuple[flows.Shard, ...], run: int) -> float:
    selfie, document = {"Bytes": variant("person_a_2", run)}, {"Bytes": variant("person_a_1", run)}
    start = time.perf_counter()
    gateway.call("DetectFaces", Image=selfie, Attributes=["ALL"])
    gateway.call("CompareFaces", SourceImage=selfie, TargetImage=document, SimilarityThreshold=0.0)
    fan_out(
        lambda shard: gateway.call("SearchFacesByImage", CollectionId=shard.collection_id, Image=selfie, MaxFaces=10),
        shards,
    )
    indexed = gateway.call(
        "IndexFaces", CollectionId=shards[0].collection_id, Image=selfie, ExternalImageId=f"bench-{run}", MaxFaces=1
    )
    elapsed = (time.perf_counter() - start) * 1000
    face_ids = [record["Face"]["FaceId"] for record in indexed["FaceRecords"]]
    if face_ids:
        gateway.call("DeleteFaces", CollectionId=shards[0].collection_id, FaceIds=face_ids)
    return elapsed


def fan_out_search(gateway: Gateway, shards: tuple[flows.Shard, ...], run: int, *, raw: bool = False) -> float:
    """One SearchFacesByImage per shard, in parallel; ``raw``: with boto3's client, not the gateway."""
    probe = {"Bytes": variant("person_b_1", run)}
    gateway.call("DetectFaces", Image=probe)  # the probe's analysis, as the quality step leaves it
    search: Callable[..., Any] = (
        gateway.client.search_faces_by_image if raw else partial(gateway.call, "SearchFacesByImage")
    )
    start = time.perf_counter()
    fan_out(lambda shard: search(CollectionId=shard.collection_id, Image=probe, MaxFaces=10), shards)
    return (time.perf_counter() - start) * 1000


@dataclass
class Endpoint:
    """``manage.py rekognition_local`` in a process of its own, accepting this benchmark's key pair."""

    process: subprocess.Popen[bytes]
    url: str

    def stop(self) -> None:
        stop_process(self.process)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Terminate, and kill what does not exit in 30 s: a benchmark never leaves a server behind."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def local_aws() -> Iterator[Endpoint]:
    """moto_server (S3, KMS) and the local Rekognition endpoint in processes of their own, this
    process's clients pointed at them; both stopped on the way out, whatever happened."""
    moto = start_moto()
    try:
        endpoint = start_endpoint()
        try:
            os.environ["AWS_ENDPOINT_URL_REKOGNITION"] = endpoint.url
            reset_clients()
            yield endpoint
        finally:
            endpoint.stop()
    finally:
        stop_process(moto)


def start_endpoint() -> Endpoint:
    with socket.socket() as probe:  # a free port, released for the endpoint to bind
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = os.environ | {"VERITY_LOCAL_REKOGNITION_CREDENTIALS": f"{ACCESS_KEY}:{SECRET}"}
    command = [sys.executable, "manage.py", "rekognition_local", "--port", str(port), "--threads", "32"]
    process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL)  # noqa: S603 - our own command
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return Endpoint(process, f"http://127.0.0.1:{port}")
        except OSError:
            if process.poll() is not None:
                raise SystemExit("The local endpoint did not start.") from None
            time.sleep(0.5)
    process.kill()
    raise SystemExit("The local endpoint did not start within 120 s.")


class _PooledWSGIServer(WSGIServer):
    """Requests served by a fixed pool of threads that keep their database connections between
    requests (``CONN_MAX_AGE``), as gunicorn's threads do; not a new thread and connection each."""

    pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="bench-web")

    def process_request(self, request: Any, client_address: Any) -> None:
        self.pool.submit(self._serve, request, client_address)

    def _serve(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def post_json(url: str, token: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST ``body`` to the benchmark's own server with the API key ``token``; the JSON answer."""
    request = urllib.request.Request(  # noqa: S310 - the server of this process
        f"{url}{path}",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310
        answer: dict[str, Any] = json.loads(response.read())
        return answer


def serve_app() -> tuple[WSGIServer, str]:
    """The WSGI app served from a thread of this process; (server, base URL of /v1)."""
    server = make_server("127.0.0.1", 0, WSGIHandler(), server_class=_PooledWSGIServer, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/v1"


def http_registrations(tenant: Tenant, runs: int) -> tuple[list[float], list[float], list[float]]:
    """(end-to-end ms, engine ms, upload ms) per registration over HTTP, the task run by an
    in-process worker; the uploads are the request's PutObjects of the selfie and the document."""
    with tenant_scope(tenant):
        token = apikey_create(tenant=tenant, name="bench").token
    server, url = serve_app()
    worker = ThreadPoolExecutor(max_workers=1)
    finished: dict[int, Future[float]] = {}
    engine_ms: dict[int, float] = {}
    step_run = verification_step_run

    def timed_step_run(*, tenant: Tenant, step: flows.PendingStep, **options: Any) -> flows.StepOutcome:
        start = time.perf_counter()
        try:
            return step_run(tenant=tenant, step=step, **options)
        finally:
            engine_ms[step.verification_id] = (
                engine_ms.get(step.verification_id, 0.0) + (time.perf_counter() - start) * 1000
            )

    def run_task(args: Any = (), kwargs: Any = None, **options: Any) -> None:
        def work() -> float:
            try:
                tasks.process_verification.apply(args=json.loads(json.dumps(list(args))), throw=True)
                return time.perf_counter()
            finally:
                close_old_connections()  # as Celery's Django fixup does after a task: kept within CONN_MAX_AGE

        finished[args[1]] = worker.submit(work)

    uploads_ms: list[float] = []
    store_uploads = services._store_uploads

    def timed_store_uploads(*args: Any, **options: Any) -> Any:
        start = time.perf_counter()
        try:
            return store_uploads(*args, **options)
        finally:
            uploads_ms.append((time.perf_counter() - start) * 1000)

    services._store_uploads = timed_store_uploads  # type: ignore[assignment]
    tasks.verification_step_run = timed_step_run  # type: ignore[assignment]
    tasks.process_verification.apply_async = run_task  # type: ignore[method-assign]

    def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        return post_json(url, token, path, body)

    totals, engines = [], []
    for run in range(runs):
        subject = post("/subjects", {})["id"]
        post(
            f"/subjects/{subject}/consents",
            {"purpose": "biometric_verification", "text_version": "v1", "method": "checkbox"},
        )
        body = {
            "type": "registration",
            "subject_id": subject,
            "selfie": {"bytes": base64.b64encode(variant("person_a_2", 10_000 + run)).decode()},
            "id_document": {"bytes": base64.b64encode(variant("person_a_1", 10_000 + run)).decode()},
        }
        before = len(finished)
        start = time.perf_counter()
        post("/verifications", body)
        while len(finished) == before:
            time.sleep(0.0005)
        verification_pk = max(finished)
        end = finished[verification_pk].result()
        totals.append((end - start) * 1000)
        engines.append(engine_ms[verification_pk])
        # Each run registers the same person as a new subject: later ones are duplicates, which
        # still run every step but IndexFaces; delete the face so every run is a full registration.
        from verification.models import Face

        with tenant_scope(tenant):
            faces = list(Face.objects.values_list("collection__collection_id", "face_id"))
            Face.objects.all().delete()
        for collection_id, face_id in faces:
            Gateway(tenant).call("DeleteFaces", CollectionId=collection_id, FaceIds=[face_id])
    server.shutdown()
    worker.shutdown()
    services._store_uploads = store_uploads  # type: ignore[assignment]
    return totals, engines, uploads_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--shards", type=int, default=1, help="shards of the tenant for the engine and http runs")
    parser.add_argument(
        "--latency-ms", type=int, default=100, help="latency injected into searches for the fan-out run"
    )
    args = parser.parse_args()

    with local_aws() as endpoint, bench_tenants() as tenants:
        tenant, wide = tenants(args.shards), tenants(16)
        gateway = Gateway(tenant)
        engine_registration(gateway, shard_list(tenant), -1)  # warm-up: models, connections
        engine = [engine_registration(gateway, shard_list(tenant), run) for run in range(args.runs)]

        set_faults(endpoint.url, {"LatencyMs": args.latency_ms, "Operations": ["SearchFacesByImage"]})
        wide_gateway, wide_shards = Gateway(wide), shard_list(wide)
        one = [fan_out_search(wide_gateway, wide_shards[:1], 20_000 + run) for run in range(args.runs)]
        sixteen = [fan_out_search(wide_gateway, wide_shards, 30_000 + run) for run in range(args.runs)]
        raw_one = [fan_out_search(wide_gateway, wide_shards[:1], 40_000 + run, raw=True) for run in range(args.runs)]
        raw_sixteen = [fan_out_search(wide_gateway, wide_shards, 50_000 + run, raw=True) for run in range(args.runs)]
        set_faults(endpoint.url, {})

        totals, engines, uploads = http_registrations(tenant, args.runs)

    platform = [total - spent for total, spent in zip(totals, engines, strict=True)]
    own = [share - upload for share, upload in zip(platform, uploads, strict=True)]
    print(
        f"{args.runs} runs; tenant with {args.shards} shard(s); local endpoint and moto_server in their own processes"
    )
    print(f"engine work of a registration          {describe(engine)}")
    print(f"search, 1 shard, +{args.latency_ms} ms               {describe(one)}")
    print(f"search, 16 shards in parallel, +{args.latency_ms} ms {describe(sixteen)}")
    print(f"  16 shards / 1 shard (p50)            {statistics.median(sixteen) / statistics.median(one):.2f}x")
    print(f"  boto3 alone, 1 shard                 {describe(raw_one)}")
    print(f"  boto3 alone, 16 shards               {describe(raw_sixteen)}")
    print(f"    16 shards / 1 shard (p50)          {statistics.median(raw_sixteen) / statistics.median(raw_one):.2f}x")
    print(f"registration end to end over HTTP      {describe(totals)}")
    print(f"  of which the steps' engine phases    {describe(engines)}")
    print(f"  platform's own share                 {describe(platform)}")
    print(f"    of which the uploads (2 PutObject)  {describe(uploads)}")
    print(f"    the rest (Python, PostgreSQL)       {describe(own)}")


if __name__ == "__main__":
    main()
