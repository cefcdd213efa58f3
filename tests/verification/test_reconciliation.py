"""Reconciliation: faces the engine holds without a record are deleted, recorded faces it lost are marked."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from django.core.management import call_command

from audit.models import AuditEvent
from tenants.scope import tenant_scope
from tests.conftest import Caller
from tests.verification.conftest import faces_in_engine, in_scope, new_subject, photo, register
from verification.erasure.reconciliation import collections_reconcile
from verification.models import Face, Subject, Verification
from vision.gateway import Gateway
from vision.models import FaceCollection


def _index(caller: Caller, external_id: str, image: str) -> str:
    collection = in_scope(caller, lambda: FaceCollection.objects.order_by("shard").first())
    answer = Gateway(caller.tenant).call(
        "IndexFaces",
        CollectionId=collection.collection_id,
        Image={"Bytes": photo(image)},
        ExternalImageId=external_id,
        MaxFaces=1,
    )
    face_id: str = answer["FaceRecords"][0]["Face"]["FaceId"]
    return face_id


def test_reconciliation_reports_then_repairs_orphans_and_missing_faces(
    verifier: Caller, run_tasks: Callable[..., Any]
) -> None:
    kept, _ = register(verifier, run_tasks, "person_a_2", "person_a_1")
    lost, _ = register(verifier, run_tasks, "person_b_2", "person_b_1")
    lost_face = in_scope(verifier, lambda: Face.objects.select_related("collection").get(subject__public_id=lost))
    Gateway(verifier.tenant).call(
        "DeleteFaces", CollectionId=lost_face.collection.collection_id, FaceIds=[lost_face.face_id]
    )
    ghost = _index(verifier, "sub_ghost000000000000000000", "impostor_1")  # indexed, never recorded
    busy = new_subject(verifier)
    in_scope(
        verifier,
        lambda: Verification.objects.create(
            tenant=verifier.tenant, type="registration", subject=Subject.objects.get(public_id=busy)
        ),
    )
    in_flight = _index(verifier, busy, "impostor_2")  # its worker has not recorded it yet

    with tenant_scope(verifier.tenant):
        reports = collections_reconcile(tenant=verifier.tenant)

    assert [face for r in reports for face in r.orphans] == [ghost]
    assert [face for r in reports for face in r.missing] == [lost_face.face_id]
    assert [face for r in reports for face in r.deferred] == [in_flight]
    assert ghost in faces_in_engine(verifier, "sub_ghost000000000000000000")  # a report changes nothing
    assert in_scope(verifier, lambda: Face.objects.get(pk=lost_face.pk).status) == "active"

    output = io.StringIO()
    call_command("collections_reconcile", verifier.tenant.slug, "--repair", stdout=output)

    assert f"orphan  {ghost} (deleted)" in output.getvalue()
    assert f"missing {lost_face.face_id} (marked deleted)" in output.getvalue()
    assert faces_in_engine(verifier, "sub_ghost000000000000000000") == []
    assert faces_in_engine(verifier, busy) == [in_flight]
    assert len(faces_in_engine(verifier, kept)) == 1
    repaired = in_scope(verifier, lambda: Face.objects.get(pk=lost_face.pk))
    assert (repaired.status, repaired.deleted_at is not None) == ("deleted", True)
    events = in_scope(verifier, lambda: list(AuditEvent.objects.filter(event_name="ReconcileCollections")))
    details = sorted(
        (e.record["serviceEventDetails"]["repaired"], e.record["serviceEventDetails"]["orphans"]) for e in events
    )
    assert details == [(0, 1), (2, 1)]
    with tenant_scope(verifier.tenant):  # nothing left to repair
        assert all(not r.orphans and not r.missing for r in collections_reconcile(tenant=verifier.tenant))
