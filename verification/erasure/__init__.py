"""Erasure of a subject's biometric and personal data, store by store, ending in a signed receipt.

One workflow serves every path that erases (``DELETE /v1/subjects/{id}``, a withdrawn consent, the
retention purge): ``erasure_request`` records the request and has a worker run ``erasure_run``
(the purge runs ``erasures_run`` on batches), which empties the stores in ``ERASURE_STORES``
order (``verification.erasure.stores``):

collections  DeleteFaces for each of the subject's faces, in every collection holding one
objects      the images kept in the tenant's bucket (verification images, reference images)
cache        the gateway's cached engine answers computed from the subject's images
database     image bytes, the documents read for its verifications, step results and matches
             (its own and other verifications' matches naming it), its external id and metadata

Each store is read in a short transaction, emptied with no transaction open (the AWS calls), and
recorded done in another, so a crash or an engine failure midway resumes at the store it stopped
in; what is already gone counts as deleted. Only when every store is done is the receipt signed
and the erasure ``completed``. Kept: the subject's id, its consents (proof that the processing
was lawful) and the audit trail, which holds ids, never personal data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from celery import current_app
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.cloudtrail.records import format_event_time
from audit.digests import signing_keyring
from audit.identity import resource
from audit.receipts import receipt_sign
from audit.recording import record_change
from audit.redaction import KEEP, ListOf, register_event
from tenants.models import Tenant
from tenants.scope import require_scope, scope_database
from verification.erasure import stores
from verification.errors import ConsentAlreadyWithdrawn
from verification.flows import VERIFICATION_SOURCE
from verification.flows.record import verification_fail
from verification.models import (
    ERASURE_STORES,
    FINAL_STATUSES,
    Consent,
    Erasure,
    ErasureReason,
    ErasureStatus,
    Subject,
    Verification,
)
from verification.selectors import consent_active
from webhooks.models import EventType
from webhooks.outbox import event_emit

_ERASED_DETAIL = "The subject's erasure was requested; nothing more is processed for it."
_COUNTS = {"faces": KEEP, "objects": KEEP, "cachedResults": KEEP, "rows": KEEP}

register_event(
    VERIFICATION_SOURCE,
    "RequestErasure",
    request={"subjectId": KEEP, "reason": KEEP},
    response={"erasureId": KEEP},
)
register_event(VERIFICATION_SOURCE, "CompleteErasure", request={"erasureId": KEEP}, response=_COUNTS)
register_event(
    VERIFICATION_SOURCE,
    "RecordConsentWithdrawal",
    request={"subjectId": KEEP, "consentId": KEEP},
    response={"erasureIds": ListOf(KEEP)},
)


def erasure_request(*, tenant: Tenant, subject: Subject, reason: str, requested_by: str, actor: Any = None) -> Erasure:
    """The subject's erasure, requested now and run by a worker; asking again returns the same one.

    From the request on, nothing biometric is processed for the subject (``subject_erased``), and
    its unfinished verifications fail (a face one of them indexes meanwhile is deleted again when
    its step is recorded). An erasure that failed is set going again.
    """
    require_scope(tenant)
    try:
        with transaction.atomic(using=scope_database()):
            erasure = Erasure.objects.create(tenant=tenant, subject=subject, reason=reason, requested_by=requested_by)
            for verification_id in (
                Verification.objects.filter(subject=subject)
                .exclude(status__in=FINAL_STATUSES)
                .values_list("pk", flat=True)
            ):
                verification_fail(
                    tenant=tenant, verification_id=verification_id, code="subject_erased", detail=_ERASED_DETAIL
                )
            record_change(
                tenant=tenant,
                event_source=VERIFICATION_SOURCE,
                event_name="RequestErasure",
                actor=actor,
                request_parameters={"subjectId": subject.public_id, "reason": reason},
                response_elements={"erasureId": erasure.public_id},
                resources=[_subject_resource(tenant, subject)],
            )
            _enqueue(tenant, erasure)
            return erasure
    except IntegrityError:  # requested before (perhaps at this very moment)
        pass
    with transaction.atomic(using=scope_database()):
        erasure = Erasure.objects.select_for_update().get(subject=subject)
        if erasure.status == ErasureStatus.FAILED:
            erasure.status = ErasureStatus.PENDING
            erasure.save(update_fields=["status", "updated_at"])
            _enqueue(tenant, erasure)
    return erasure


def erasures_request_many(
    *, tenant: Tenant, subjects: Sequence[Subject], reason: str, requested_by: str
) -> list[Erasure]:
    """Request the erasure of many idle subjects at once (purges); run them with ``erasures_run``.

    For subjects with nothing in flight (the purges' callers pick them); each erasure is audited
    when it completes.
    """
    require_scope(tenant)
    with transaction.atomic(using=scope_database()):
        return Erasure.objects.bulk_create(
            Erasure(tenant=tenant, subject=subject, reason=reason, requested_by=requested_by) for subject in subjects
        )


def erase_all_subjects(*, tenant: Tenant, requested_by: str, batch: int = 1000) -> list[Erasure]:
    """Erase every subject of the tenant (offboarding): request what nobody requested yet, then run
    every unfinished erasure, ``batch`` at a time. Raises when one does not complete."""
    require_scope(tenant)
    while subjects := list(Subject.objects.exclude(pk__in=Erasure.objects.values("subject_id")).order_by("pk")[:batch]):
        erasures_request_many(
            tenant=tenant, subjects=subjects, reason=ErasureReason.OFFBOARDING, requested_by=requested_by
        )
    unfinished = list(
        Erasure.objects.exclude(status=ErasureStatus.COMPLETED).order_by("pk").values_list("pk", flat=True)
    )
    for start in range(0, len(unfinished), batch):
        erasures_run(tenant=tenant, erasure_ids=unfinished[start : start + batch])
    return list(Erasure.objects.order_by("pk"))


def consent_withdraw(*, tenant: Tenant, consent: Consent, requested_by: str, actor: Any = None) -> Erasure | None:
    """Withdraw a consent now; when the subject has no other active biometric consent, erase it."""
    require_scope(tenant)
    with transaction.atomic(using=scope_database()):
        consent = Consent.objects.select_for_update().select_related("subject").get(pk=consent.pk)
        if consent.withdrawn_at is not None:
            raise ConsentAlreadyWithdrawn(f"Consent {consent.public_id} was withdrawn at {consent.withdrawn_at}.")
        consent.withdrawn_at = timezone.now()
        consent.save(update_fields=["withdrawn_at"])
        erasure = None
        if consent_active(subject=consent.subject) is None:
            erasure = erasure_request(
                tenant=tenant,
                subject=consent.subject,
                reason=ErasureReason.CONSENT_WITHDRAWN,
                requested_by=requested_by,
                actor=actor,
            )
        record_change(
            tenant=tenant,
            event_source=VERIFICATION_SOURCE,
            event_name="RecordConsentWithdrawal",
            actor=actor,
            request_parameters={"subjectId": consent.subject.public_id, "consentId": consent.public_id},
            response_elements={"erasureIds": [erasure.public_id] if erasure else []},
            resources=[_subject_resource(tenant, consent.subject)],
        )
    return erasure


def erasure_run(*, tenant: Tenant, erasure_id: int) -> Erasure:
    """Empty every store not yet done, then sign the receipt; a failure is raised for a retry."""
    [erasure] = erasures_run(tenant=tenant, erasure_ids=[erasure_id])
    return erasure


def erasures_run(*, tenant: Tenant, erasure_ids: Sequence[int]) -> list[Erasure]:
    """Run several erasures together, each store once for all of them (the purge's batches).

    No transaction is open while a store is emptied: the engine, S3 and Redis are called between
    the read and the record of each store. A failure is raised; what was done stays recorded.
    """
    require_scope(tenant)
    now = timezone.now()
    with transaction.atomic(using=scope_database()):
        erasures = list(
            Erasure.objects.select_for_update(of=("self",))
            .select_related("subject")
            .filter(pk__in=erasure_ids)
            .order_by("pk")
        )
        running = [erasure for erasure in erasures if erasure.status != ErasureStatus.COMPLETED]
        for erasure in running:
            erasure.status, erasure.attempts = ErasureStatus.RUNNING, erasure.attempts + 1
            erasure.started_at, erasure.updated_at = erasure.started_at or now, now
        Erasure.objects.bulk_update(running, ["status", "attempts", "started_at", "updated_at"])
    for store in ERASURE_STORES:
        todo = [erasure for erasure in running if not erasure.progress.get(store, {}).get("done")]
        if todo:
            _record_store(todo, store, stores.EMPTY[store](tenant, [erasure.subject for erasure in todo]))
    return [
        erasure if erasure.status == ErasureStatus.COMPLETED else _complete(tenant, erasure) for erasure in erasures
    ]


def erasure_attempt_failed(*, tenant: Tenant, erasure_id: int, code: str, final: bool) -> None:
    """Note why an attempt stopped; ``final``: the retries are spent, the erasure is ``failed``
    (visible, and set going again by the next request or the resume sweep)."""
    require_scope(tenant)
    status = ErasureStatus.FAILED if final else ErasureStatus.RUNNING
    Erasure.objects.filter(pk=erasure_id).exclude(status=ErasureStatus.COMPLETED).update(
        status=status, last_error=code[:256], updated_at=timezone.now()
    )


def _enqueue(tenant: Tenant, erasure: Erasure) -> None:
    # By name: a service never imports its task (verification.tasks imports this module).
    task = current_app.signature("verification.tasks.run_erasure", args=[tenant.pk, erasure.pk])
    transaction.on_commit(task.delay, using=scope_database(), robust=True)


def _subject_resource(tenant: Tenant, subject: Subject) -> Any:
    return resource(tenant, service="verification", resource_type="subject", resource_id=subject.public_id)


def _record_store(erasures: list[Erasure], store: str, outcomes: stores.Outcomes) -> None:
    now = timezone.now()
    with transaction.atomic(using=scope_database()):
        locked = {row.pk: row for row in Erasure.objects.select_for_update().filter(pk__in=[e.pk for e in erasures])}
        for erasure in erasures:
            erasure.progress = {**locked[erasure.pk].progress, store: {"done": True, **outcomes[erasure.subject_id]}}
            erasure.updated_at = now
        Erasure.objects.bulk_update(erasures, ["progress", "updated_at"])


def _complete(tenant: Tenant, erasure: Erasure) -> Erasure:
    now = timezone.now().replace(microsecond=0)
    body = {
        "receipt": "erasure",
        "erasureId": erasure.public_id,
        "accountId": tenant.account_id,
        "tenantId": tenant.public_id,
        "subjectId": erasure.subject.public_id,
        "reason": erasure.reason,
        "requestedBy": erasure.requested_by,
        "requestedAt": format_event_time(erasure.created_at),
        "completedAt": format_event_time(now),
        "issuedAt": format_event_time(now),
        "deleted": {store: _receipt_entry(erasure.progress[store]) for store in ERASURE_STORES},
        "consents": _consent_history(erasure.subject),
        "kept": ["subject id", "consent records", "audit trail (ids only)"],
    }
    receipt = receipt_sign(body, ring=signing_keyring())
    with transaction.atomic(using=scope_database()):
        locked = Erasure.objects.select_for_update().get(pk=erasure.pk)
        if locked.status == ErasureStatus.COMPLETED:  # another worker finished first
            return locked
        locked.status, locked.completed_at, locked.receipt, locked.last_error = (
            ErasureStatus.COMPLETED,
            now,
            receipt,
            "",
        )
        locked.save(update_fields=["status", "completed_at", "receipt", "last_error", "updated_at"])
        record_change(
            tenant=tenant,
            event_source=VERIFICATION_SOURCE,
            event_name="CompleteErasure",
            actor=None,
            request_parameters={"erasureId": erasure.public_id},
            response_elements={
                "faces": erasure.progress["collections"]["deleted"],
                "objects": erasure.progress["objects"]["deleted"],
                "cachedResults": erasure.progress["cache"]["deleted"],
                "rows": erasure.progress["database"]["deleted"],
            },
            resources=[_subject_resource(tenant, erasure.subject)],
        )
        event_emit(
            tenant=tenant,
            type=EventType.ERASURE_COMPLETED,
            data={
                "object": "erasure",
                "id": erasure.public_id,
                "status": ErasureStatus.COMPLETED.value,
                "subject_id": erasure.subject.public_id,
                "reason": erasure.reason,
            },
        )
    return locked


def _consent_history(subject: Subject) -> list[dict[str, Any]]:
    """What the subject agreed to and when it ended: the lawful basis of what was processed."""

    def moment(value: Any) -> str | None:
        return None if value is None else format_event_time(value)

    return [
        {
            "id": consent.public_id,
            "purpose": consent.purpose,
            "textVersion": consent.text_version,
            "method": consent.method,
            "grantedAt": moment(consent.granted_at),
            "expiresAt": moment(consent.expires_at),
            "withdrawnAt": moment(consent.withdrawn_at),
        }
        for consent in Consent.objects.filter(subject=subject).order_by("granted_at")
    ]


def _receipt_entry(progress: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in progress.items() if name != "done"}
