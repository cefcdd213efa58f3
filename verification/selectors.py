"""Reads for verification; scoped managers make another tenant's rows indistinguishable from missing ones."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from django.db.models import (
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from config.errors import NotFound
from tenants.models import Tenant
from tenants.scope import require_scope
from verification.errors import ConsentRequired, SubjectErased
from verification.models import (
    FINAL_STATUSES,
    BatchIndexItem,
    BatchIndexJob,
    BatchJobStatus,
    Consent,
    ConsentPurpose,
    Document,
    Erasure,
    ErasureStatus,
    Face,
    FaceStatus,
    LivenessSession,
    Subject,
    Verification,
    VerificationImage,
    VerificationSettings,
    VerificationStatus,
    VerificationStep,
)

MAX_WAIT_SECONDS = 30
_WAIT_POLL_SECONDS = 0.1


def subject_get(*, public_id: str, erased: bool = False) -> Subject:
    """The subject; once its erasure was requested, 404 ``subject_erased`` unless ``erased``."""
    subject = Subject.objects.filter(public_id=public_id).first()
    if subject is None:
        raise NotFound(f"No subject {public_id!r}.")
    if not erased:
        subject_not_erased(subject=subject)
    return subject


def subject_list(*, external_id: str | None = None) -> QuerySet[Subject]:
    """The tenant's subjects, without those whose erasure was requested."""
    subjects = Subject.objects.exclude(pk__in=Erasure.objects.values("subject_id"))
    if external_id is not None:
        subjects = subjects.filter(external_id=external_id)
    return subjects


def consent_list(*, subject: Subject) -> QuerySet[Consent]:
    return Consent.objects.filter(subject=subject).select_related("subject")


def consent_active(
    *, subject: Subject, purpose: str = ConsentPurpose.BIOMETRIC_VERIFICATION, now: datetime | None = None
) -> Consent | None:
    """The subject's consent to ``purpose`` in force now: granted, not withdrawn, not expired."""
    now = now or timezone.now()
    return (
        Consent.objects.filter(subject=subject, purpose=purpose, withdrawn_at__isnull=True, granted_at__lte=now)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .order_by("-granted_at")
        .first()
    )


def subject_not_erased(*, subject: Subject) -> None:
    """``subject_erased`` (404) once the subject's erasure was requested: nothing is processed for it again."""
    if Erasure.objects.filter(subject=subject).exists():
        raise SubjectErased(f"Subject {subject.public_id} is erased, or its erasure was requested.")


def consent_require(*, subject: Subject, purpose: str = ConsentPurpose.BIOMETRIC_VERIFICATION) -> Consent:
    """The active consent, or ``consent_required`` (409): no biometric operation runs without one."""
    subject_not_erased(subject=subject)
    consent = consent_active(subject=subject, purpose=purpose)
    if consent is None:
        raise ConsentRequired(
            f"Subject {subject.public_id} has no active consent to {purpose}; record one with "
            f"POST /v1/subjects/{subject.public_id}/consents first."
        )
    return consent


def face_active(*, subject: Subject) -> Face | None:
    return Face.objects.filter(subject=subject, status=FaceStatus.ACTIVE).select_related("collection").first()


def verification_settings() -> VerificationSettings:
    """The current tenant's settings (defaults when it has saved none)."""
    found = VerificationSettings.objects.first()
    return found if found is not None else VerificationSettings(tenant_id=require_scope().tenant_id or 0)


def _with_steps(verifications: QuerySet[Verification]) -> QuerySet[Verification]:
    steps = Prefetch("steps", queryset=VerificationStep.objects.order_by("position"))
    return verifications.select_related("subject", "face").prefetch_related(steps)


def verification_get(*, public_id: str) -> Verification:
    verification = _with_steps(Verification.objects.filter(public_id=public_id)).first()
    if verification is None:
        raise NotFound(f"No verification {public_id!r}.")
    return verification


def verification_list(
    *, type: str | None = None, status: str | None = None, subject_id: str | None = None
) -> QuerySet[Verification]:
    verifications = Verification.objects.all()
    if type is not None:
        verifications = verifications.filter(type=type)
    if status is not None:
        verifications = verifications.filter(status=status)
    if subject_id is not None:
        verifications = verifications.filter(subject__public_id=subject_id)
    return _with_steps(verifications)


def verification_wait(*, verification: Verification, seconds: float) -> Verification:
    """The verification once final, or as it is after ``seconds`` (at most MAX_WAIT_SECONDS).

    Polls: the worker commits each step, so each read sees its progress. Only useful when the
    caller's connection is not inside a transaction that started before the worker's commits.
    """
    deadline = time.monotonic() + min(seconds, MAX_WAIT_SECONDS)
    while verification.status not in FINAL_STATUSES and time.monotonic() < deadline:
        time.sleep(_WAIT_POLL_SECONDS)
        verification = verification_get(public_id=verification.public_id)
    return verification


def verification_stuck(*, older_than: datetime) -> list[tuple[int, int]]:
    """(tenant id, verification id) of unfinished verifications untouched since ``older_than`` (platform scope)."""
    require_scope(platform=True)
    unfinished = (VerificationStatus.PENDING, VerificationStatus.PROCESSING)
    return list(
        Verification.objects.filter(status__in=unfinished, updated_at__lt=older_than)
        .order_by("updated_at")
        .values_list("tenant_id", "pk")
    )


def liveness_session_get(*, public_id: str) -> LivenessSession:
    session = LivenessSession.objects.filter(public_id=public_id).select_related("consumed_by", "subject").first()
    if session is None:
        raise NotFound(f"No liveness session {public_id!r}.")
    return session


def document_get(*, public_id: str) -> Document:
    document = Document.objects.filter(public_id=public_id).first()
    if document is None:
        raise NotFound(f"No document {public_id!r}.")
    return document


def erasure_get(*, public_id: str) -> Erasure:
    erasure = Erasure.objects.filter(public_id=public_id).select_related("subject").first()
    if erasure is None:
        raise NotFound(f"No erasure {public_id!r}.")
    return erasure


def erasure_list(*, subject_id: str | None = None, status: str | None = None) -> QuerySet[Erasure]:
    erasures = Erasure.objects.select_related("subject")
    if subject_id is not None:
        erasures = erasures.filter(subject__public_id=subject_id)
    if status is not None:
        erasures = erasures.filter(status=status)
    return erasures


def erasures_stalled(*, older_than: datetime) -> list[tuple[int, int]]:
    """(tenant id, erasure id) of erasures that failed, or are unfinished and untouched since ``older_than``."""
    require_scope(platform=True)
    stalled = Erasure.objects.filter(
        Q(status=ErasureStatus.FAILED)
        | Q(status__in=[ErasureStatus.PENDING, ErasureStatus.RUNNING], updated_at__lt=older_than)
    )
    return list(stalled.values_list("tenant_id", "pk"))


def consent_get(*, subject: Subject, public_id: str) -> Consent:
    consent = Consent.objects.filter(subject=subject, public_id=public_id).select_related("subject").first()
    if consent is None:
        raise NotFound(f"No consent {public_id!r} of subject {subject.public_id}.")
    return consent


def subject_images(subjects: Sequence[Subject]) -> dict[int, list[dict[str, str]]]:
    """Per subject, every image its verifications worked on: those still held and those let go."""
    images: dict[int, list[dict[str, str]]] = defaultdict(list)
    held = VerificationImage.objects.filter(verification__subject__in=subjects).select_related("verification")
    for image in held.only("verification__subject_id", "sha256", "s3_bucket", "s3_name", "s3_version"):
        subject_id = image.verification.subject_id
        assert subject_id is not None
        images[subject_id].append({"sha256": image.sha256, "location": image.location, "version": image.s3_version})
    for subject_id, processed in Verification.objects.filter(subject__in=subjects).values_list(
        "subject_id", "processed_images"
    ):
        images[subject_id].extend(processed)
    for subject_id, location in Face.objects.filter(subject__in=subjects).values_list("subject_id", "image_location"):
        images[subject_id].append({"location": location})
    # Liveness sessions created for the subject: their reference images, used by a registration or not.
    sessions = LivenessSession.objects.filter(subject__in=subjects).exclude(reference_name="")
    for subject_id, bucket, name, version in sessions.values_list(
        "subject_id", "reference_bucket", "reference_name", "reference_version"
    ):
        images[subject_id].append({"location": f"s3://{bucket}/{name}", "version": version})
    return images


def stored_objects(tenant: Tenant, subjects: Sequence[Subject]) -> dict[int, list[tuple[str, str, str]]]:
    """Per subject, (bucket, key, version) of its images kept in the tenant's storage, sorted."""
    found: dict[int, set[tuple[str, str, str]]] = defaultdict(set)
    for subject_id, images in subject_images(subjects).items():
        for image in images:
            bucket, _, key = image.get("location", "").removeprefix("s3://").partition("/")
            # Only the tenant's own storage: a reference elsewhere was refused when it was given.
            if bucket == tenant.storage_bucket and key.startswith(tenant.storage_prefix):
                found[subject_id].add((bucket, key, image.get("version", "")))
    return {subject_id: sorted(objects) for subject_id, objects in found.items()}


def subject_documents(subject: Subject) -> QuerySet[Document]:
    """The documents read for the subject's verifications."""
    ids = Verification.objects.filter(subject=subject).exclude(document_id="").values("document_id")
    return Document.objects.filter(public_id__in=ids).order_by("created_at")


def consent_register(*, start: datetime, end: datetime) -> QuerySet[Consent]:
    """The current tenant's consents given, withdrawn or expiring in [start, end), oldest grant first."""
    require_scope()
    in_period = (
        Q(granted_at__gte=start, granted_at__lt=end)
        | Q(withdrawn_at__gte=start, withdrawn_at__lt=end)
        | Q(expires_at__gte=start, expires_at__lt=end)
    )
    erasures = Erasure.objects.filter(subject=OuterRef("subject"))
    return (
        Consent.objects.filter(in_period)
        .select_related("subject")
        .annotate(
            erasure_id=Subquery(erasures.values("public_id")[:1]),
            erasure_status=Subquery(erasures.values("status")[:1]),
        )
        .order_by("granted_at", "pk")
    )


def batch_job_get(*, public_id: str) -> BatchIndexJob:
    job = BatchIndexJob.objects.filter(public_id=public_id).first()
    if job is None:
        raise NotFound(f"No batch index job {public_id!r}.")
    return job


def batch_job_list(*, status: str | None = None) -> QuerySet[BatchIndexJob]:
    jobs = BatchIndexJob.objects.all()
    return jobs if status is None else jobs.filter(status=status)


def batch_item_list(
    *, job: BatchIndexJob, status: str | None = None, flagged: bool | None = None
) -> QuerySet[BatchIndexItem]:
    """The job's items in manifest order, by status and whether the duplicate pass flagged them."""
    items = BatchIndexItem.objects.filter(job=job).select_related("subject", "face")
    if status is not None:
        items = items.filter(status=status)
    if flagged is not None:
        items = items.exclude(duplicates=[]) if flagged else items.filter(duplicates=[])
    return items


def batch_jobs_stalled(*, older_than: datetime) -> list[tuple[int, int]]:
    """(tenant id, job id) of unfinished batch jobs whose lease ran out and that nothing moved since
    ``older_than`` (platform scope)."""
    require_scope(platform=True)
    unfinished = [BatchJobStatus.PENDING, BatchJobStatus.INDEXING, BatchJobStatus.DEDUPLICATING]
    stalled = BatchIndexJob.objects.filter(status__in=unfinished, updated_at__lt=older_than).filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=timezone.now())
    )
    return list(stalled.values_list("tenant_id", "pk"))
