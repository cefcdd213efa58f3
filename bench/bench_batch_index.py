"""Batch indexing at the tenant's IndexFaces quota, with injected throttling and a worker killed mid-job.

Starts, as ``make run`` does, moto_server (S3: the photos and the manifest), the local
Rekognition endpoint (``manage.py rekognition_local``), the web (gunicorn ``config.wsgi``) and a
Celery worker (on a queue of its own), each in its own process. A tenant with one shard and an
IndexFaces quota of ``--quota`` per second gets ``--items`` photos in its bucket (the fixture
people, each copy with one pixel changed, so every IndexFaces really detects and embeds) and a CSV
manifest of them with consent references; the endpoint throttles ``--throttle`` of IndexFaces
calls (``VerityLocal.SetFaults``). The job is created over HTTP and polled until it completes;
when ``--kill-at`` of the items are indexed, the worker's whole process group gets SIGKILL (no
handler, no compensation: kill -9) and a new worker is started at once.

Reported (printed, not asserted):
- the sustained rate of IndexFaces tokens the job spent (every attempt, the throttled ones too:
  from the audit log's ``attempts``) and of faces indexed, each as % of the quota, over the whole
  indexing span and over the span without the outage (from the kill to the first IndexFaces the
  new worker sent that indexed a face);
- items lost (a manifest line whose subject has no face in the engine, or no active face row) and
  indexed twice (a subject with more than one face in the engine), counted against the engine's
  own ListFaces, and the items adopted after the kill.

The tenant ("bench-…", suspended at the end) and its collections are left behind.

Run from the project root against a migrated database, with PostgreSQL, Redis and RabbitMQ:
    .venv/bin/python -m bench.bench_batch_index [--items 1000] [--quota 5] [--throttle 0.1] [--kill-at 0.4]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("VERITY_ENV", "development")
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
django.setup()

from bench.bench_registration import ACCESS_KEY, SECRET, new_tenant, set_faults, start_moto, variant  # noqa: E402
from bench.bench_registration_load import Client, free_port, start, wait_for_port  # noqa: E402
from config.aws import aws_client, reset_clients  # noqa: E402
from tenants.models import Tenant, TenantStatus  # noqa: E402
from tenants.scope import tenant_scope  # noqa: E402
from tenants.services import apikey_create  # noqa: E402

# The key pair set_faults signs with, accepted by the endpoint this benchmark starts.
os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"] = ACCESS_KEY, SECRET
ROOT = Path(__file__).resolve().parent.parent
PEOPLE = ("person_a_1", "person_a_2", "person_b_1", "person_b_2", "impostor_1", "impostor_2")


def upload_photos(tenant: Tenant, items: int) -> list[str]:
    """``items`` photos in the tenant's bucket, each one a fixture person with one pixel changed; their keys."""
    s3 = aws_client("s3", tenant.region)
    keys = [f"{tenant.storage_prefix}people/{n:05d}.jpg" for n in range(items)]

    def put(n: int) -> None:
        s3.put_object(Bucket=tenant.storage_bucket, Key=keys[n], Body=variant(PEOPLE[n % len(PEOPLE)], n))

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(put, range(items)))
    return keys


def start_worker(environment: dict[str, str], queue: str, run_dir: Path, generation: int) -> subprocess.Popen[bytes]:
    """A Celery worker in a session (process group) of its own, so a kill reaches its children too."""
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--loglevel",
        "WARNING",
        "--concurrency",
        "1",
        "--queues",
        queue,
        "--hostname",
        f"{queue}-{generation}@%h",
    ]
    with (run_dir / f"worker-{generation}.log").open("wb") as output:
        return subprocess.Popen(  # noqa: S603 - our own command
            command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )


def kill_group(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGKILL)  # kill -9 of the worker and its pool
    process.wait(timeout=30)


def engine_faces(tenant: Tenant) -> Counter[str]:
    """Faces per ExternalImageId in the tenant's collections, as the engine lists them."""
    from vision.gateway import Gateway
    from vision.models import FaceCollection

    with tenant_scope(tenant):
        collections = list(FaceCollection.objects.values_list("collection_id", flat=True))
    gateway = Gateway(tenant, max_wait=60)
    counts: Counter[str] = Counter()
    for collection_id in collections:
        token = None
        while True:
            page = gateway.call(
                "ListFaces", CollectionId=collection_id, MaxResults=4096, **({"NextToken": token} if token else {})
            )
            counts.update(face.get("ExternalImageId", "") for face in page["Faces"])
            token = page.get("NextToken")
            if not token:
                break
    return counts


def index_tokens(tenant: Tenant, since: float) -> tuple[int, int, list[float]]:
    """(IndexFaces calls, their attempts, the successful calls' times) the audit log recorded since ``since``.

    Each attempt took a token of the quota; the gateway retries throttling within one call.
    """
    from datetime import UTC, datetime

    from audit.models import AuditEvent

    with tenant_scope(tenant):
        rows = list(
            AuditEvent.objects.filter(
                event_name="IndexFaces", event_time__gte=datetime.fromtimestamp(since, UTC)
            ).values_list("record", "event_time", "error_code")
        )
    attempts = 0
    for record, _, _ in rows:
        parsed = json.loads(record) if isinstance(record, str) else record
        attempts += int(parsed.get("additionalEventData", {}).get("attempts", 1))
    return len(rows), attempts, sorted(when.timestamp() for _, when, error in rows if not error)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--quota", type=int, default=5, help="the tenant's IndexFaces quota, per second")
    parser.add_argument("--throttle", type=float, default=0.1, help="share of IndexFaces the endpoint throttles")
    parser.add_argument("--kill-at", type=float, default=0.4, help="kill -9 the worker at this share indexed; 0: never")
    parser.add_argument("--threads", type=int, default=8, help="VERITY_BATCH_THREADS of the worker")
    args = parser.parse_args()

    run_dir = ROOT / "var" / "bench-batch"
    run_dir.mkdir(parents=True, exist_ok=True)
    engine_port, web_port = free_port(), free_port()
    moto = start_moto()  # sets AWS_ENDPOINT_URL for this process and the ones it starts
    queue = f"bench-batch-{os.getpid()}"
    environment = os.environ | {
        "VERITY_LOCAL_REKOGNITION_CREDENTIALS": ":".join(
            (os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"])
        ),
        "AWS_ENDPOINT_URL_REKOGNITION": f"http://127.0.0.1:{engine_port}",
        "VERITY_CELERY_QUEUE": queue,
        "VERITY_BATCH_THREADS": str(args.threads),
        "LOG_LEVEL": "WARNING",
    }
    os.environ["AWS_ENDPOINT_URL_REKOGNITION"] = environment["AWS_ENDPOINT_URL_REKOGNITION"]
    reset_clients()
    python = sys.executable
    engine = start(
        [python, "manage.py", "rekognition_local", "--port", str(engine_port)], environment, run_dir / "engine.log"
    )
    processes = [engine]
    workers: list[subprocess.Popen[bytes]] = []
    tenant: Tenant | None = None
    kill: dict[str, float] = {}
    try:
        wait_for_port(engine_port, engine, "The local endpoint")
        web = start(
            [python, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{web_port}", "--workers", "1"],
            environment,
            run_dir / "web.log",
        )
        processes.append(web)
        workers.append(start_worker(environment, queue, run_dir, 1))
        wait_for_port(web_port, web, "gunicorn")
        tenant = new_tenant(1)
        quotas = dict(tenant.rate_quotas) | {"IndexFaces": args.quota, "SearchFaces": 10_000}
        Tenant.objects.filter(pk=tenant.pk).update(rate_quotas=quotas)
        tenant.refresh_from_db()
        with tenant_scope(tenant):
            token = apikey_create(tenant=tenant, name="bench-batch").token
        client = Client(f"http://127.0.0.1:{web_port}/v1", token)

        keys = upload_photos(tenant, args.items)
        manifest = "external_id,s3_key,consent_reference\n" + "".join(
            f"bench-{n:05d},{key},form-{n}\n" for n, key in enumerate(keys)
        )
        manifest_key = f"{tenant.storage_prefix}manifests/bench.csv"
        aws_client("s3", tenant.region).put_object(
            Bucket=tenant.storage_bucket, Key=manifest_key, Body=manifest.encode()
        )
        set_faults(
            environment["AWS_ENDPOINT_URL_REKOGNITION"],
            {"ThrottleRate": args.throttle, "ThrottleError": "ThrottlingException", "Operations": ["IndexFaces"]},
        )
        created_at = time.time()
        job = client.call(
            "POST",
            "/batch-index-jobs",
            {
                "manifest": {"bucket": tenant.storage_bucket, "name": manifest_key},
                "consent": {"text_version": "bench-v1", "method": "written"},
            },
        )
        while True:
            job = client.call("GET", f"/batch-index-jobs/{job['id']}")
            indexed = job["counts"]["indexed"]
            now = time.time()
            if args.kill_at and not kill and indexed >= args.kill_at * args.items:
                kill_group(workers[-1])
                kill["at"] = time.time()
                workers.append(start_worker(environment, queue, run_dir, 2))
            if job["status"] in ("completed", "failed"):
                break
            if now - created_at > 60 + 10 * args.items / args.quota:
                raise SystemExit(f"The job did not finish in time: {job}")
            time.sleep(0.5)
        set_faults(environment["AWS_ENDPOINT_URL_REKOGNITION"], {})

        calls, attempts, times = index_tokens(tenant, created_at - 1)
        in_engine = engine_faces(tenant)
        from verification.models import BatchIndexItem, FaceStatus

        with tenant_scope(tenant):
            items = list(
                BatchIndexItem.objects.filter(job__public_id=job["id"]).values_list(
                    "status", "subject__public_id", "face__status", "adopted", "error_code"
                )
            )
    finally:
        for process in reversed(workers):
            if process.poll() is None:
                kill_group(process)
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

    subjects = [subject for _, subject, _, _, _ in items]
    lost = [
        s
        for s, (status, _, face_status, _, _) in zip(subjects, items, strict=True)
        if s is None or in_engine[s] == 0 or status != "indexed" or face_status != FaceStatus.ACTIVE
    ]
    doubled = [s for s in subjects if s is not None and in_engine[s] > 1]
    adopted = sum(1 for *_, was_adopted, _ in items if was_adopted)
    failures = Counter(code for status, _, _, _, code in items if status == "failed")
    span = times[-1] - times[0] if len(times) > 1 else float("nan")
    # The outage: from the kill to the first IndexFaces a new worker sent that indexed a face.
    resumed = next((t for t in times if "at" in kill and t > kill["at"]), None)
    outage = resumed - kill["at"] if resumed is not None else 0.0
    working = span - outage

    def share(count: float, seconds: float) -> str:
        rate = count / seconds
        return f"{rate:5.2f}/s = {100 * rate / args.quota:5.1f} % of the quota"

    print(
        f"{args.items} items; IndexFaces quota {args.quota}/s; {100 * args.throttle:g} % of IndexFaces throttled "
        f"by the endpoint; worker concurrency 1 x {args.threads} threads; job {job['id']} {job['status']}"
    )
    print(f"counts {job['counts']}; item failures {dict(failures) or 0}")
    done = len(times)  # IndexFaces calls that indexed a face
    print(f"IndexFaces: {calls} calls, {attempts} attempts (tokens), {attempts - calls} resent after throttling")
    print(f"indexing span {span:.1f} s (first to last face indexed)")
    print(f"  quota spent (attempts)     {share(attempts, span)}")
    print(f"  faces indexed              {share(done, span)}")
    if kill:
        print(
            f"kill -9 of the worker at {kill['at'] - times[0]:.1f} s into indexing; "
            f"indexing resumed {outage:.1f} s later (a new worker started, took the lease over)"
        )
        print(f"  without the outage ({working:.1f} s): quota spent {share(attempts, working)}")
        print(f"                                  faces indexed {share(done, working)}")
    print(f"lost {len(lost)}, indexed twice {len(doubled)}, adopted after the kill {adopted}")


if __name__ == "__main__":
    main()
