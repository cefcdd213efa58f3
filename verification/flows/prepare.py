"""Prepare: mark the next step running and read what its engine phase needs, in the transaction of
its caller (``verification.flows.record``), which holds the verification locked."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils import timezone

from tenants.models import Tenant
from tenants.selectors import effective_thresholds
from verification.flows import (
    NEEDS,
    STORED,
    PendingStep,
    Shard,
    flow_of,
)
from verification.models import (
    Face,
    FaceStatus,
    ImageRole,
    LivenessSession,
    StepStatus,
    Subject,
    Verification,
    VerificationImage,
    VerificationStatus,
    VerificationStep,
    VerificationType,
)
from verification.selectors import consent_active, verification_settings
from vision.models import FaceCollection
from vision.services import shard_for
from vision.testmode import MAGIC_OUTCOMES


def step_start(
    tenant: Tenant,
    verification: Verification,
    rows: dict[str, VerificationStep],
    carried: PendingStep | None = None,
) -> PendingStep | None:
    """Mark the next step of the verification its caller holds locked running, in the caller's
    transaction, and return what its engine phase needs; None when it is finished.

    ``rows`` are the verification's step rows by name (kept up to date here); ``carried``, the
    step this worker ran just before, whose reads that cannot have changed since are reused.
    The caller saves the verification (``STARTED_FIELDS``).
    """
    if verification.is_final:
        return None
    flow = flow_of(verification)
    position, name = next(
        ((i, step) for i, step in enumerate(flow) if step not in rows or rows[step].status != StepStatus.PASSED),
        (len(flow), ""),
    )
    if not name or (rows.get(name) is not None and rows[name].status == StepStatus.FAILED):
        return None  # every step passed, or one failed: the record phase has finished it
    now = timezone.now()
    row = rows.get(name)
    resumed = row is not None
    if row is None:
        rows[name] = VerificationStep.objects.create(
            tenant=tenant, verification=verification, position=position, name=name, attempts=1, started_at=now
        )
    else:
        row.attempts, row.started_at = row.attempts + 1, now
        VerificationStep.objects.filter(pk=row.pk).update(attempts=row.attempts, started_at=now)
    if verification.status == VerificationStatus.PENDING:
        verification.status = VerificationStatus.PROCESSING
        verification.started_at = now
    subject = verification.subject
    if verification.type == VerificationType.REGISTRATION and subject is not None and subject.shard is None:
        # Chosen once, when the subject first registers, and never recomputed.
        subject.shard = shard_for(subject.public_id, tenant.shard_count)
        Subject.objects.filter(pk=subject.pk).update(shard=subject.shard)
    return _pending_step(tenant, verification, name, resumed=resumed, carried=carried)


# What ``step_start`` changes on the verification, for its caller to save.
STARTED_FIELDS = ["status", "started_at", "matches", "face", "updated_at"]


def _image_member(image: VerificationImage | None) -> dict[str, Any] | None:
    if image is None:
        return None
    if image.s3_bucket:
        s3_object = {"Bucket": image.s3_bucket, "Name": image.s3_name}
        if image.s3_version:
            s3_object["Version"] = image.s3_version
        # An upload Verity stored is read back and sent as bytes by the engine phase
        # (verification.flows.run), so the gateway's cache and the engine's memo know it.
        return {STORED: s3_object} if image.stored else {"S3Object": s3_object}
    return {"Bytes": bytes(image.data or b"")}


def shards_of(collections: Iterable[FaceCollection]) -> dict[int, Shard]:
    thresholds: dict[str, Mapping[str, float]] = {}
    shards = {}
    for collection in collections:
        version = collection.face_model_version
        if version not in thresholds:
            thresholds[version] = effective_thresholds(face_model_version=version)
        shards[collection.shard] = Shard(collection.shard, collection.collection_id, version, thresholds[version])
    return shards


# Reads a step may take from the step before it in the same run: nothing the steps between
# can change. The faces can (an index step), and the target follows them; the selfie can too
# (a liveness step's reference image becomes it), but the liveness step comes before every step
# that reads an image (tests/verification/test_flows_reliability.py holds the flows to that).
_CARRIED = {"selfie": "selfie", "document": "document", "thresholds": "thresholds", "settings": "duplicate_action"}
_HELD = frozenset({*_CARRIED, "shards"})  # the shards: the list, not the target


def _pending_step(
    tenant: Tenant, verification: Verification, name: str, *, resumed: bool, carried: PendingStep | None
) -> PendingStep:
    needs = NEEDS[name]
    subject = verification.subject
    loaded: dict[str, Any] = {}
    held = carried.loaded & _HELD if carried is not None else frozenset()
    for need in held & _CARRIED.keys():
        loaded[_CARRIED[need]] = getattr(carried, _CARRIED[need])
    if needs & {"selfie", "document"} - held:
        roles = [ImageRole.SELFIE] + ([ImageRole.ID_DOCUMENT] if "document" in needs else [])
        images = {i.role: i for i in VerificationImage.objects.filter(verification=verification, role__in=roles)}
        selfie = _image_member(images.get(ImageRole.SELFIE))
        if selfie is None:
            raise RuntimeError(f"Verification {verification.public_id} has no selfie.")
        loaded |= {"selfie": selfie, "document": _image_member(images.get(ImageRole.ID_DOCUMENT))}
    if "liveness" in needs:
        session = LivenessSession.objects.filter(consumed_by=verification).first()
        if session is not None:
            loaded["liveness"] = {
                "pk": session.pk,
                "public_id": session.public_id,
                "session_id": session.session_id,
                "threshold": verification_settings().liveness_threshold,
            }
            if session.is_final:
                reference = {"Bucket": session.reference_bucket, "Name": session.reference_name}
                if session.reference_version:
                    reference["Version"] = session.reference_version
                loaded["liveness"]["recorded"] = {
                    "Status": session.status,
                    "Confidence": session.confidence,
                    "ReferenceImage": {"S3Object": reference} if session.reference_name else {},
                }
    if "consent" in needs:
        loaded["consent_active"] = subject is not None and consent_active(subject=subject) is not None
    if "thresholds" in needs - held:
        loaded["thresholds"] = effective_thresholds()
    if "settings" in needs - held:
        loaded["duplicate_action"] = verification_settings().duplicate_action
    if carried is not None and "shards" in held:
        shards = {shard.shard: shard for shard in carried.shards}
    elif "shards" in needs:
        shards = shards_of(FaceCollection.objects.order_by("shard"))
    if "shards" in needs | held:
        loaded["shards"] = tuple(shards.values())
    if "shards" in needs:
        # A registration's target is the subject's shard; its faces matter only to the index step.
        by_faces = "faces" in needs or verification.type != VerificationType.REGISTRATION
        faces = list(Face.objects.filter(subject=subject).select_related("collection")) if subject and by_faces else []
        active = next((face for face in faces if face.status == FaceStatus.ACTIVE), None)
        if active is not None and verification.type != VerificationType.REGISTRATION:
            loaded["target"] = next(
                (s for s in shards.values() if s.collection_id == active.collection.collection_id), None
            )
        elif subject is not None and subject.shard is not None:
            loaded["target"] = shards.get(subject.shard)
        if "faces" in needs:
            loaded |= {
                "active_face_id": active.face_id if active is not None else None,
                "known_face_ids": tuple(face.face_id for face in faces),
                "retired_face_ids": tuple(face.face_id for face in faces if face.status == FaceStatus.RETIRED),
            }
    return PendingStep(
        tenant_id=tenant.pk,
        verification_id=verification.pk,
        verification_public_id=verification.public_id,
        type=verification.type,
        name=name,
        resumed=resumed,
        subject_public_id=subject.public_id if subject is not None else None,
        test_outcome=MAGIC_OUTCOMES.get(subject.external_id or "", "") if subject and not tenant.livemode else "",
        loaded=needs | held,
        **loaded,
    )
