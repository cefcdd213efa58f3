"""Retention: the purge erases exactly the subjects idle past the tenant's limit, in batches, and audits the run."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from audit.models import AuditEvent
from config.aws import aws_client
from tenants.models import Role
from tenants.scope import tenant_scope
from tests.conftest import Caller
from tests.factories import MembershipFactory
from tests.verification.conftest import faces_in_engine, in_scope, new_subject, photo, stored_image, verify
from verification import tasks
from verification.erasure import stores
from verification.erasure.retention import retention_preview, retention_purge, verification_images_purge
from verification.models import (
    Consent,
    Erasure,
    Face,
    Subject,
    Verification,
    VerificationSettings,
)
from vision.gateway import Gateway
from vision.models import FaceCollection


def _subject_with_face(caller: Caller, *, idle_days: int, image: str = "person_a_2") -> Subject:
    """A subject created ``idle_days`` ago whose face is indexed in the tenant's first collection."""

    def create() -> Subject:
        subject = Subject.objects.create(tenant=caller.tenant)
        Subject.objects.filter(pk=subject.pk).update(created_at=timezone.now() - timedelta(days=idle_days))
        collection = FaceCollection.objects.order_by("shard").first()
        assert collection is not None
        indexed = Gateway(caller.tenant).call(
            "IndexFaces",
            CollectionId=collection.collection_id,
            Image={"Bytes": photo(image)},
            ExternalImageId=subject.public_id,
            MaxFaces=1,
        )
        Face.objects.create(
            tenant=caller.tenant,
            subject=subject,
            collection=collection,
            face_id=indexed["FaceRecords"][0]["Face"]["FaceId"],
            face_model_version=indexed.get("FaceModelVersion", ""),
        )
        return subject

    return in_scope(caller, create)


def _retain(caller: Caller, days: int) -> None:
    in_scope(caller, lambda: VerificationSettings.objects.create(tenant=caller.tenant, biometric_retention_days=days))


def test_the_purge_erases_exactly_the_subjects_idle_past_the_limit(verifier: Caller) -> None:
    _retain(verifier, 30)
    idle = _subject_with_face(verifier, idle_days=31)
    active = _subject_with_face(verifier, idle_days=45, image="person_b_1")  # but verified 10 days ago
    young = _subject_with_face(verifier, idle_days=29, image="impostor_1")
    in_scope(
        verifier,
        lambda: Verification.objects.filter(
            pk=Verification.objects.create(tenant=verifier.tenant, type="authentication", subject=active).pk
        ).update(created_at=timezone.now() - timedelta(days=10)),
    )
    assert in_scope(verifier, lambda: retention_preview().subjects) == 1

    with tenant_scope(verifier.tenant):
        summary = retention_purge(tenant=verifier.tenant)

    assert (summary.subjects, summary.completed, summary.faces) == (1, 1, 1)
    assert faces_in_engine(verifier, idle.public_id) == []
    assert len(faces_in_engine(verifier, active.public_id)) == len(faces_in_engine(verifier, young.public_id)) == 1
    erasure = in_scope(verifier, lambda: Erasure.objects.get())
    assert (erasure.subject_id, erasure.reason, erasure.status, erasure.requested_by) == (
        idle.pk,
        "retention",
        "completed",
        "retention-purge",
    )
    assert erasure.receipt
    event = in_scope(verifier, lambda: AuditEvent.objects.get(event_name="PurgeRetention"))
    details = event.record["serviceEventDetails"]
    assert (details["subjects"], details["completed"], details["faces"], details["retentionDays"]) == (1, 1, 1, 30)
    # A second run finds nothing more to erase, and says so.
    with tenant_scope(verifier.tenant):
        assert retention_purge(tenant=verifier.tenant).subjects == 0
    assert in_scope(verifier, lambda: retention_preview().subjects) == 0


def test_the_purge_deletes_faces_in_batches_per_collection_and_runs_each_store_once_a_batch(
    verifier: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    _retain(verifier, 30)
    subjects = [_subject_with_face(verifier, idle_days=40 + n) for n in range(5)]
    calls: list[tuple[str, int]] = []
    real_call, real_stores = Gateway.call, dict(stores.EMPTY)

    def counted(self: Gateway, operation: str, /, **params: Any) -> dict[str, Any]:
        if operation == "DeleteFaces":
            calls.append((operation, len(params["FaceIds"])))
        return real_call(self, operation, **params)

    def spy(store: str) -> Callable[..., Any]:
        def run(tenant: Any, batch: Any) -> Any:
            calls.append((store, len(batch)))
            return real_stores[store](tenant, batch)

        return run

    monkeypatch.setattr(Gateway, "call", counted)
    monkeypatch.setattr(stores, "DELETE_FACES_BATCH", 2)
    for store in real_stores:
        monkeypatch.setitem(stores.EMPTY, store, spy(store))

    with tenant_scope(verifier.tenant):
        summary = retention_purge(tenant=verifier.tenant, batch=4)

    assert (summary.subjects, summary.completed, summary.faces) == (5, 5, 5)
    assert calls == [
        ("collections", 4),
        ("DeleteFaces", 2),
        ("DeleteFaces", 2),
        ("objects", 4),
        ("cache", 4),
        ("database", 4),
        ("collections", 1),
        ("DeleteFaces", 1),
        ("objects", 1),
        ("cache", 1),
        ("database", 1),
    ]
    for subject in subjects:
        assert faces_in_engine(verifier, subject.public_id) == []


@pytest.mark.parametrize("days", [0, 1096])
@pytest.mark.django_db
def test_retention_is_at_least_a_day_and_at_most_three_years(days: int) -> None:
    with pytest.raises(ValidationError, match="biometric_retention_days"):
        VerificationSettings(tenant_id=1, biometric_retention_days=days).clean_fields(exclude=["tenant"])


def test_a_subject_whose_last_biometric_consent_expired_is_erased(
    verifier: Caller, erasures: list[list[Any]], django_capture_on_commit_callbacks: Any
) -> None:
    lapsed = _subject_with_face(verifier, idle_days=1)
    renewed = _subject_with_face(verifier, idle_days=1, image="person_b_1")
    withdrawn = _subject_with_face(verifier, idle_days=1, image="impostor_1")
    past = timezone.now() - timedelta(minutes=1)

    def consents() -> None:
        for subject in (lapsed, renewed, withdrawn):
            Consent.objects.create(
                tenant=verifier.tenant,
                subject=subject,
                purpose="biometric_verification",
                text_version="v1",
                method="checkbox",
            )
        Consent.objects.filter(subject__in=[lapsed, renewed]).update(expires_at=past)
        Consent.objects.filter(subject=withdrawn).update(withdrawn_at=past)  # withdrawal has its own path
        Consent.objects.create(
            tenant=verifier.tenant,
            subject=renewed,
            purpose="biometric_verification",
            text_version="v2",
            method="checkbox",
        )

    in_scope(verifier, consents)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.erase_lapsed_consents.apply().get() == 1

    erasure = in_scope(verifier, lambda: Erasure.objects.get())
    assert (erasure.subject_id, erasure.reason, erasure.status) == (lapsed.pk, "consent_expired", "completed")
    assert faces_in_engine(verifier, lapsed.public_id) == []
    assert len(faces_in_engine(verifier, renewed.public_id)) == len(faces_in_engine(verifier, withdrawn.public_id)) == 1
    assert len(erasures) == 1
    assert tasks.erase_lapsed_consents.apply().get() == 0  # asked once


def test_images_of_verifications_finished_past_the_limit_are_deleted_but_a_reference_image(
    verifier: Caller, run_tasks: Callable[..., Any]
) -> None:
    _retain(verifier, 1095)
    in_scope(verifier, lambda: VerificationSettings.objects.update(image_retention_days=30))
    subject_id = new_subject(verifier)
    selfie, document = (
        stored_image(verifier, "s/a2.jpg", photo("person_a_2")),
        stored_image(verifier, "d/a1.jpg", photo("person_a_1")),
    )
    registered = verify(
        verifier, run_tasks, type="registration", subject_id=subject_id, selfie=selfie, id_document=document
    )
    login = verify(
        verifier,
        run_tasks,
        type="authentication",
        subject_id=subject_id,
        selfie=stored_image(verifier, "s/a1.jpg", photo("person_a_1")),
    )
    recent = verify(
        verifier,
        run_tasks,
        type="authentication",
        subject_id=subject_id,
        selfie=stored_image(verifier, "s/new.jpg", photo("person_a_1")),
    )
    assert registered["status"] == login["status"] == recent["status"] == "approved"
    old = timezone.now() - timedelta(days=31)
    in_scope(
        verifier,
        lambda: Verification.objects.filter(public_id__in=[registered["id"], login["id"]]).update(finished_at=old),
    )

    with tenant_scope(verifier.tenant):
        assert verification_images_purge(tenant=verifier.tenant) == 2

    s3 = aws_client("s3", verifier.tenant.region)
    left = {item["Key"] for item in s3.list_objects_v2(Bucket=verifier.tenant.storage_bucket).get("Contents", [])}
    prefix = verifier.tenant.storage_prefix
    assert left == {f"{prefix}s/a2.jpg", f"{prefix}s/new.jpg"}  # the face's reference image, and the recent one
    images = in_scope(verifier, lambda: dict(Verification.objects.values_list("public_id", "processed_images")))
    assert {image["role"]: image["location"] for image in images[registered["id"]]} == {
        "selfie": f"s3://{verifier.tenant.storage_bucket}/{prefix}s/a2.jpg",
        "id_document": "",
    }
    assert [image["location"] for image in images[login["id"]]] == [""]
    assert all(image["sha256"] is not None for image in images[login["id"]])
    event = in_scope(verifier, lambda: AuditEvent.objects.get(event_name="PurgeVerificationImages"))
    assert event.record["serviceEventDetails"]["objects"] == 2


@pytest.mark.parametrize(("days", "accepted"), [(1, True), (1095, True), (0, False), (1096, False)])
def test_a_tenant_admin_sets_the_image_retention_in_the_admin_within_limits(
    caller: Caller, days: int, accepted: bool
) -> None:
    admin = Client()
    admin.force_login(MembershipFactory(tenant=caller.tenant, role=Role.TENANT_ADMIN).user)
    form = {
        "duplicate_action": "needs_review",
        "biometric_retention_days": 1095,
        "image_retention_days": days,
        "abandoned_after_hours": 24,
        "liveness_threshold": 90,
    }

    response = admin.post("/admin/verification/verificationsettings/add/", form)

    saved = in_scope(caller, lambda: list(VerificationSettings.objects.values_list("image_retention_days", flat=True)))
    assert saved == ([days] if accepted else [])
    assert response.status_code == (302 if accepted else 200)
