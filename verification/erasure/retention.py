"""Retention and lapsed consent: erasures nobody has to ask for.

A subject idle past its tenant's limit is erased, through the erasure workflow, in batches.

A subject's last interaction is its creation or its latest verification, whichever is later. Once
that is older than the tenant's ``biometric_retention_days`` (three years at most, BIPA's limit),
the daily purge (``verification.tasks.purge_retention``) requests its erasure (reason
``retention``) and runs the erasures a batch at a time: one DeleteFaces per collection for up to
4096 faces, one transaction for a batch's database rows, one signed receipt per subject. Each
run is audited with what it erased. ``retention_preview`` is what the next purge would erase.

A subject whose last active biometric consent expired is erased too (``consent_lapse_erase``,
hourly): an expiry is a withdrawal announced in advance.

The images a finished verification named in the tenant's storage are deleted after the tenant's
``image_retention_days`` (``verification_images_purge``, daily), but a subject's reference image,
which goes with its face.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import DateTimeField, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Greatest
from django.utils import timezone

from audit.recording import record_system_event
from audit.redaction import KEEP, register_event
from config.aws import aws_client
from tenants.models import Tenant
from tenants.scope import require_scope, scope_database
from verification.erasure import erasure_request, erasures_request_many, erasures_run
from verification.erasure.stores import delete_object
from verification.flows import VERIFICATION_SOURCE
from verification.models import (
    Consent,
    ConsentPurpose,
    Erasure,
    ErasureReason,
    ErasureStatus,
    Face,
    Subject,
    Verification,
)
from verification.selectors import verification_settings

RETENTION_BATCH = 1000
PURGE_REQUESTER = "retention-purge"
LAPSE_REQUESTER = "consent-expiry"

register_event(
    VERIFICATION_SOURCE,
    "PurgeRetention",
    details={"cutoff": KEEP, "retentionDays": KEEP, "subjects": KEEP, "completed": KEEP, "faces": KEEP},
)


def _with_last_interaction(subjects: QuerySet[Subject]) -> QuerySet[Subject]:
    latest = Verification.objects.filter(subject=OuterRef("pk")).order_by("-created_at").values("created_at")[:1]
    return subjects.annotate(last_interaction=Greatest("created_at", Subquery(latest, output_field=DateTimeField())))


def retention_due(*, cutoff: datetime) -> QuerySet[Subject]:
    """The current tenant's subjects idle since before ``cutoff`` whose erasure nobody asked for yet."""
    require_scope()
    subjects = Subject.objects.exclude(pk__in=Erasure.objects.values("subject_id"))
    due = _with_last_interaction(subjects).filter(last_interaction__lt=cutoff)  # type: ignore[misc]  # annotated
    return due.order_by("last_interaction", "pk")


def retention_cutoff(now: datetime | None = None) -> tuple[datetime, int]:
    """The moment before which a last interaction is past the current tenant's limit, and the limit."""
    days = verification_settings().biometric_retention_days
    return (now or timezone.now()) - timedelta(days=days), days


@dataclass(frozen=True)
class RetentionPreview:
    cutoff: datetime
    days: int
    subjects: int
    oldest: datetime | None


def retention_preview(*, now: datetime | None = None) -> RetentionPreview:
    """What the next purge would erase now: how many subjects, idle since when."""
    cutoff, days = retention_cutoff(now)
    due = retention_due(cutoff=cutoff)
    oldest = due.values_list("last_interaction", flat=True).first()  # type: ignore[misc]  # annotated
    return RetentionPreview(cutoff=cutoff, days=days, subjects=due.count(), oldest=oldest)


@dataclass(frozen=True)
class PurgeSummary:
    cutoff: datetime
    subjects: int
    completed: int
    faces: int


def retention_purge(*, tenant: Tenant, now: datetime | None = None, batch: int = RETENTION_BATCH) -> PurgeSummary:
    """Erase every subject past the retention limit, ``batch`` at a time; audit the run.

    An erasure that fails midway stays requested and visible, and is resumed by the erasure sweep;
    the failure is raised after the run is audited.
    """
    require_scope(tenant)
    cutoff, days = retention_cutoff(now)
    requested = completed = faces = 0
    try:
        while subjects := list(retention_due(cutoff=cutoff)[:batch]):
            erasures = erasures_request_many(
                tenant=tenant, subjects=subjects, reason=ErasureReason.RETENTION, requested_by=PURGE_REQUESTER
            )

            requested += len(erasures)
            for erasure in erasures_run(tenant=tenant, erasure_ids=[erasure.pk for erasure in erasures]):
                completed += erasure.status == ErasureStatus.COMPLETED
                faces += erasure.progress.get("collections", {}).get("deleted", 0)
    finally:
        record_system_event(
            tenant=tenant,
            event_source=VERIFICATION_SOURCE,
            event_name="PurgeRetention",
            details={
                "cutoff": cutoff.isoformat(),
                "retentionDays": days,
                "subjects": requested,
                "completed": completed,
                "faces": faces,
            },
            commit_now=True,
        )
    return PurgeSummary(cutoff=cutoff, subjects=requested, completed=completed, faces=faces)


def consents_lapsed(*, now: datetime) -> QuerySet[Subject]:
    """Subjects whose biometric consent expired and who have no other active one, not yet erased."""
    require_scope()
    biometric = Consent.objects.filter(
        subject=OuterRef("pk"), purpose=ConsentPurpose.BIOMETRIC_VERIFICATION, withdrawn_at__isnull=True
    )
    active = biometric.filter(granted_at__lte=now).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    return (
        Subject.objects.exclude(pk__in=Erasure.objects.values("subject_id"))
        .filter(Exists(biometric.filter(expires_at__lte=now)))
        .exclude(Exists(active))
        .order_by("pk")
    )


def consent_lapse_erase(*, tenant: Tenant, now: datetime | None = None) -> int:
    """Request the erasure of every subject whose last active biometric consent has expired."""
    require_scope(tenant)
    subjects = list(consents_lapsed(now=now or timezone.now()))
    for subject in subjects:
        erasure_request(
            tenant=tenant, subject=subject, reason=ErasureReason.CONSENT_EXPIRED, requested_by=LAPSE_REQUESTER
        )
    return len(subjects)


register_event(
    VERIFICATION_SOURCE, "PurgeVerificationImages", details={"cutoff": KEEP, "retentionDays": KEEP, "objects": KEEP}
)


def verification_images_purge(*, tenant: Tenant, now: datetime | None = None) -> int:
    """Delete the images in the tenant's storage of verifications finished before the limit; how many.

    The verifications keep the images' digests, not their locations.
    """
    require_scope(tenant)
    days = verification_settings().image_retention_days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    finished = Verification.objects.filter(finished_at__lt=cutoff, subject__isnull=False).exclude(processed_images=[])
    faces = set(
        Face.objects.filter(deleted_at__isnull=True).exclude(image_location="").values_list("image_location", flat=True)
    )
    held: dict[int, list[dict[str, str]]] = {}
    objects: set[tuple[str, str, str]] = set()
    for verification_id, images in finished.values_list("pk", "processed_images"):
        located = [image for image in images if image.get("location")]
        if not located:
            continue
        held[verification_id] = images
        for image in located:
            bucket, _, key = image["location"].removeprefix("s3://").partition("/")
            if (
                image["location"] not in faces
                and bucket == tenant.storage_bucket
                and key.startswith(tenant.storage_prefix)
            ):
                objects.add((bucket, key, image.get("version", "")))
    s3 = aws_client("s3", tenant.region)
    for bucket, key, version in sorted(objects):  # no transaction open
        delete_object(tenant, s3, bucket, key, version)
    with transaction.atomic(using=scope_database()):
        for verification_id, images in held.items():
            kept = [image if image.get("location") in faces else {**image, "location": ""} for image in images]
            Verification.objects.filter(pk=verification_id).update(processed_images=kept)
        record_system_event(
            tenant=tenant,
            event_source=VERIFICATION_SOURCE,
            event_name="PurgeVerificationImages",
            details={"cutoff": cutoff.isoformat(), "retentionDays": days, "objects": len(objects)},
        )
    return len(objects)
