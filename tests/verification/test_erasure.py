"""Erasure: DELETE /v1/subjects/{id} and a withdrawn consent leave nothing of the person behind,
resume after a failure midway, and end in a receipt that verifies offline.

The engine is the local endpoint (real collections), storage moto's S3, the cache Redis.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from django.core.management import CommandError, call_command
from django_redis import get_redis_connection

from audit.digests import public_keys
from audit.receipts import receipt_check
from config.aws import aws_client
from tenants.scope import platform_scope
from tests.conftest import Caller
from tests.factories import webhook_events
from tests.verification.conftest import (
    b64,
    faces_in_engine,
    in_scope,
    new_subject,
    photo,
    register,
    stored_image,
    verify,
)
from verification import tasks
from verification.erasure import stores
from verification.models import Face, Subject, VerificationImage, VerificationStep
from vision import cache

Tasks = Callable[..., Any]


def _object_exists(caller: Caller, key: str) -> bool:
    try:
        aws_client("s3", caller.tenant.region).head_object(Bucket=caller.tenant.storage_bucket, Key=key)
    except ClientError:
        return False
    return True


def _cached_answers(caller: Caller, *images: bytes) -> set[bytes]:
    """The cache keys listed under these images, that still hold an answer."""
    client = get_redis_connection("default")
    listed: set[bytes] = set()
    for image in images:
        listed |= client.smembers(cache._image_index(caller.tenant.public_id, hashlib.sha256(image).hexdigest()))
    return {key for key in listed if client.exists(key)}


@pytest.fixture
def registered(verifier: Caller, run_tasks: Tasks) -> Iterator[dict[str, Any]]:
    """A subject registered with uploaded photos, then authenticated with a selfie in the tenant's bucket."""
    subject_id, result = register(verifier, run_tasks, "person_a_2", "person_a_1")
    assert result["status"] == "approved", result["reasons"]
    selfie = stored_image(verifier, "selfies/a1.jpg", photo("person_a_1"))
    login = verify(verifier, run_tasks, type="authentication", subject_id=subject_id, selfie=selfie)
    assert login["status"] == "approved", login["reasons"]
    prefix = f"{verifier.tenant.storage_prefix}verifications/{result['id']}"
    uploads = [f"{prefix}/selfie", f"{prefix}/id_document"]  # the registration's, stored by Verity
    return {"subject_id": subject_id, "key": selfie["s3_object"]["name"], "uploads": uploads}


def _erase(caller: Caller, run_tasks: Tasks, subject_id: str) -> dict[str, Any]:
    with run_tasks():
        requested = caller.client.delete(f"/v1/subjects/{subject_id}")
    assert requested.status_code == 202, requested.content
    assert requested.json()["status"] == "pending"
    found: dict[str, Any] = caller.client.get(f"/v1/erasures/{requested.json()['id']}").json()
    return found


def test_erasing_a_subject_leaves_nothing_biometric_and_gives_a_receipt_that_verifies(
    verifier: Caller, run_tasks: Tasks, erasures: list[list[Any]], registered: dict[str, Any], tmp_path: Path
) -> None:
    subject_id = registered["subject_id"]
    face_ids = faces_in_engine(verifier, subject_id)
    uploaded = (photo("person_a_2"), photo("person_a_1"))
    assert len(face_ids) == 1
    assert _object_exists(verifier, registered["key"])
    assert all(_object_exists(verifier, key) for key in registered["uploads"])
    assert _cached_answers(verifier, *uploaded)

    erasure = _erase(verifier, run_tasks, subject_id)

    assert erasure["status"] == "completed", erasure
    assert webhook_events(verifier.tenant, "erasure.completed") == [
        {"object": "erasure", "id": erasure["id"], "status": "completed", "subject_id": subject_id, "reason": "request"}
    ]
    assert [(s["name"], s["done"]) for s in erasure["stores"]] == [
        ("collections", True),
        ("objects", True),
        ("cache", True),
        ("database", True),
    ]
    assert faces_in_engine(verifier, subject_id) == []
    assert not _object_exists(verifier, registered["key"])
    assert not any(_object_exists(verifier, key) for key in registered["uploads"])
    assert _cached_answers(verifier, *uploaded) == set()
    subject = in_scope(verifier, lambda: Subject.objects.get(public_id=subject_id))
    assert (subject.external_id, subject.metadata, subject.erased_at is not None) == (None, {}, True)
    assert in_scope(verifier, lambda: VerificationImage.objects.filter(verification__subject=subject).count()) == 0
    results = in_scope(verifier, lambda: list(VerificationStep.objects.filter(verification__subject=subject)))
    assert results
    assert all(step.result == {} for step in results)
    faces = in_scope(verifier, lambda: list(Face.objects.filter(subject=subject)))
    assert [(f.face_id, f.status, f.image_location) for f in faces] == [(face_ids[0], "deleted", "")]

    receipt = verifier.client.get(erasure["receipt_url"])
    assert receipt.status_code == 200
    assert receipt["Content-Disposition"] == f'attachment; filename="{erasure["id"]}.receipt.json"'
    with platform_scope():
        check = receipt_check(receipt.content, public_keys=public_keys())
    assert check.valid, check.problems
    assert check.body is not None
    assert (check.body["subjectId"], check.body["erasureId"], check.body["reason"]) == (
        subject_id,
        erasure["id"],
        "request",
    )
    assert check.body["deleted"]["collections"]["ids"] == face_ids
    assert check.body["deleted"]["objects"]["ids"] == sorted([registered["key"], *registered["uploads"]])
    assert check.body["requestedBy"] == f"api-key/{verifier.api_key.prefix}"
    [consent] = check.body["consents"]
    assert (consent["purpose"], consent["textVersion"], consent["withdrawnAt"]) == (
        "biometric_verification",
        "v1",
        None,
    )

    path = tmp_path / "receipt.json"
    path.write_bytes(receipt.content)
    call_command("receipt_verify", str(path))
    document = json.loads(receipt.content)
    forged = json.loads(base64.b64decode(document["body"]))
    forged["deleted"]["collections"]["ids"] = []
    document["body"] = base64.b64encode(json.dumps(forged, sort_keys=True, separators=(",", ":")).encode()).decode()
    path.write_text(json.dumps(document))
    with pytest.raises(CommandError, match="the signature does not match the body"):
        call_command("receipt_verify", str(path))


def test_an_erased_subject_is_never_processed_again_and_asking_twice_returns_the_same_erasure(
    verifier: Caller, run_tasks: Tasks, erasures: list[list[Any]], registered: dict[str, Any]
) -> None:
    subject_id = registered["subject_id"]
    erasure = _erase(verifier, run_tasks, subject_id)

    again = verifier.client.delete(f"/v1/subjects/{subject_id}")
    consent = verifier.client.post(
        f"/v1/subjects/{subject_id}/consents",
        {"purpose": "biometric_verification", "text_version": "v2", "method": "checkbox"},
        format="json",
    )
    login = verifier.client.post(
        "/v1/verifications",
        {"type": "authentication", "subject_id": subject_id, "selfie": b64(photo("person_a_1"))},
        format="json",
    )

    assert (again.status_code, again.json()["id"], again.json()["status"]) == (202, erasure["id"], "completed")
    assert (consent.status_code, consent.json()["code"]) == (404, "subject_erased")
    assert (login.status_code, login.json()["code"]) == (404, "subject_erased")
    assert len(erasures) == 1  # a completed erasure is not run again
    for path in (f"/v1/subjects/{subject_id}", f"/v1/subjects/{subject_id}/consents"):
        gone = verifier.client.get(path)
        assert (gone.status_code, gone.json()["code"]) == (404, "subject_erased")
    assert subject_id not in str(verifier.client.get("/v1/subjects").json())
    assert verifier.client.get(f"/v1/erasures?subject_id={subject_id}").json()["results"][0]["id"] == erasure["id"]


def test_withdrawing_the_last_consent_erases_the_subject(
    verifier: Caller, run_tasks: Tasks, erasures: list[list[Any]], registered: dict[str, Any]
) -> None:
    subject_id = registered["subject_id"]
    consent_id = verifier.client.get(f"/v1/subjects/{subject_id}/consents").json()["results"][0]["id"]

    with run_tasks():
        withdrawn = verifier.client.post(f"/v1/subjects/{subject_id}/consents/{consent_id}/withdraw", {}, format="json")
    twice = verifier.client.post(f"/v1/subjects/{subject_id}/consents/{consent_id}/withdraw", {}, format="json")

    assert withdrawn.status_code == 200, withdrawn.content
    assert withdrawn.json()["withdrawn_at"] is not None
    erasure = verifier.client.get(f"/v1/erasures/{withdrawn.json()['erasure_id']}").json()
    assert (erasure["status"], erasure["reason"]) == ("completed", "consent_withdrawn")
    assert faces_in_engine(verifier, subject_id) == []
    # Asked again, the subject is gone; the receipt holds the withdrawal.
    assert (twice.status_code, twice.json()["code"]) == (404, "subject_erased")
    with platform_scope():
        body = receipt_check(verifier.client.get(erasure["receipt_url"]).content, public_keys=public_keys()).body
    assert body is not None
    assert [(c["id"], c["withdrawnAt"] is not None) for c in body["consents"]] == [(consent_id, True)]


def test_withdrawing_one_of_two_active_consents_erases_nothing(
    verifier: Caller, run_tasks: Tasks, erasures: list[list[Any]]
) -> None:
    subject_id = new_subject(verifier)
    second = verifier.client.post(
        f"/v1/subjects/{subject_id}/consents",
        {"purpose": "biometric_verification", "text_version": "v2", "method": "checkbox"},
        format="json",
    ).json()["id"]

    withdrawn = verifier.client.post(f"/v1/subjects/{subject_id}/consents/{second}/withdraw", {}, format="json")

    assert (withdrawn.status_code, withdrawn.json()["erasure_id"]) == (200, None)
    assert verifier.client.get("/v1/erasures").json()["results"] == []
    assert erasures == []
    twice = verifier.client.post(f"/v1/subjects/{subject_id}/consents/{second}/withdraw", {}, format="json")
    assert (twice.status_code, twice.json()["code"]) == (409, "consent_already_withdrawn")


def test_an_erasure_resumes_where_a_failure_stopped_it_and_never_repeats_a_done_store(
    verifier: Caller,
    run_tasks: Tasks,
    erasures: list[list[Any]],
    registered: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    subject_id = registered["subject_id"]
    calls: list[str] = []
    real_collections, real_objects = stores.EMPTY["collections"], stores.EMPTY["objects"]

    def collections(*args: Any) -> dict[str, Any]:
        calls.append("collections")
        return real_collections(*args)

    def objects_failing_once(*args: Any) -> dict[str, Any]:
        calls.append("objects")
        if calls.count("objects") == 1:
            raise ConnectionResetError("S3 went away")
        return real_objects(*args)

    monkeypatch.setitem(stores.EMPTY, "collections", collections)
    monkeypatch.setitem(stores.EMPTY, "objects", objects_failing_once)

    erasure = _erase(verifier, run_tasks, subject_id)

    assert erasure["status"] == "completed"
    assert calls == ["collections", "objects", "objects"]  # the retry started at the store that failed
    assert erasure["attempts"] == 2
    assert (erasure["last_error"], faces_in_engine(verifier, subject_id)) == ("", [])
    assert not _object_exists(verifier, registered["key"])


def test_an_erasure_whose_retries_run_out_stays_failed_and_visible_until_set_going_again(
    verifier: Caller,
    run_tasks: Tasks,
    erasures: list[list[Any]],
    registered: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    subject_id = registered["subject_id"]
    monkeypatch.setattr(tasks, "ERASURE_MAX_RETRIES", 1)
    monkeypatch.setattr(tasks.run_erasure, "max_retries", 1)
    real_cache = stores.EMPTY["cache"]

    def redis_down(*args: Any) -> dict[str, Any]:
        raise ConnectionError("Redis is down")

    monkeypatch.setitem(stores.EMPTY, "cache", redis_down)
    erasure = _erase(verifier, run_tasks, subject_id)

    assert (erasure["status"], erasure["last_error"], erasure["attempts"]) == ("failed", "ConnectionError", 2)
    assert [s["done"] for s in erasure["stores"]] == [True, True, False, False]
    assert verifier.client.get(f"/v1/erasures/{erasure['id']}/receipt").json()["code"] == "erasure_not_completed"
    assert faces_in_engine(verifier, subject_id) == []  # what was done stays done

    monkeypatch.setitem(stores.EMPTY, "cache", real_cache)
    with platform_scope():
        assert tasks.resume_erasures.apply().get() == 1

    finished = verifier.client.get(f"/v1/erasures/{erasure['id']}").json()
    assert (finished["status"], finished["last_error"]) == ("completed", "")
    assert verifier.client.get(finished["receipt_url"]).status_code == 200


def test_a_subject_without_faces_or_images_is_erased_with_an_empty_receipt(
    verifier: Caller, run_tasks: Tasks, erasures: list[list[Any]]
) -> None:
    subject_id = new_subject(verifier)

    erasure = _erase(verifier, run_tasks, subject_id)

    assert erasure["status"] == "completed"
    assert [s["deleted"] for s in erasure["stores"]] == [0, 0, 0, 0]


@pytest.mark.parametrize(
    ("query", "code"),
    [("status=done", "validation_error"), ("subject_id=", "validation_error")],
)
def test_bad_erasure_filters_are_refused(verifier: Caller, query: str, code: str) -> None:
    response = verifier.client.get(f"/v1/erasures?{query}")

    assert (response.status_code, response.json()["code"]) == (400, code)


def test_erasing_or_withdrawing_for_a_missing_subject_or_consent_is_a_404(verifier: Caller) -> None:
    subject_id = new_subject(verifier)
    consent_id = verifier.client.get(f"/v1/subjects/{subject_id}/consents").json()["results"][0]["id"]
    with_body = verifier.client.post(
        f"/v1/subjects/{subject_id}/consents/{consent_id}/withdraw", {"reason": "x"}, format="json"
    )
    assert (with_body.status_code, with_body.json()["code"]) == (400, "unknown_field")
    assert verifier.client.get(f"/v1/subjects/{subject_id}/consents").json()["results"][0]["active"] is True

    assert verifier.client.delete("/v1/subjects/sub_doesnotexist0000000000").status_code == 404
    missing = verifier.client.post(f"/v1/subjects/{subject_id}/consents/con_nope/withdraw", {}, format="json")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    assert verifier.client.get("/v1/erasures").json()["results"] == []
