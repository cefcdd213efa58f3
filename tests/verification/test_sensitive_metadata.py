"""Subject metadata marked sensitive: sealed under the tenant's KMS key, read decrypted, erased with the subject."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from tenants.scope import tenant_scope
from tests.conftest import Caller
from tests.factories import with_kms_key
from verification.models import Subject

SECRET = {"national_id": "850101-1234", "date_of_birth": "1985-01-01"}


@pytest.fixture
def sealing(verifier: Caller) -> Caller:
    with_kms_key(verifier.tenant)
    return verifier


def _raw_row(caller: Caller, subject_id: str) -> str:
    with tenant_scope(caller.tenant), connection.cursor() as cursor:
        cursor.execute("SELECT * FROM verification_subject WHERE public_id = %s", [subject_id])
        return " ".join(str(value) for value in cursor.fetchone())


def test_sensitive_metadata_is_stored_sealed_and_read_back_decrypted(sealing: Caller) -> None:
    created = sealing.client.post(
        "/v1/subjects", {"metadata": {"plan": "gold"}, "sensitive_metadata": SECRET}, format="json"
    )

    assert created.status_code == 201, created.content
    subject_id = created.json()["id"]
    assert created.json()["sensitive_metadata"] == SECRET
    assert sealing.client.get(f"/v1/subjects/{subject_id}").json()["sensitive_metadata"] == SECRET
    assert sealing.client.get(f"/v1/subjects/{subject_id}/export").json()["subject"]["sensitive_metadata"] == SECRET
    row = _raw_row(sealing, subject_id)
    assert "850101" not in row
    assert "1985-01-01" not in row
    assert "gold" in row  # ordinary metadata stays as it is


def test_a_subject_without_sensitive_metadata_needs_no_key(verifier: Caller) -> None:
    created = verifier.client.post("/v1/subjects", {}, format="json")  # the factory tenant's key does not exist

    assert (created.status_code, created.json()["sensitive_metadata"]) == (201, {})


def test_oversized_sensitive_metadata_is_refused_and_nothing_is_stored(sealing: Caller) -> None:
    response = sealing.client.post("/v1/subjects", {"sensitive_metadata": {"x": "y" * 5000}}, format="json")

    assert (response.status_code, response.json()["code"]) == (400, "metadata_too_large")
    with tenant_scope(sealing.tenant):
        assert not Subject.objects.exists()


def test_erasure_removes_the_sealed_metadata(
    sealing: Caller, erasures: list[list[Any]], run_tasks: Callable[..., Any]
) -> None:
    subject_id = sealing.client.post("/v1/subjects", {"sensitive_metadata": SECRET}, format="json").json()["id"]

    with run_tasks():
        assert sealing.client.delete(f"/v1/subjects/{subject_id}").status_code == 202

    with tenant_scope(sealing.tenant):
        assert Subject.objects.get(public_id=subject_id).sensitive_metadata == ""
