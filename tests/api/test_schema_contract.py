"""The OpenAPI document and the server agree on what they refuse: unknown body fields, empty query values."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.conftest import Caller


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)  # type: ignore[no-any-return]


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _request_bodies(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for content in operation.get("requestBody", {}).get("content", {}).values():
                yield f"{method.upper()} {path}", _resolve(schema, content["schema"])


def _nested_objects(schema: dict[str, Any], node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The body and every object it declares fields for (free-form objects such as metadata excluded)."""
    if node.get("properties"):
        yield node
        for child in node["properties"].values():
            for part in [child, *child.get("allOf", [])]:
                yield from _nested_objects(schema, _resolve(schema, part))


def test_every_request_body_in_the_schema_refuses_unknown_fields(schema: dict[str, Any]) -> None:
    bodies = dict(_request_bodies(schema))
    assert {"POST /v1/subjects", "POST /v1/audit/exports"} <= set(bodies)
    for operation, body in bodies.items():
        for node in _nested_objects(schema, body):
            assert node.get("additionalProperties") is False, (operation, sorted(node["properties"]))


def test_each_input_serializer_documents_its_own_fields(schema: dict[str, Any]) -> None:
    bodies = dict(_request_bodies(schema))
    assert set(bodies["POST /v1/subjects"]["properties"]) == {"external_id", "metadata", "sensitive_metadata"}
    assert set(bodies["POST /v1/audit/exports"]["properties"]) == {"start_time", "end_time", "format", "filters"}


def test_a_blank_string_the_server_trims_away_is_outside_the_schema(schema: dict[str, Any], caller: Caller) -> None:
    external_id = _resolve(schema, dict(_request_bodies(schema))["POST /v1/subjects"])["properties"]["external_id"]
    assert not re.search(external_id["pattern"], "\x1e ")
    response = caller.client.post("/v1/subjects", {"external_id": "\x1e "}, format="json")
    assert response.status_code == 400


def test_the_idempotency_key_header_is_documented_as_the_server_checks_it(
    schema: dict[str, Any], caller: Caller
) -> None:
    header = next(p for p in schema["paths"]["/v1/subjects"]["post"]["parameters"] if p["name"] == "Idempotency-Key")
    assert not re.search(header["schema"]["pattern"], "has space")
    refused = caller.client.post("/v1/subjects", {}, format="json", HTTP_IDEMPOTENCY_KEY="has space")
    assert refused.json()["code"] == "invalid_idempotency_key"


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/v1/subjects", "external_id"),
        ("/v1/audit/events", "start_time"),
        ("/v1/audit/events", "event_name"),
        ("/v1/audit/events", "read_only"),
    ],
)
def test_an_empty_query_value_is_refused_naming_the_parameter(caller: Caller, path: str, parameter: str) -> None:
    response = caller.client.get(f"{path}?{parameter}=")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["errors"] == [
        {"pointer": f"/{parameter}", "code": "blank", "detail": "This parameter may not be empty."}
    ]


def test_a_query_parameter_given_twice_with_one_empty_value_is_refused(caller: Caller) -> None:
    response = caller.client.get("/v1/subjects?external_id=&external_id=a")
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/external_id"
