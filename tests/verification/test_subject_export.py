"""GET /v1/subjects/{id}/export: everything Verity holds about one person, and nothing about anyone else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import Caller
from tests.verification.conftest import b64, in_scope, new_subject, photo, register, stored_image, verify
from verification.models import Document, Verification


def test_the_export_holds_every_item_of_the_subject_and_no_other_subjects(
    verifier: Caller, run_tasks: Callable[..., Any]
) -> None:
    subject_id = new_subject(verifier)
    registration = verify(
        verifier,
        run_tasks,
        type="registration",
        subject_id=subject_id,
        selfie=stored_image(verifier, "selfies/a2.jpg", photo("person_a_2")),
        id_document=stored_image(verifier, "documents/a1.jpg", photo("person_a_1")),
    )
    assert registration["status"] == "approved", registration["reasons"]
    login = verify(verifier, run_tasks, type="authentication", subject_id=subject_id, selfie=b64(photo("person_a_1")))

    def read_document() -> str:
        document = Document.objects.create(tenant=verifier.tenant, lines=["P<UTOERIKSSON<<ANNA"], mrz=None)
        subject = Verification.objects.get(public_id=login["id"]).subject
        Verification.objects.create(
            tenant=verifier.tenant,
            type="registration",
            status="failed",
            subject=subject,
            document_id=document.public_id,
        )
        return document.public_id

    document_id = in_scope(verifier, read_document)
    other_id, _ = register(verifier, run_tasks, "person_b_2", "person_b_1")

    response = verifier.client.get(f"/v1/subjects/{subject_id}/export")

    assert response.status_code == 200, response.content
    export = response.json()
    assert export["subject"]["id"] == subject_id
    assert [c["text_version"] for c in export["consents"]] == ["v1"]
    assert [v["id"] for v in export["verifications"]][:2] == [registration["id"], login["id"]]
    assert len(export["verifications"]) == 3
    assert [step["name"] for step in export["verifications"][0]["steps"]] == [s["name"] for s in registration["steps"]]
    assert [(d["id"], d["lines"]) for d in export["documents"]] == [(document_id, ["P<UTOERIKSSON<<ANNA"])]
    assert [(f["status"], f["collection_id"].startswith("verity-")) for f in export["faces"]] == [("active", True)]
    assert sorted(o["key"] for o in export["stored_objects"]) == [
        "verity/documents/a1.jpg",
        "verity/selfies/a2.jpg",
        f"verity/verifications/{login['id']}/selfie",  # the login's upload, stored by Verity
    ]
    for stored in export["stored_objects"]:
        assert stored["key"] in stored["url"]
        assert "X-Amz-Signature=" in stored["url"] or "Signature=" in stored["url"]
    assert other_id not in response.content.decode()


def test_an_erased_subject_has_nothing_to_export(verifier: Caller) -> None:
    subject_id = new_subject(verifier)
    assert verifier.client.delete(f"/v1/subjects/{subject_id}").status_code == 202

    response = verifier.client.get(f"/v1/subjects/{subject_id}/export")

    assert (response.status_code, response.json()["code"]) == (404, "subject_erased")
