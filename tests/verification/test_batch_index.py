"""Batch indexing: a manifest in the tenant's storage indexed through the local engine, item by item.

The job's task runs in this thread (``batch``), its arguments after a JSON round trip, its next
slices and retries too; the engine is the local endpoint with real models on the fixture photos.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from django.utils import timezone

from config.aws import aws_client
from tests.conftest import Caller
from tests.factories import webhook_events
from tests.verification.conftest import active_faces, faces_in_engine, in_scope, photo, stored_image
from verification.batch import items as batch_items
from verification.batch import tasks
from verification.batch.tasks import run_batch_index_job
from verification.models import BatchIndexItem, BatchIndexJob, Consent, Face, Subject
from vision.errors import EngineOutcomeUnknown
from vision.gateway import Gateway

Batch = Callable[..., Any]
TERMS = {"text_version": "v2", "method": "written"}


@pytest.fixture
def batch(monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any, settings: Any) -> Batch:
    """``with batch(): ...``: batch tasks enqueued inside the block (and those they enqueue) run when it ends."""
    settings.VERITY_BATCH_THREADS = 1  # the test's transaction is visible on this thread's connection only
    sent: list[list[Any]] = []

    def send(args: Any = (), kwargs: Any = None, **options: Any) -> Any:
        assert not kwargs
        delivered = json.loads(json.dumps(list(args)))
        sent.append(delivered)
        return run_batch_index_job.apply(args=delivered, throw=True)

    monkeypatch.setattr(run_batch_index_job, "apply_async", send)

    def run() -> Any:
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture
def engine_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The operations sent through the gateway, in order."""
    calls: list[str] = []
    original = Gateway.call

    def spy(self: Gateway, operation: str, /, **params: Any) -> dict[str, Any]:
        calls.append(operation)
        return original(self, operation, **params)

    monkeypatch.setattr(Gateway, "call", spy)
    return calls


def manifest(caller: Caller, text: str, name: str = "manifests/customers.csv") -> dict[str, str]:
    reference: dict[str, str] = stored_image(caller, name, text.encode())["s3_object"]
    return reference


def photos(caller: Caller, *names: str) -> dict[str, str]:
    """Each fixture photo put in the tenant's bucket; name → its key."""
    return {name: stored_image(caller, f"people/{name}.jpg", photo(name))["s3_object"]["name"] for name in names}


def start(caller: Caller, batch: Batch, body: dict[str, Any]) -> dict[str, Any]:
    with batch():
        created = caller.client.post("/v1/batch-index-jobs", body, format="json")
    assert created.status_code == 202, created.content
    assert created.json()["id"].startswith("job_")
    job: dict[str, Any] = caller.client.get(f"/v1/batch-index-jobs/{created.json()['id']}").json()
    return job


def items_of(caller: Caller, job_id: str, query: str = "") -> list[dict[str, Any]]:
    answer = caller.client.get(f"/v1/batch-index-jobs/{job_id}/items{query}")
    assert answer.status_code == 200, answer.content
    found: list[dict[str, Any]] = answer.json()["results"]
    return found


def subject_of(caller: Caller, external_id: str) -> str:
    return str(in_scope(caller, lambda: Subject.objects.get(external_id=external_id).public_id))


def test_a_small_manifest_is_indexed_end_to_end_through_the_local_engine(
    verifier: Caller, batch: Batch, engine_calls: list[str]
) -> None:
    keys = photos(verifier, "person_a_1", "person_b_1", "impostor_1")
    text = "external_id,s3_key,consent_reference\n" + "".join(
        f"cust-{n},{key},form-{n}\n" for n, key in enumerate(keys.values(), start=1)
    )
    job = start(verifier, batch, {"manifest": manifest(verifier, text), "consent": TERMS})

    assert job["status"] == "completed", job
    assert job["format"] == "csv"
    assert job["counts"] == {
        "total": 3,
        "pending": 0,
        "indexing": 0,
        "indexed": 3,
        "failed": 0,
        "adopted": 0,
        "flagged": 0,
    }
    assert engine_calls.count("IndexFaces") == 3
    assert webhook_events(verifier.tenant, "batch_index_job.completed") == [
        {
            "object": "batch_index_job",
            "id": job["id"],
            "status": "completed",
            "error_code": None,
            "counts": job["counts"],
        }
    ]
    items = items_of(verifier, job["id"])
    assert [(i["line"], i["external_id"], i["status"]) for i in items] == [
        (2, "cust-1", "indexed"),
        (3, "cust-2", "indexed"),
        (4, "cust-3", "indexed"),
    ]
    for item, key in zip(items, keys.values(), strict=True):
        subject_id = subject_of(verifier, item["external_id"])
        assert item["subject_id"] == subject_id
        # ExternalImageId = the subject, one face in the engine and the same one recorded as active.
        assert faces_in_engine(verifier, subject_id) == active_faces(verifier, subject_id) == [item["face_id"]]
        face = in_scope(verifier, partial(Face.objects.get, subject__public_id=subject_id))
        assert face.image_location == f"s3://{verifier.tenant.storage_bucket}/{key}"
        consent = in_scope(verifier, partial(Consent.objects.get, subject__public_id=subject_id))
        assert (consent.reference, consent.text_version, consent.method) == (
            f"form-{item['line'] - 1}",
            "v2",
            "written",
        )
        assert consent.is_active()
    listed = verifier.client.get("/v1/batch-index-jobs").json()["results"]
    assert [j["id"] for j in listed] == [job["id"]]


def test_bad_manifest_lines_fail_as_items_and_the_good_ones_are_indexed(verifier: Caller, batch: Batch) -> None:
    keys = photos(verifier, "person_a_1", "person_b_1")
    prefix = verifier.tenant.storage_prefix
    lines = [
        json.dumps({"external_id": "good-1", "s3_key": keys["person_a_1"], "consent_reference": "r1"}),
        "not json at all",
        json.dumps(["a", "list"]),
        json.dumps({"external_id": "", "s3_key": keys["person_b_1"]}),
        json.dumps({"external_id": "outside", "s3_key": "someone-else/people/x.jpg", "consent_reference": "r"}),
        json.dumps({"external_id": "good-1", "s3_key": keys["person_b_1"], "consent_reference": "r2"}),
        json.dumps({"external_id": "extra", "s3_key": keys["person_b_1"], "colour": "blue"}),
        "",
        json.dumps({"external_id": "missing", "s3_key": f"{prefix}people/nobody.jpg", "consent_reference": "r3"}),
    ]
    body = {"manifest": manifest(verifier, "\n".join(lines), "manifests/m.jsonl"), "consent": TERMS}
    job = start(verifier, batch, body)

    assert job["status"] == "completed", job
    assert job["format"] == "jsonl"
    assert (job["counts"]["total"], job["counts"]["indexed"], job["counts"]["failed"]) == (8, 1, 7)
    failed = {item["line"]: item["error_code"] for item in items_of(verifier, job["id"], "?status=failed")}
    assert failed == {
        2: "manifest.invalid_line",
        3: "manifest.invalid_line",
        4: "manifest.invalid_external_id",
        5: "manifest.invalid_key",
        6: "manifest.duplicate_external_id",
        7: "manifest.invalid_line",
        9: "invalid_s3_object",  # read by the engine's door: the object does not exist
    }
    assert [i["line"] for i in items_of(verifier, job["id"], "?status=indexed")] == [1]
    page = verifier.client.get(f"/v1/batch-index-jobs/{job['id']}/items?status=failed&limit=3").json()
    assert [i["line"] for i in page["results"]] == [2, 3, 4]
    assert page["next"]


def test_a_line_without_consent_fails_consent_required_with_no_engine_call(
    verifier: Caller, batch: Batch, engine_calls: list[str]
) -> None:
    keys = photos(verifier, "person_a_1", "person_b_1")
    text = f"no-consent,{keys['person_a_1']}\nno-terms,{keys['person_b_1']},form-9\n"
    job = start(verifier, batch, {"manifest": manifest(verifier, text)})  # no consent terms in the job

    assert job["status"] == "completed", job
    failed = items_of(verifier, job["id"], "?status=failed")
    assert [(i["external_id"], i["error_code"]) for i in failed] == [
        ("no-consent", "consent_required"),
        ("no-terms", "consent_required"),
    ]
    assert engine_calls == []
    assert in_scope(verifier, lambda: Subject.objects.filter(external_id__in=["no-consent", "no-terms"]).count()) == 0


def test_an_existing_subject_with_consent_is_indexed_without_a_reference(verifier: Caller, batch: Batch) -> None:
    subject_id = verifier.client.post("/v1/subjects", {"external_id": "known"}, format="json").json()["id"]
    given = verifier.client.post(
        f"/v1/subjects/{subject_id}/consents",
        {"purpose": "biometric_verification", "text_version": "v1", "method": "checkbox"},
        format="json",
    )
    assert given.status_code == 201
    keys = photos(verifier, "person_b_2")
    job = start(verifier, batch, {"manifest": manifest(verifier, f"known,{keys['person_b_2']}\n")})

    assert job["counts"]["indexed"] == 1, items_of(verifier, job["id"])
    assert items_of(verifier, job["id"])[0]["subject_id"] == subject_id
    assert len(faces_in_engine(verifier, subject_id)) == 1


def test_an_item_whose_index_answer_was_lost_is_adopted_not_indexed_twice(
    verifier: Caller, batch: Batch, monkeypatch: pytest.MonkeyPatch, engine_calls: list[str]
) -> None:
    keys = photos(verifier, "person_a_2")
    spied = Gateway.call
    lost: list[str] = []

    def answer_lost(self: Gateway, operation: str, /, **params: Any) -> dict[str, Any]:
        if operation == "SearchFacesByImage":
            # Every match at 99+ is asked for: the same photo indexed for other subjects must not crowd ours out.
            assert params["MaxFaces"] == batch_items.ADOPT_MAX_FACES == 4096
        answer = spied(self, operation, **params)
        if operation == "IndexFaces" and not lost:
            lost.append(answer["FaceRecords"][0]["Face"]["FaceId"])  # indexed by the engine; the answer never came
            raise EngineOutcomeUnknown("The answer to IndexFaces was lost.")
        return answer

    monkeypatch.setattr(Gateway, "call", answer_lost)
    job = start(verifier, batch, {"manifest": manifest(verifier, f"lost-1,{keys['person_a_2']},f\n"), "consent": TERMS})

    assert (job["counts"]["indexed"], job["counts"]["adopted"]) == (1, 1), job
    subject_id = subject_of(verifier, "lost-1")
    assert faces_in_engine(verifier, subject_id) == active_faces(verifier, subject_id) == lost
    assert engine_calls.count("IndexFaces") == 1  # the retry searched, found its face, and adopted it
    assert items_of(verifier, job["id"])[0]["adopted"] is True


class Killed(BaseException):
    """What a kill -9 does to a worker: it stops where it is; no handler, no compensation runs."""


def test_a_job_resumes_after_its_worker_is_killed_with_nothing_lost_or_indexed_twice(
    verifier: Caller, batch: Batch, monkeypatch: pytest.MonkeyPatch, engine_calls: list[str]
) -> None:
    names = ("person_a_1", "person_b_1", "impostor_1", "impostor_2")
    keys = photos(verifier, *names)
    text = "".join(f"crash-{n},{keys[name]},form\n" for n, name in enumerate(names, start=1))
    recorded, undo = tasks.batch_item_record, tasks.batch_item_undo
    killed_on: list[int] = []

    def record_or_die(*, tenant: Any, item: batch_items.PendingItem, outcome: Any) -> bool:
        if item.line == 3 and not killed_on:  # its face is in the engine; the worker dies before recording it
            killed_on.append(item.line)
            raise Killed
        return recorded(tenant=tenant, item=item, outcome=outcome)

    monkeypatch.setattr(tasks, "batch_item_record", record_or_die)
    monkeypatch.setattr(tasks, "batch_item_undo", lambda **kwargs: None)
    with pytest.raises(Killed):
        start(verifier, batch, {"manifest": manifest(verifier, text), "consent": TERMS})
    monkeypatch.setattr(tasks, "batch_item_record", recorded)
    monkeypatch.setattr(tasks, "batch_item_undo", undo)
    job = in_scope(verifier, lambda: BatchIndexJob.objects.get())
    assert job.status == "indexing"
    states = in_scope(verifier, lambda: dict(BatchIndexItem.objects.values_list("line", "status")))
    assert states == {1: "indexed", 2: "indexed", 3: "indexing", 4: "pending"}

    # The dead worker's lease runs out; the broker delivers the task again to a live worker.
    in_scope(
        verifier,
        lambda: BatchIndexJob.objects.update(lease_until=timezone.now() - timedelta(seconds=1)),
    )
    calls = batch_calls(verifier, monkeypatch, job.pk)

    final = verifier.client.get(f"/v1/batch-index-jobs/{job.public_id}").json()
    assert final["status"] == "completed", final
    assert final["counts"] | {"flagged": 0} == {
        "total": 4,
        "pending": 0,
        "indexing": 0,
        "indexed": 4,
        "failed": 0,
        "adopted": 1,
        "flagged": 0,
    }
    assert calls.count("IndexFaces") == 1  # the item never reached: line 3's face was adopted
    for n in range(1, 5):
        subject_id = subject_of(verifier, f"crash-{n}")
        engine = faces_in_engine(verifier, subject_id)
        assert len(engine) == 1, (n, engine)  # 0 lost, 0 indexed twice
        assert active_faces(verifier, subject_id) == engine


def batch_calls(caller: Caller, monkeypatch: pytest.MonkeyPatch, job_pk: int) -> list[str]:
    """Run the job's task once more (as a redelivery would) and return the engine operations it sent."""
    calls: list[str] = []
    original = Gateway.call

    def spy(self: Gateway, operation: str, /, **params: Any) -> dict[str, Any]:
        calls.append(operation)
        return original(self, operation, **params)

    monkeypatch.setattr(Gateway, "call", spy)
    monkeypatch.setattr(run_batch_index_job, "apply_async", _applied)
    run_batch_index_job.apply(args=(caller.tenant.pk, job_pk), throw=True)
    return calls


def _applied(args: Any = (), kwargs: Any = None, **options: Any) -> Any:
    return run_batch_index_job.apply(args=tuple(json.loads(json.dumps(list(args)))), throw=True)


def test_the_duplicate_pass_flags_two_subjects_of_the_same_person_and_merges_nothing(
    verifier: Caller, batch: Batch
) -> None:
    keys = photos(verifier, "person_a_1", "person_a_2", "person_b_1")
    text = f"a-old,{keys['person_a_1']},f1\na-new,{keys['person_a_2']},f2\nb,{keys['person_b_1']},f3\n"
    job = start(verifier, batch, {"manifest": manifest(verifier, text), "consent": TERMS})

    assert job["status"] == "completed", job
    assert (job["counts"]["indexed"], job["counts"]["flagged"]) == (3, 2)
    flagged = {item["external_id"]: item["duplicates"] for item in items_of(verifier, job["id"], "?flagged=true")}
    old, new = subject_of(verifier, "a-old"), subject_of(verifier, "a-new")
    assert [d["subject_id"] for d in flagged["a-old"]] == [new]
    assert [d["subject_id"] for d in flagged["a-new"]] == [old]
    assert flagged["a-old"][0]["similarity"] >= 90
    assert [i["external_id"] for i in items_of(verifier, job["id"], "?flagged=false")] == ["b"]
    # Flags only: both subjects keep their own face.
    assert len(active_faces(verifier, old)) == len(active_faces(verifier, new)) == 1


def test_a_subject_indexed_by_a_batch_is_erased_with_its_face_and_image(
    verifier: Caller, batch: Batch, run_tasks: Any, erasures: list[list[Any]]
) -> None:
    keys = photos(verifier, "person_b_2")
    start(verifier, batch, {"manifest": manifest(verifier, f"leaving,{keys['person_b_2']},f\n"), "consent": TERMS})
    subject_id = subject_of(verifier, "leaving")
    assert len(faces_in_engine(verifier, subject_id)) == 1

    with run_tasks():
        requested = verifier.client.delete(f"/v1/subjects/{subject_id}")
    assert requested.status_code == 202
    erasure = verifier.client.get(f"/v1/erasures/{requested.json()['id']}").json()
    assert erasure["status"] == "completed", erasure
    assert faces_in_engine(verifier, subject_id) == []
    s3 = aws_client("s3", verifier.tenant.region)
    assert s3.list_objects_v2(Bucket=verifier.tenant.storage_bucket, Prefix=keys["person_b_2"]).get("KeyCount") == 0


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"manifest": {"bucket": "someone-elses", "name": "x.csv"}}, "invalid_s3_object"),
        ({"manifest": {"bucket": "{bucket}", "name": "outside/x.csv"}}, "invalid_s3_object"),
        ({"manifest": {"bucket": "{bucket}", "name": "{prefix}x.csv"}, "format": "xml"}, "validation_error"),
        ({"manifest": {"bucket": "{bucket}", "name": "{prefix}x.csv"}, "colour": 1}, "unknown_field"),
    ],
)
def test_a_manifest_outside_the_tenants_storage_is_refused(caller: Caller, body: dict[str, Any], code: str) -> None:
    text = (
        json.dumps(body)
        .replace("{bucket}", caller.tenant.storage_bucket)
        .replace("{prefix}", caller.tenant.storage_prefix)
    )
    answer = caller.client.post("/v1/batch-index-jobs", json.loads(text), format="json")
    assert (answer.status_code, answer.json()["code"]) == (400, code)


def test_a_missing_manifest_fails_the_job_with_no_item(verifier: Caller, batch: Batch) -> None:
    prefix = verifier.tenant.storage_prefix
    body = {"manifest": {"bucket": verifier.tenant.storage_bucket, "name": f"{prefix}none.csv"}}
    with batch():
        created = verifier.client.post("/v1/batch-index-jobs", body, format="json")
    job = verifier.client.get(f"/v1/batch-index-jobs/{created.json()['id']}").json()
    assert (job["status"], job["error"]["code"], job["counts"]["total"]) == ("failed", "manifest_unreadable", 0)


def test_another_tenants_job_is_not_found(verifier: Caller, caller: Caller, batch: Batch) -> None:
    keys = photos(verifier, "person_a_1")
    job = start(verifier, batch, {"manifest": manifest(verifier, f"x,{keys['person_a_1']},f\n"), "consent": TERMS})
    for path in (f"/v1/batch-index-jobs/{job['id']}", f"/v1/batch-index-jobs/{job['id']}/items"):
        answer = caller.client.get(path)
        assert (answer.status_code, answer.json()["code"]) == (404, "not_found")
    assert caller.client.get("/v1/batch-index-jobs").json()["results"] == []


def test_a_second_delivery_leaves_a_job_whose_runner_keeps_its_lease(verifier: Caller, batch: Batch) -> None:
    keys = photos(verifier, "person_a_1")
    body = {"manifest": manifest(verifier, f"held,{keys['person_a_1']},f\n"), "consent": TERMS}
    created = verifier.client.post("/v1/batch-index-jobs", body, format="json").json()  # not run: no batch() block
    in_scope(
        verifier,
        lambda: BatchIndexJob.objects.update(lease_token="alive", lease_until=timezone.now() + timedelta(minutes=5)),
    )

    args = (verifier.tenant.pk, created_id(verifier, created["id"]))

    # Celery applies the retries too: it looked again BATCH_LEASE_LOOKS times, found the lease
    # renewed each time, and left the job to its live runner.
    assert run_batch_index_job.apply(args=args).get() == "held"
    job = verifier.client.get(f"/v1/batch-index-jobs/{created['id']}").json()
    assert (job["status"], job["counts"]["total"]) == ("pending", 0)


def created_id(caller: Caller, public_id: str) -> int:
    return int(in_scope(caller, lambda: BatchIndexJob.objects.get(public_id=public_id).pk))


def test_a_redelivered_task_takes_over_at_once_from_a_runner_whose_process_is_gone(
    verifier: Caller, batch: Batch
) -> None:
    keys = photos(verifier, "person_b_1")
    body = {"manifest": manifest(verifier, f"orphaned,{keys['person_b_1']},f\n"), "consent": TERMS}
    created = verifier.client.post("/v1/batch-index-jobs", body, format="json").json()  # not run: no batch() block
    dead = subprocess.Popen([sys.executable, "-c", "pass"])  # a process that exits at once
    dead.wait()
    gone = [*tasks._runner_token().split("|")[:2], str(dead.pid), "0" * 16]
    in_scope(
        verifier,
        lambda: BatchIndexJob.objects.update(
            lease_token="|".join(gone), lease_until=timezone.now() + timedelta(minutes=5)
        ),
    )
    assert tasks._runner_is_gone("|".join(gone))
    assert not tasks._runner_is_gone(tasks._runner_token())  # this process
    assert not tasks._runner_is_gone(f"another-host|{gone[1]}|{dead.pid}|x")

    assert run_batch_index_job.apply(args=(verifier.tenant.pk, created_id(verifier, created["id"]))).get() in (
        "finished",
        "continued",
    )

    job = verifier.client.get(f"/v1/batch-index-jobs/{created['id']}").json()
    assert (job["status"], job["counts"]["indexed"]) == ("completed", 1), job


def test_beat_sets_going_a_job_whose_task_was_lost(verifier: Caller, batch: Batch) -> None:
    keys = photos(verifier, "impostor_2")
    body = {"manifest": manifest(verifier, f"lost-task,{keys['impostor_2']},f\n"), "consent": TERMS}
    created = verifier.client.post("/v1/batch-index-jobs", body, format="json").json()  # its task never ran
    in_scope(verifier, lambda: BatchIndexJob.objects.update(updated_at=timezone.now() - timedelta(minutes=2)))

    assert tasks.resume_batch_index_jobs.apply().get() == 1

    job = verifier.client.get(f"/v1/batch-index-jobs/{created['id']}").json()
    assert (job["status"], job["counts"]["indexed"]) == ("completed", 1), job
