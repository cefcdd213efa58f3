"""Subjects API: create, read, list by external_id; every bad input is refused and writes nothing."""

from __future__ import annotations

import pytest

from tenants.scope import tenant_scope
from tests.conftest import Caller
from verification.models import Subject

pytestmark = pytest.mark.django_db


def _subject_count(caller: Caller) -> int:
    with tenant_scope(caller.tenant):
        return Subject.objects.count()


def test_create_then_fetch_and_find_by_external_id(caller: Caller) -> None:
    created = caller.client.post(
        "/v1/subjects", {"external_id": "cust-42", "metadata": {"tier": "gold"}}, format="json"
    )
    assert created.status_code == 201
    body = created.json()
    assert body["id"].startswith("sub_")
    assert body["metadata"] == {"tier": "gold"}
    assert caller.client.get(f"/v1/subjects/{body['id']}").json() == body
    found = caller.client.get("/v1/subjects", {"external_id": "cust-42"}).json()["results"]
    assert [s["id"] for s in found] == [body["id"]]


def test_subject_needs_no_personal_data(caller: Caller) -> None:
    created = caller.client.post("/v1/subjects", {}, format="json")
    assert created.status_code == 201
    assert created.json()["external_id"] is None
    assert created.json()["metadata"] == {}


def test_duplicate_external_id_is_a_conflict(caller: Caller) -> None:
    caller.client.post("/v1/subjects", {"external_id": "dup"}, format="json")
    again = caller.client.post("/v1/subjects", {"external_id": "dup"}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "external_id_conflict"
    assert _subject_count(caller) == 1


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"external_id": "x", "nickname": "y"}, "unknown_field"),
        ({"metadata": {"blob": "x" * 5000}}, "metadata_too_large"),
        ({"metadata": ["not", "an", "object"]}, "validation_error"),
        ({"external_id": ""}, "validation_error"),
        ({"external_id": "x" * 256}, "validation_error"),
        ({"external_id": {"nested": 1}}, "validation_error"),
        (["not", "an", "object"], "validation_error"),
    ],
)
def test_bad_subject_input_is_refused_and_writes_nothing(caller: Caller, payload: object, code: str) -> None:
    response = caller.client.post("/v1/subjects", payload, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert _subject_count(caller) == 0


def test_validation_errors_point_at_the_field(caller: Caller) -> None:
    body = caller.client.post("/v1/subjects", {"external_id": ""}, format="json").json()
    assert body["errors"][0]["pointer"] == "/external_id"


def test_list_is_cursor_paginated(caller: Caller) -> None:
    ids = [caller.client.post("/v1/subjects", {}, format="json").json()["id"] for _ in range(5)]
    first = caller.client.get("/v1/subjects", {"limit": 2}).json()
    second = caller.client.get(first["next"]).json()
    third = caller.client.get(second["next"]).json()
    seen = [s["id"] for page in (first, second, third) for s in page["results"]]
    assert seen == list(reversed(ids))
    assert third["next"] is None


def test_invalid_cursor_is_a_400(caller: Caller) -> None:
    response = caller.client.get("/v1/subjects", {"cursor": "garbage"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


def test_nul_characters_are_refused_in_bodies_and_filters(caller: Caller) -> None:
    in_metadata = caller.client.post("/v1/subjects", {"metadata": {"k\u0000": "v"}}, format="json")
    assert in_metadata.status_code == 400
    assert in_metadata.json()["code"] == "null_character"
    in_filter = caller.client.get("/v1/subjects", {"external_id": "a\u0000b"})
    assert in_filter.status_code == 400
    assert in_filter.json()["code"] == "validation_error"
    assert _subject_count(caller) == 0
