"""Scheduled housekeeping for tenants."""

from celery import shared_task

from config.api.idempotency import idempotency_records_purge
from tenants.scope import platform_scope


@shared_task(acks_late=True)
def purge_expired_idempotency_records() -> int:
    with platform_scope():
        return idempotency_records_purge()
