"""Housekeeping tasks: the service, and delivery through the real broker to a real worker."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from config.api.idempotency import idempotency_records_purge
from config.celery import app
from tenants.models import IdempotencyRecord
from tenants.scope import platform_scope, tenant_scope
from tenants.tasks import purge_expired_idempotency_records
from tests.committed import delete_tenant_as_owner, in_own_connection
from tests.factories import TenantFactory


def _record(tenant: object, key: str, age: timedelta) -> None:
    with tenant_scope(tenant):
        IdempotencyRecord.objects.create(
            tenant=tenant,
            key=key,
            request_fingerprint="f",
            response_status=201,
            response_body=b"{}",
            created_at=timezone.now() - age,
        )


@pytest.mark.django_db
def test_purge_removes_expired_records_of_every_tenant_and_keeps_fresh_ones() -> None:
    first, second = TenantFactory(), TenantFactory()
    _record(first, "old", timedelta(hours=25))
    _record(second, "old", timedelta(hours=30))
    _record(first, "fresh", timedelta(hours=1))
    with platform_scope():
        assert idempotency_records_purge() == 2
        assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]


def test_scheduled_task_is_registered_with_beat() -> None:
    schedule = app.conf.beat_schedule["purge-expired-idempotency-records"]
    assert schedule["task"] == purge_expired_idempotency_records.name
    json.dumps(schedule.get("args", []))  # task arguments must survive JSON


@pytest.fixture
def own_queue() -> Iterator[str]:
    """A queue only this test's worker consumes, deleted afterwards."""
    name = f"{app.conf.task_default_queue}-{uuid.uuid4().hex[:12]}"
    yield name
    with app.connection_for_write() as connection:
        connection.default_channel.queue_delete(name)


@pytest.mark.django_db
def test_task_runs_on_a_worker_through_rabbitmq(own_queue: str) -> None:
    tenant = in_own_connection(TenantFactory, slug="tasks-worker", account_id="987000000002")
    try:
        for number in range(3):
            in_own_connection(_record, tenant, f"expired-{number}", timedelta(hours=25 + number))
        in_own_connection(_record, tenant, "fresh", timedelta(hours=1))
        with start_worker(
            app, perform_ping_check=False, pool="threads", concurrency=1, shutdown_timeout=30, queues=[own_queue]
        ):
            result = purge_expired_idempotency_records.apply_async(queue=own_queue)
            assert result.get(timeout=20) == 3

        def keys() -> list[str]:
            with tenant_scope(tenant):
                return list(IdempotencyRecord.objects.values_list("key", flat=True))

        assert in_own_connection(keys) == ["fresh"]
    finally:
        delete_tenant_as_owner(tenant.pk)


def test_production_refuses_to_start_without_a_secret_key() -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup()",
        ],
        env={"VERITY_ENV": "production", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode != 0
    assert "DJANGO_SECRET_KEY" in completed.stderr


def test_production_starts_with_its_secrets_set() -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup()",
        ],
        env={
            "VERITY_ENV": "production",
            "DJANGO_SECRET_KEY": "production-test-secret-3f9a7c1e5b2d8064aa91c7e3d5f0b2486c1e9d7a",
            "DJANGO_ALLOWED_HOSTS": "verity.example.com",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
