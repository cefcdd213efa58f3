"""Scheduled housekeeping for tenants."""

from celery import shared_task

from tenants.services import idempotency_records_purge


@shared_task(acks_late=True)
def purge_expired_idempotency_records() -> int:
    return idempotency_records_purge()
