"""The duplicate pass of a batch job: flag each indexed subject whose face matches another subject's.

Each indexed item's face is searched for in its own shard (SearchFaces by its face id) and, when
the tenant has more shards, in the others (SearchFacesByImage with the item's image), at the
tenant's ``DuplicateSearch`` threshold. Matches of other subjects (ExternalImageId) are stored on
the item, best first; nothing is merged or deleted: the tenant decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from audit.identity import resource
from audit.recording import record_system_event
from audit.redaction import KEEP, ListOf, register_event
from config.errors import DomainError, UpstreamUnavailable
from tenants.models import Tenant
from tenants.scope import require_scope, scope_database
from verification.batch import BATCH_SOURCE
from verification.flows import SEARCH_MAX_FACES, Shard
from verification.flows.prepare import shards_of
from verification.models import BatchIndexItem, BatchItemStatus
from vision.calls import fan_out
from vision.errors import RateLimited
from vision.gateway import Gateway
from vision.models import FaceCollection

register_event(
    BATCH_SOURCE,
    "FlagDuplicateSubjects",
    details={"jobId": KEEP, "line": KEEP, "subjectId": KEEP, "matchedSubjectIds": ListOf(KEEP)},
)


@dataclass(frozen=True)
class PendingCheck:
    item_id: int
    job_public_id: str
    line: int
    subject_public_id: str
    face_id: str
    image: dict[str, str]
    own: Shard
    others: tuple[Shard, ...]


def batch_duplicates_pending(*, tenant: Tenant, job_id: int) -> list[PendingCheck]:
    """The job's indexed items whose duplicate check has not run, in manifest order."""
    require_scope(tenant)
    shards = shards_of(FaceCollection.objects.order_by("shard"))
    by_collection = {shard.collection_id: shard for shard in shards.values()}
    items = (
        BatchIndexItem.objects.filter(job_id=job_id, status=BatchItemStatus.INDEXED, duplicates_checked=False)
        .select_related("job", "subject", "face__collection")
        .order_by("line")
    )
    checks = []
    for item in items:
        assert item.face is not None
        assert item.subject is not None
        own = by_collection[item.face.collection.collection_id]
        checks.append(
            PendingCheck(
                item_id=item.pk,
                job_public_id=item.job.public_id,
                line=item.line,
                subject_public_id=item.subject.public_id,
                face_id=item.face.face_id,
                image={"Bucket": item.job.manifest_bucket, "Name": item.s3_name},
                own=own,
                others=tuple(shard for shard in shards.values() if shard.shard != own.shard),
            )
        )
    return checks


def batch_duplicates_search(*, gateway: Gateway, check: PendingCheck) -> tuple[list[dict[str, Any]], str]:
    """(other subjects matching the item's face, best first; the code of an engine refusal, or "").

    Throttling, outages and quota waits are raised for the caller to retry.
    """

    def search(shard: Shard) -> list[dict[str, Any]]:
        threshold = shard.thresholds["DuplicateSearch"]
        if shard == check.own:
            answer = gateway.call(
                "SearchFaces",
                CollectionId=shard.collection_id,
                FaceId=check.face_id,
                FaceMatchThreshold=threshold,
                MaxFaces=SEARCH_MAX_FACES,
            )
        else:
            answer = gateway.call(
                "SearchFacesByImage",
                CollectionId=shard.collection_id,
                Image={"S3Object": dict(check.image)},
                FaceMatchThreshold=threshold,
                MaxFaces=SEARCH_MAX_FACES,
            )
        return list(answer.get("FaceMatches", []))

    try:
        matches = [match for found in fan_out(search, (check.own, *check.others)) for match in found]
    except (UpstreamUnavailable, RateLimited):
        raise
    except DomainError as error:
        return [], error.code
    best: dict[str, float] = {}
    for match in matches:
        subject = match["Face"].get("ExternalImageId")
        if subject and subject != check.subject_public_id:
            best[subject] = max(best.get(subject, 0.0), round(float(match["Similarity"]), 2))
    ranked = [{"subject_id": subject, "similarity": value} for subject, value in best.items()]
    return sorted(ranked, key=lambda match: (-match["similarity"], match["subject_id"])), ""


def batch_duplicates_record(
    *, tenant: Tenant, check: PendingCheck, duplicates: list[dict[str, Any]], error_code: str = ""
) -> None:
    """Store what the check found (flags only: no subject is merged, no face deleted)."""
    require_scope(tenant)
    with transaction.atomic(using=scope_database()):
        row = BatchIndexItem.objects.select_for_update().filter(pk=check.item_id, duplicates_checked=False).first()
        if row is None:
            return
        row.duplicates, row.duplicates_checked = duplicates, True
        if error_code:
            row.error_code = error_code
            row.error_detail = "Indexed; the duplicate check could not run."
        row.save(update_fields=["duplicates", "duplicates_checked", "error_code", "error_detail", "updated_at"])
        if duplicates:
            record_system_event(
                tenant=tenant,
                event_source=BATCH_SOURCE,
                event_name="FlagDuplicateSubjects",
                details={
                    "jobId": check.job_public_id,
                    "line": check.line,
                    "subjectId": check.subject_public_id,
                    "matchedSubjectIds": [match["subject_id"] for match in duplicates],
                },
                resources=[
                    resource(
                        tenant, service="verification", resource_type="subject", resource_id=check.subject_public_id
                    )
                ],
            )
