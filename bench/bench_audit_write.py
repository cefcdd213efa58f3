"""Benchmark audit writes: record_event in batches of transactions, each sealed into the chain on commit.

Run from the project root against a migrated database (events are append-only, so each run
uses fresh tenants and leaves their rows behind; point DATABASE_URL at a scratch database):

    .venv/bin/python -m bench.bench_audit_write --events 20000 --batch 100
    .venv/bin/python -m bench.bench_audit_write --events 20000 --batch 100 --writers 2

Target: at least 2,000 events per second per core, sealing included. One writer is bound by
the latency of its one INSERT per event (it waits while the database works), so besides its
wall-clock rate the benchmark reads the CPU time of each writer *and* of the PostgreSQL backend
serving it (from /proc, when the database runs on this machine) and reports events per
CPU-second: the per-core cost of writing, client and database together.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import secrets
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("VERITY_ENV", "development")  # a benchmark, not a deployment
django.setup()

from django.db import connection, transaction  # noqa: E402 - after django.setup()

from audit.identity import api_key_identity, resource  # noqa: E402
from audit.models import AuditChainEntry  # noqa: E402
from audit.recording import record_event  # noqa: E402
from tenants.models import ApiKey, Tenant, TenantStatus  # noqa: E402
from tenants.scope import tenant_scope  # noqa: E402

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class WriterResult:
    events: int
    wall: float
    client_cpu: float
    server_cpu: float | None


def _bench_tenant() -> Tenant:
    suffix = secrets.token_hex(4)
    return Tenant.objects.create(
        slug=f"bench-audit-{suffix}",
        name="Audit write benchmark",
        account_id=f"9{secrets.randbelow(10**11):011d}",
        region="eu-west-1",
        # It has no AWS resources: suspended, so tenant_reconcile (make run) and beat's jobs skip it.
        status=TenantStatus.SUSPENDED,
    )


def _process_cpu(pid: int) -> float | None:
    """User + system CPU seconds of a process on this machine, None when it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def write(events: int, batch: int) -> WriterResult:
    """One writer: ``events`` CreateSubject-like events in transactions of ``batch``."""
    tenant = _bench_tenant()
    api_key = ApiKey(tenant=tenant, name="bench", prefix=f"vk_live_{secrets.token_hex(6)}")
    identity = api_key_identity(api_key, tenant)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = int(cursor.fetchone()[0])
    server_started = _process_cpu(backend)
    started, cpu_started = time.perf_counter(), time.process_time()
    written = 0
    while written < events:
        with tenant_scope(tenant), transaction.atomic():  # one transaction per batch
            for _ in range(min(batch, events - written)):
                subject = f"sub_{secrets.token_hex(12)}"
                record_event(
                    tenant=tenant,
                    event_source="verification.verity.local",
                    event_name="CreateSubject",
                    identity=identity,
                    source_ip="198.51.100.7",
                    user_agent="verity-bench/1.0",
                    request_parameters={"external_id": f"customer-{written}", "metadata": {"tier": "gold"}},
                    response_elements={"id": subject, "external_id": f"customer-{written}"},
                    resources=[resource(tenant, service="verification", resource_type="subject", resource_id=subject)],
                    request_id=secrets.token_hex(16),
                )
                written += 1
        # Leaving the transaction commits; the commit hook seals the batch into the chain.
    wall, client_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    server_ended = _process_cpu(backend)
    server_cpu = server_ended - server_started if server_started is not None and server_ended is not None else None
    with tenant_scope(tenant):
        sealed = AuditChainEntry.objects.filter(sequence__isnull=False).count()
        last = AuditChainEntry.objects.order_by("-sequence").values_list("sequence", flat=True).first()
    if sealed != events or last != events:
        raise SystemExit(f"chain incomplete: {sealed} sealed, last sequence {last}, {events} written")
    return WriterResult(events=events, wall=wall, client_cpu=client_cpu, server_cpu=server_cpu)


def _write_in_child(args: tuple[int, int]) -> WriterResult:
    connection.close()  # a forked child must not share the parent's connection
    return write(*args)


TARGET_PER_CORE = 2000


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000, help="events per writer")
    parser.add_argument("--batch", type=int, default=100, help="events per transaction")
    parser.add_argument("--writers", type=int, default=1, help="writer processes, each with its own tenant")
    parser.add_argument(
        "--require-target",
        action="store_true",
        help="exit 1 when below the per-core target (the figure depends on the machine)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.writers == 1:
        results = [write(args.events, args.batch)]
    else:
        connection.close()
        with multiprocessing.get_context("fork").Pool(args.writers) as pool:
            results = pool.map(_write_in_child, [(args.events, args.batch)] * args.writers)
    elapsed = time.perf_counter() - started
    total = sum(result.events for result in results)
    for number, result in enumerate(results, start=1):
        server = f"{result.server_cpu:.2f} s" if result.server_cpu is not None else "n/a"
        print(
            f"writer {number}: {result.events} events in {args.batch}-event transactions, {result.wall:.2f} s wall "
            f"({result.events / result.wall:,.0f} events/s); CPU {result.client_cpu:.2f} s client, {server} database"
        )
    print(f"all writers: {total / elapsed:,.0f} events/s wall; every chain sealed without gaps")
    if all(result.server_cpu is not None for result in results):
        cpu = sum(result.client_cpu + (result.server_cpu or 0.0) for result in results)
        per_core = total / cpu
        met = "meets" if per_core >= TARGET_PER_CORE else "is below"
        print(f"per core: {per_core:,.0f} events per CPU-second (client and database backend together)")
        print(f"this {met} the target of {TARGET_PER_CORE:,} per core")
        if args.require_target and per_core < TARGET_PER_CORE:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
