"""The verification flows, one step at a time: prepare (database) → run (engine) → record (database).

This module holds what the phases share (the flows, the step data); ``prepare``, ``run`` and
``record`` hold the phases.

Every step goes through the same services, which the worker (verification.tasks) calls in
turn, entering the tenant's scope around the database phases only:

* ``verification_step_next`` picks the first step that has not passed, marks it running (its
  row exists before any engine call, so a crash is visible) and reads everything the engine
  phase needs into a ``PendingStep``: plain data, no model instances, no open transaction.
* ``verification_step_run`` makes the step's engine calls through ``vision.gateway.Gateway``
  and touches no database row: it runs outside any transaction (and scope).
* ``verification_step_advance`` writes the step's outcome, the face changes it implies and, on
  the last or a failing step, the verification's final state, and starts the next step as
  ``verification_step_next`` does, in one short transaction (one per step, not two).

A step decided from the database alone (``DATABASE_STEPS``: consent) has no engine phase: it is
started, decided and recorded in the transaction that reaches it. Within one run, a step's
reads that the steps between cannot change (images, thresholds, settings, the shard list) are
carried to the next step instead of read again; a resumed run reads everything afresh.

A step that was marked running by an earlier attempt and never recorded is run again, except
IndexFaces: its re-run first looks for the face the earlier attempt may have indexed (same
image, ExternalImageId = the subject) and adopts it, so a subject is never indexed twice. If
recording an indexing step fails, ``verification_step_undo`` deletes the face again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from audit.identity import verity_event_source
from audit.redaction import KEEP, ListOf, register_event
from verification.models import Verification, VerificationStatus, VerificationType

VERIFICATION_SOURCE = verity_event_source("verification")

FLOWS: dict[str, tuple[str, ...]] = {
    VerificationType.REGISTRATION: ("consent", "quality", "compare", "duplicate", "index"),
    VerificationType.AUTHENTICATION: ("consent", "quality", "authenticate"),
    VerificationType.PHOTO_UPDATE: ("consent", "quality", "authenticate", "index", "delete_old_face"),
    VerificationType.IDENTIFICATION: ("quality", "identify"),
}


def flow_of(verification: Verification) -> tuple[str, ...]:
    """The verification's steps: a registration that names a liveness session checks it right after consent."""
    flow = FLOWS[verification.type]
    if verification.type == VerificationType.REGISTRATION and verification.liveness_session_id:
        return (flow[0], "liveness", *flow[1:])
    return flow


# How many matches each shard returns for a duplicate check or an identification.
SEARCH_MAX_FACES = 10
# A re-run of IndexFaces looks for the face an earlier attempt indexed from the very same image,
# asking for Rekognition's maximum of matches: the same photo (or person) indexed for other
# subjects matches at 99+ too, and a top-10 can miss the subject's own (bench_batch_index saw it).
SAME_IMAGE_SIMILARITY = 99.0
ADOPT_MAX_FACES = 4096

register_event(
    VERIFICATION_SOURCE,
    "RecordVerificationStep",
    details={
        "verificationId": KEEP,
        "step": KEEP,
        "status": KEEP,
        "reasonCode": KEEP,
        "subjectId": KEEP,
        "faceId": KEEP,
        "deletedFaceIds": ListOf(KEEP),
    },
)
register_event(
    VERIFICATION_SOURCE,
    "CompleteVerification",
    details={
        "verificationId": KEEP,
        "type": KEEP,
        "status": KEEP,
        "subjectId": KEEP,
        "reasonCodes": ListOf(KEEP),
    },
)


class StepAlreadyRecorded(Exception):
    """Another attempt recorded this step (or finished the verification) first."""


@dataclass(frozen=True)
class Shard:
    shard: int
    collection_id: str
    face_model_version: str
    thresholds: Mapping[str, float]


# An image member naming an upload Verity stored in the tenant's storage, read back before use.
STORED = "Stored"


@dataclass(frozen=True)
class PendingStep:
    """What a step's engine phase needs, read in its prepare phase: plain data only.

    Only what the step uses is read (``NEEDS``); the rest keeps its empty default.
    """

    tenant_id: int
    verification_id: int
    verification_public_id: str
    type: str
    name: str
    resumed: bool
    subject_public_id: str | None
    selfie: Mapping[str, Any] = field(default_factory=dict)
    document: Mapping[str, Any] | None = None
    consent_active: bool = False
    thresholds: Mapping[str, float] = field(default_factory=dict)
    shards: tuple[Shard, ...] = ()
    # registration: the subject's chosen shard; authentication and photo update: its face's shard
    target: Shard | None = None
    active_face_id: str | None = None
    known_face_ids: tuple[str, ...] = ()
    retired_face_ids: tuple[str, ...] = ()
    duplicate_action: str = ""
    # liveness: the session the verification consumed, and the tenant's threshold
    liveness: Mapping[str, Any] | None = None
    # test mode: the outcome a magic subject external_id scripts (vision.testmode), else ""
    test_outcome: str = ""
    # The NEEDS this step holds (its own, and what it carried from the step before in the same run).
    loaded: frozenset[str] = frozenset()


# What each step's engine phase reads, so that its prepare phase loads only that.
NEEDS: dict[str, frozenset[str]] = {
    "consent": frozenset({"consent"}),
    "liveness": frozenset({"liveness"}),
    "quality": frozenset({"selfie", "thresholds"}),
    "compare": frozenset({"selfie", "document", "shards"}),
    "duplicate": frozenset({"selfie", "shards", "settings"}),
    "authenticate": frozenset({"selfie", "shards", "faces"}),
    "index": frozenset({"selfie", "shards", "faces"}),
    "delete_old_face": frozenset({"shards", "faces"}),
    "identify": frozenset({"selfie", "shards"}),
}


@dataclass
class StepOutcome:
    passed: bool
    result: dict[str, Any] = field(default_factory=dict)
    reasons: list[dict[str, str]] = field(default_factory=list)
    # The verification's status when the step fails.
    failed_status: str = VerificationStatus.REJECTED
    indexed_face_id: str | None = None
    face_model_version: str = ""
    matches: list[dict[str, Any]] = field(default_factory=list)
    # liveness: what GetFaceLivenessSessionResults answered (no image bytes), and the reference
    # image in the tenant's storage that the later steps compare and index ({Bucket, Name, sha256})
    liveness_answer: dict[str, Any] | None = None
    reference_image: dict[str, str] | None = None

    @classmethod
    def failure(
        cls,
        code: str,
        detail: str,
        *,
        status: str = VerificationStatus.REJECTED,
        result: dict[str, Any] | None = None,
    ) -> StepOutcome:
        reasons = [{"code": code, "detail": detail}]
        return cls(passed=False, result=result or {}, reasons=reasons, failed_status=status)


def consent_outcome(step: PendingStep) -> StepOutcome:
    """The consent step: no engine call, so it is decided in the transaction that starts it."""
    if step.consent_active:
        return StepOutcome(passed=True)
    return StepOutcome.failure("consent_required", "The subject's consent was withdrawn or has expired.")


# Steps decided from the database alone, in the transaction that starts them (no engine phase).
DATABASE_STEPS = {"consent": consent_outcome}
