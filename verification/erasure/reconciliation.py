"""Reconciliation: each collection's faces, as the engine lists them, against the faces Verity recorded.

After any crash nothing biometric may stay behind unaccounted for. Two differences are found:

orphan   a face the engine holds that no Face row accounts for (indexed by a worker that died
         before recording it, or recorded deleted while the engine kept it). Repair: DeleteFaces
         — a face with no record has no consent on record either. A face whose ExternalImageId
         names a subject with an unfinished verification is left for the next run: its worker may
         be about to record it.
missing  a Face row (active or retired) whose face the engine no longer holds. Repair: the row is
         marked deleted; a subject whose active face is missing must register again.

``collections_reconcile`` reports both per collection and, with ``repair``, fixes them; each
run is audited with its counts. The daily beat job runs it with repair on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.recording import record_system_event
from audit.redaction import KEEP, register_event
from tenants.models import Tenant
from tenants.scope import require_scope, scope_database
from verification.erasure.stores import DELETE_FACES_BATCH, delete_faces
from verification.flows import VERIFICATION_SOURCE
from verification.models import FINAL_STATUSES, Face, FaceStatus, Verification
from vision.gateway import Gateway
from vision.models import FaceCollection

LIST_FACES_PAGE = 4096

register_event(
    VERIFICATION_SOURCE,
    "ReconcileCollections",
    details={"collections": KEEP, "faces": KEEP, "orphans": KEEP, "missing": KEEP, "repaired": KEEP},
)


@dataclass
class CollectionReport:
    collection_id: str
    engine_faces: int = 0
    recorded_faces: int = 0
    orphans: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)  # orphans a running verification may still record


def _engine_faces(gateway: Gateway, collection_id: str) -> dict[str, str]:
    """face id → ExternalImageId, every page of ListFaces."""
    faces: dict[str, str] = {}
    token: str | None = None
    while True:
        page = gateway.call(
            "ListFaces",
            CollectionId=collection_id,
            MaxResults=LIST_FACES_PAGE,
            **({"NextToken": token} if token else {}),
        )
        faces.update({face["FaceId"]: face.get("ExternalImageId", "") for face in page["Faces"]})
        token = page.get("NextToken")
        if not token:
            return faces


def collections_reconcile(*, tenant: Tenant, repair: bool = False) -> list[CollectionReport]:
    """Compare every collection of the tenant with its Face rows; with ``repair``, fix the differences."""
    require_scope(tenant)
    gateway = Gateway(tenant, max_wait=60.0)
    reports = []
    for collection in FaceCollection.objects.order_by("shard"):
        engine = _engine_faces(gateway, collection.collection_id)  # no transaction open
        recorded = set(
            Face.objects.filter(collection=collection, deleted_at__isnull=True).values_list("face_id", flat=True)
        )
        known = set(
            Face.objects.filter(collection=collection, face_id__in=list(engine)).values_list("face_id", flat=True)
        )
        report = CollectionReport(collection.collection_id, len(engine), len(recorded))
        report.missing = sorted(recorded - set(engine))
        unaccounted = {face_id: engine[face_id] for face_id in engine if face_id not in recorded}
        busy = set(
            Verification.objects.filter(subject__public_id__in=set(unaccounted.values()))
            .exclude(status__in=FINAL_STATUSES)
            .values_list("subject__public_id", flat=True)
        )
        for face_id, external_id in sorted(unaccounted.items()):
            if face_id not in known and external_id in busy:
                report.deferred.append(face_id)
            else:
                report.orphans.append(face_id)
        if repair:
            _repair(gateway, collection, report)
        reports.append(report)
    _audit(tenant, reports, repair)
    return reports


def _repair(gateway: Gateway, collection: FaceCollection, report: CollectionReport) -> None:
    for start in range(0, len(report.orphans), DELETE_FACES_BATCH):
        delete_faces(gateway, collection.collection_id, report.orphans[start : start + DELETE_FACES_BATCH])
    now = timezone.now()
    with transaction.atomic(using=scope_database()):
        Face.objects.filter(collection=collection, face_id__in=report.orphans + report.missing).exclude(
            status=FaceStatus.DELETED
        ).update(status=FaceStatus.DELETED, deleted_at=now)


def _audit(tenant: Tenant, reports: list[CollectionReport], repair: bool) -> Any:
    orphans = sum(len(report.orphans) for report in reports)
    missing = sum(len(report.missing) for report in reports)
    return record_system_event(
        tenant=tenant,
        event_source=VERIFICATION_SOURCE,
        event_name="ReconcileCollections",
        details={
            "collections": len(reports),
            "faces": sum(report.engine_faces for report in reports),
            "orphans": orphans,
            "missing": missing,
            "repaired": orphans + missing if repair else 0,
        },
        commit_now=True,
    )
