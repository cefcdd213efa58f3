"""OpenAPI post-processing: every operation documents its problem-details error responses."""

from __future__ import annotations

from typing import Any

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details. `code` is stable; see docs/errors.md.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"type": "string", "nullable": True},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"pointer": {"type": "string"}, "code": {"type": "string"}, "detail": {"type": "string"}},
            },
        },
    },
    "required": ["type", "title", "status", "detail", "code"],
}
COMMON_ERRORS = {
    "400": "Invalid input: malformed JSON, unknown fields, validation errors.",
    "401": "authentication_failed: missing, malformed, revoked, expired or unknown API key.",
    "403": "permission_denied: the key's policy does not allow this action.",
    "404": "not_found: no such resource in your tenant.",
    "405": "method_not_allowed.",
    "406": "not_acceptable.",
    "409": "Conflict, e.g. idempotency_conflict or external_id_conflict.",
    "413": "request_too_large.",
    "415": "unsupported_media_type.",
    "429": "rate_limited; see Retry-After.",
}


def add_problem_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    reference = {"$ref": "#/components/schemas/Problem"}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for status, description in COMMON_ERRORS.items():
                responses.setdefault(
                    status, {"description": description, "content": {"application/problem+json": {"schema": reference}}}
                )
    return result
