"""What keeps a verification correct when things go wrong: no transaction across an engine call,
compensation, retries that never index twice, resuming after a killed worker, the stuck sweeper."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from botocore.stub import Stubber
from celery.exceptions import Retry
from django.db import OperationalError, connections
from django.utils import timezone

from config.aws import aws_client
from tenants.models import Tenant
from tenants.scope import tenant_scope
from tests.committed import delete_tenant_as_owner, in_own_connection
from tests.conftest import Caller
from tests.factories import FaceCollectionFactory, SubjectFactory, TenantFactory, with_key_and_bucket
from tests.verification.conftest import active_faces, b64, faces_in_engine, in_scope, new_subject, photo
from verification import flows, tasks
from verification.flows import record as record_phase
from verification.flows import run as run_phase
from verification.images import ImageInput
from verification.models import Consent, Verification, VerificationStatus, VerificationStep
from verification.services import consent_create, verification_create
from vision.errors import EngineOutcomeUnknown, EngineUnavailable
from vision.gateway import Gateway

Tasks = Callable[..., Any]


def _create(caller: Caller, **body: Any) -> str:
    created = caller.client.post("/v1/verifications", body, format="json")
    assert created.status_code == 202, created.content
    verification_id: str = created.json()["id"]
    return verification_id


def _registration(caller: Caller) -> tuple[str, str]:
    subject_id = new_subject(caller)
    verification_id = _create(
        caller,
        type="registration",
        subject_id=subject_id,
        selfie=b64(photo("person_a_2")),
        id_document=b64(photo("person_a_1")),
    )
    return subject_id, verification_id


def _pk(caller: Caller, public_id: str) -> int:
    return int(in_scope(caller, lambda: Verification.objects.get(public_id=public_id).pk))


def _state(caller: Caller, public_id: str) -> dict[str, Any]:
    return dict(caller.client.get(f"/v1/verifications/{public_id}").json())


@pytest.fixture
def operations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The engine operations called, in order (the calls still go through)."""
    called: list[str] = []
    real = Gateway.call

    def spy(self: Gateway, operation: str, /, **params: Any) -> dict[str, Any]:
        called.append(operation)
        return real(self, operation, **params)

    monkeypatch.setattr(Gateway, "call", spy)
    return called


# --- No transaction across an engine call ------------------------------------------------------


_BOX = {"Width": 0.4, "Height": 0.4, "Left": 0.3, "Top": 0.2}


def _stub_registration(stub: Stubber, subject_id: str, shards: int) -> None:
    stub.add_response(
        "detect_faces",
        {
            "FaceDetails": [
                {
                    "BoundingBox": _BOX,
                    "Pose": {"Yaw": 3.0, "Pitch": -2.0, "Roll": 0.0},
                    "Quality": {"Brightness": 60.0, "Sharpness": 80.0},
                    "EyesOpen": {"Value": True, "Confidence": 99.0},
                    "Sunglasses": {"Value": False, "Confidence": 99.0},
                    "Confidence": 99.9,
                }
            ]
        },
    )
    stub.add_response(
        "compare_faces",
        {
            "FaceMatches": [{"Similarity": 99.2, "Face": {"BoundingBox": _BOX, "Confidence": 99.0}}],
            "UnmatchedFaces": [],
        },
    )
    for _ in range(shards):
        stub.add_response("search_faces_by_image", {"FaceMatches": [], "FaceModelVersion": "7.0"})
    stub.add_response(
        "index_faces",
        {
            "FaceRecords": [
                {
                    "Face": {
                        "FaceId": str(uuid.uuid4()),
                        "ImageId": str(uuid.uuid4()),
                        "ExternalImageId": subject_id,
                        "Confidence": 99.9,
                    }
                }
            ],
            "FaceModelVersion": "7.0",
            "UnindexedFaces": [],
        },
    )


def _committed_registration() -> tuple[int, int, str]:
    """A tenant with two shards, a consenting subject and a pending registration, all committed."""
    tenant = with_key_and_bucket(TenantFactory(shard_count=2))  # the uploads are stored there (moto)
    subject = SubjectFactory(tenant=tenant)
    for shard in (0, 1):
        FaceCollectionFactory(tenant=tenant, shard=shard)
    with tenant_scope(tenant):
        consent_create(tenant=tenant, subject=subject, text_version="v1", method="checkbox")
        verification = verification_create(
            tenant=tenant,
            type="registration",
            subject_id=subject.public_id,
            selfie=ImageInput(data=photo("person_a_2")),
            id_document=ImageInput(data=photo("person_a_1")),
        )
    return tenant.pk, verification.pk, subject.public_id


@pytest.mark.django_db
@pytest.mark.usefixtures("aws")
def test_every_engine_call_of_a_flow_happens_outside_any_transaction(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker runs in a thread of its own on autocommit connections, as a Celery worker does."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(tasks.process_verification, "apply_async", lambda *args, **kwargs: None)
    tenant_id, verification_id, subject_id = in_own_connection(_committed_registration)
    try:
        _run_with_a_stubbed_engine(monkeypatch, tenant_id, verification_id, subject_id)
    finally:
        delete_tenant_as_owner(tenant_id)  # committed rows: other tests expect a table without them


def _run_with_a_stubbed_engine(
    monkeypatch: pytest.MonkeyPatch, tenant_id: int, verification_id: int, subject_id: str
) -> None:
    region = Tenant.objects.get(pk=tenant_id).region
    seen: list[tuple[str, bool, bool]] = []
    send = Gateway._send

    def outside_transactions(self: Gateway, operation: str, *args: Any) -> dict[str, Any]:
        """Just before the (stubbed) client is called: which connections are inside a transaction."""
        seen.append((operation, connections["default"].in_atomic_block, connections["audit"].in_atomic_block))
        return send(self, operation, *args)

    monkeypatch.setattr(Gateway, "_send", outside_transactions)
    with Stubber(aws_client("rekognition", region)) as stub:
        _stub_registration(stub, subject_id, shards=2)
        in_own_connection(lambda: tasks.process_verification.apply(args=[tenant_id, verification_id], throw=True))
        stub.assert_no_pending_responses()

    assert sorted(name for name, _, _ in seen) == sorted(
        ["DetectFaces", "CompareFaces", "SearchFacesByImage", "SearchFacesByImage", "IndexFaces"]
    )
    assert [call for call in seen if call[1] or call[2]] == []
    with tenant_scope(tenant_id):
        verification = Verification.objects.get(pk=verification_id)
        assert verification.status == VerificationStatus.APPROVED
        quality = VerificationStep.objects.get(verification=verification, name="quality").result
        assert quality["checks"]["eyes_open"] == quality["checks"]["sunglasses"] == "passed"


# --- Compensation, retries, resuming (real local engine) ----------------------------------------


@pytest.mark.xdist_group("rekognition_endpoint")
def test_a_database_failure_after_indexing_deletes_the_face_and_the_retry_registers_once(
    verifier: Caller, run_tasks: Tasks, monkeypatch: pytest.MonkeyPatch
) -> None:
    subject_id, verification_id = _registration(verifier)
    real = record_phase._record_indexed_face
    failures = iter([OperationalError("connection lost")])

    def fails_once(*args: Any) -> str:
        if (error := next(failures, None)) is not None:
            raise error
        return real(*args)

    monkeypatch.setattr(record_phase, "_record_indexed_face", fails_once)
    tenant_id, pk = verifier.tenant.pk, _pk(verifier, verification_id)

    with pytest.raises(Retry):
        tasks.process_verification.apply(args=[tenant_id, pk], throw=True)

    assert faces_in_engine(verifier, subject_id) == []  # compensated: no orphan face
    assert active_faces(verifier, subject_id) == []
    assert _state(verifier, verification_id)["status"] == "processing"

    tasks.process_verification.apply(args=[tenant_id, pk], throw=True)

    assert _state(verifier, verification_id)["status"] == "approved"
    assert faces_in_engine(verifier, subject_id) == active_faces(verifier, subject_id)
    assert len(active_faces(verifier, subject_id)) == 1


@pytest.mark.xdist_group("rekognition_endpoint")
def test_a_retry_after_a_lost_indexing_answer_adopts_the_face_instead_of_indexing_twice(
    verifier: Caller, monkeypatch: pytest.MonkeyPatch, operations: list[str]
) -> None:
    subject_id, verification_id = _registration(verifier)
    spy = Gateway.call
    lost = iter([True])
    searches: list[dict[str, Any]] = []

    def answer_lost(self: Gateway, operation: str, /, **params: Any) -> dict[str, Any]:
        if operation == "SearchFacesByImage":
            searches.append(params)
        answer = spy(self, operation, **params)
        if operation == "IndexFaces" and next(lost, False):
            raise EngineOutcomeUnknown("The answer to IndexFaces was lost.")
        return answer

    monkeypatch.setattr(Gateway, "call", answer_lost)
    tenant_id, pk = verifier.tenant.pk, _pk(verifier, verification_id)

    with pytest.raises(Retry):
        tasks.process_verification.apply(args=[tenant_id, pk], throw=True)
    [indexed] = faces_in_engine(verifier, subject_id)
    operations.clear()
    searches.clear()

    tasks.process_verification.apply(args=[tenant_id, pk], throw=True)

    assert "IndexFaces" not in operations
    # The search for the lost face asks for every match at 99+: the same photo under other
    # subjects (duplicates kept for review) must not crowd the subject's own face out of a top 10.
    assert [(search["FaceMatchThreshold"], search["MaxFaces"]) for search in searches] == [(99.0, 4096)]
    state = _state(verifier, verification_id)
    assert state["status"] == "approved"
    index = state["steps"][-1]
    assert (index["attempts"], index["result"]["adopted"]) == (2, True)
    assert faces_in_engine(verifier, subject_id) == active_faces(verifier, subject_id) == [indexed]


class _WorkerKilled(BaseException):
    """What a SIGKILL looks like from inside: the process stops between two lines."""


@pytest.mark.xdist_group("rekognition_endpoint")
def test_a_worker_killed_mid_flow_resumes_without_repeating_recorded_steps(
    verifier: Caller, monkeypatch: pytest.MonkeyPatch, operations: list[str]
) -> None:
    subject_id, verification_id = _registration(verifier)
    real = record_phase.verification_step_advance

    def killed_before_recording_duplicate(*, tenant: Tenant, step: flows.PendingStep, outcome: Any) -> Any:
        if step.name == "duplicate":
            raise _WorkerKilled
        return real(tenant=tenant, step=step, outcome=outcome)

    monkeypatch.setattr(tasks, "verification_step_advance", killed_before_recording_duplicate)
    tenant_id, pk = verifier.tenant.pk, _pk(verifier, verification_id)
    with pytest.raises(_WorkerKilled):
        tasks.process_verification.apply(args=[tenant_id, pk], throw=True)
    steps = {s["name"]: s["status"] for s in _state(verifier, verification_id)["steps"]}
    assert steps == {"consent": "passed", "quality": "passed", "compare": "passed", "duplicate": "running"}
    monkeypatch.setattr(tasks, "verification_step_advance", real)
    operations.clear()

    tasks.process_verification.apply(args=[tenant_id, pk], throw=True)

    assert operations == ["SearchFacesByImage", "SearchFacesByImage", "IndexFaces"]
    state = _state(verifier, verification_id)
    assert state["status"] == "approved"
    assert {s["name"]: s["attempts"] for s in state["steps"]} == {
        "consent": 1,
        "quality": 1,
        "compare": 1,
        "duplicate": 2,
        "index": 1,
    }
    assert len(faces_in_engine(verifier, subject_id)) == 1


@pytest.mark.parametrize("type", flows.FLOWS)
def test_no_step_reads_an_image_before_a_liveness_step_replaces_the_selfie(type: str) -> None:
    # A run carries a step's reads to the next (verification.flows.prepare): an image read
    # before the liveness step would be carried past the selfie it replaces.
    flow = flows.flow_of(Verification(type=type, liveness_session_id="ls-1"))
    if "liveness" in flow:
        before = flow[: flow.index("liveness")]
        assert not [step for step in before if flows.NEEDS[step] & {"selfie", "document"}]


@pytest.mark.xdist_group("rekognition_endpoint")
def test_a_consent_that_lapsed_before_the_worker_ran_rejects_the_verification_with_no_engine_call(
    verifier: Caller, operations: list[str]
) -> None:
    subject_id, verification_id = _registration(verifier)
    in_scope(
        verifier,
        lambda: Consent.objects.filter(subject__public_id=subject_id).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        ),
    )

    tasks.process_verification.apply(args=[verifier.tenant.pk, _pk(verifier, verification_id)], throw=True)

    state = _state(verifier, verification_id)
    assert (state["status"], [reason["code"] for reason in state["reasons"]]) == ("rejected", ["consent_required"])
    assert [(step["name"], step["status"]) for step in state["steps"]] == [("consent", "failed")]
    assert operations == []


@pytest.mark.xdist_group("rekognition_endpoint")
def test_a_verification_whose_engine_stays_down_fails_with_the_engines_code(
    verifier: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, verification_id = _registration(verifier)

    def down(self: Gateway, operation: str, /, **params: Any) -> dict[str, Any]:
        raise EngineUnavailable(f"{operation}: down")

    monkeypatch.setattr(Gateway, "call", down)
    tenant_id, pk = verifier.tenant.pk, _pk(verifier, verification_id)

    with pytest.raises(Retry):
        tasks.process_verification.apply(args=[tenant_id, pk], throw=True)
    assert _state(verifier, verification_id)["status"] == "processing"
    tasks.process_verification.apply(args=[tenant_id, pk], retries=tasks.MAX_RETRIES, throw=True)

    state = _state(verifier, verification_id)
    assert state["status"] == "failed"
    assert state["reasons"] == [
        {
            "code": "engine_unavailable",
            "step": "quality",
            "detail": "The verification could not be completed; create a new one.",
        }
    ]
    assert state["steps"][-1]["status"] == "failed"


# --- The sweeper ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_sweeper_fails_verifications_no_worker_finished_in_time(caller: Caller, settings: Any) -> None:
    settings.VERITY_VERIFICATION_TIMEOUT = 600
    subject_id = new_subject(caller)
    stuck = _create(caller, type="identification", selfie=b64(photo("person_a_1")))
    fresh = _create(caller, type="identification", selfie=b64(photo("person_a_2")))
    with tenant_scope(caller.tenant):
        Verification.objects.filter(public_id=stuck).update(
            status=VerificationStatus.PROCESSING, updated_at=timezone.now() - timedelta(seconds=601)
        )

    assert tasks.sweep_stuck_verifications() == 1

    swept = _state(caller, stuck)
    assert swept["status"] == "failed"
    assert swept["reasons"] == [
        {"code": "timeout", "step": "", "detail": "The verification did not finish in time; create a new one."}
    ]
    assert _state(caller, fresh)["status"] == "pending"
    assert subject_id
    assert tasks.sweep_stuck_verifications() == 0


@pytest.mark.django_db
def test_a_verification_is_enqueued_once_its_request_commits_with_json_arguments(
    caller: Caller, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    sent: list[Any] = []
    monkeypatch.setattr(
        tasks.process_verification, "apply_async", lambda args=(), kwargs=None, **_: sent.append(list(args))
    )

    with django_capture_on_commit_callbacks(execute=True):
        verification_id = _create(caller, type="identification", selfie=b64(photo("person_a_1")))
        assert sent == []

    assert sent == [[caller.tenant.pk, _pk(caller, verification_id)]]


# --- Fan-out -------------------------------------------------------------------------------------


class _SlowShards:
    """A gateway whose every search takes ``delay`` seconds, as a far-away engine would."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.collections: list[str] = []

    def call(self, operation: str, /, **params: Any) -> dict[str, Any]:
        time.sleep(self.delay)
        self.collections.append(params["CollectionId"])
        return {"FaceMatches": [], "FaceModelVersion": "7.0"}


def _step_over(shards: int) -> flows.PendingStep:
    thresholds = {"DuplicateSearch": 90.0, "Identification": 90.0}
    return flows.PendingStep(
        tenant_id=1,
        verification_id=1,
        verification_public_id="ver_x",
        type="registration",
        name="duplicate",
        resumed=False,
        selfie={"Bytes": b""},
        document=None,
        subject_public_id="sub_x",
        consent_active=True,
        thresholds=thresholds,
        shards=tuple(flows.Shard(n, f"c{n}", "7.0", thresholds) for n in range(shards)),
        target=None,
        active_face_id=None,
        known_face_ids=(),
        retired_face_ids=(),
        duplicate_action="needs_review",
    )


def test_a_search_over_every_shard_takes_as_long_as_the_slowest_shard_not_the_sum() -> None:
    gateway = _SlowShards(delay=0.25)

    started = time.monotonic()
    outcome = run_phase._duplicate(gateway, _step_over(16))  # type: ignore[arg-type]
    elapsed = time.monotonic() - started

    assert outcome.passed
    assert sorted(gateway.collections) == sorted(f"c{n}" for n in range(16))
    assert elapsed < 0.25 * 1.3 + 0.2  # one shard's latency plus thread overhead; 16 in a row take 4 s
