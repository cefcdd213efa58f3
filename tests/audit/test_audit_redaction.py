"""Redaction is an allow-list: image bytes, key secrets, face vectors and document text never reach a record."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from audit.identity import HIDDEN, system_identity
from audit.models import AuditEvent
from audit.recording import record_aws_call, record_event
from audit.redaction import KEEP, ListOf, redact, scrub_text
from tenants.scope import tenant_scope
from tests.conftest import Caller

pytestmark = pytest.mark.django_db

FACE = (Path(__file__).parents[1] / "fixtures" / "faces" / "person_a_1.jpg").read_bytes()
SECRET = "vk_live_AbCdEfGhIjKl" + "S3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3cr"
DOCUMENT_TEXT = "JOHN QUINCY SAMPLE 1984-02-29 PASSPORT X1234567"
FACE_VECTOR = [0.0123456, -0.98765, 0.5] * 43


def forbidden_fragments() -> list[str]:
    """What must not appear anywhere in a stored record, in any encoding."""
    return [
        SECRET,
        SECRET[-40:],
        DOCUMENT_TEXT,
        "JOHN QUINCY",
        base64.b64encode(FACE[:300]).decode()[:40],
        FACE[:300].hex()[:40],
        "0.0123456",
    ]


def assert_clean(caller: Caller) -> None:
    with tenant_scope(caller.tenant):
        stored = [json.dumps(event.record, ensure_ascii=False) for event in AuditEvent.objects.all()]
    assert stored, "nothing was recorded"
    for text in stored:
        for fragment in forbidden_fragments():
            assert fragment not in text, f"{fragment[:20]}… reached an audit record"


def test_image_bytes_key_secrets_and_document_text_never_reach_a_record(caller: Caller) -> None:
    # Every way a caller could push them in: parameters listed and unlisted, nested, responses,
    # free text (userAgent, errorMessage) and identity fields they control (a key's name).
    with tenant_scope(caller.tenant):
        record_event(
            tenant=caller.tenant,
            event_source="verification.verity.local",
            event_name="CreateSubject",
            identity={**system_identity(caller.tenant), "userName": f"key {SECRET}"},
            user_agent=f"curl/8 token={SECRET}",
            request_parameters={
                "external_id": SECRET,
                "metadata": {"document_text": DOCUMENT_TEXT, "photo": base64.b64encode(FACE).decode()},
                "image": FACE,
                "face_vector": FACE_VECTOR,
                "secret": SECRET,
            },
            response_elements={"id": "sub_1", "extracted_text": DOCUMENT_TEXT, "embedding": FACE_VECTOR},
            error_code="invalid_input",
            error_message=f"bad token {SECRET} in {DOCUMENT_TEXT[:0]}",
        )
        record_aws_call(
            tenant=caller.tenant,
            service="rekognition",
            operation="DetectText",
            request_parameters={"Image": {"Bytes": FACE}},
            response_elements={
                "TextDetections": [{"DetectedText": DOCUMENT_TEXT, "Confidence": 99.1}],
                "TextModelVersion": "3.0",
            },
        )
        record_aws_call(
            tenant=caller.tenant,
            service="rekognition",
            operation="IndexFaces",
            request_parameters={"CollectionId": "c", "Image": FACE, "ExternalImageId": "sub_1"},
            response_elements={"FaceRecords": [{"Face": {"FaceId": "f"}, "FaceDetail": {"Vector": FACE_VECTOR}}]},
        )
        record_aws_call(
            tenant=caller.tenant,
            service="kms",
            operation="Decrypt",
            request_parameters={"CiphertextBlob": FACE},
            response_elements={"Plaintext": SECRET.encode(), "KeyId": "k"},
        )
    assert_clean(caller)


def test_listed_parameters_keep_their_key_with_the_value_hidden(caller: Caller) -> None:
    with tenant_scope(caller.tenant):
        recorded = record_aws_call(
            tenant=caller.tenant,
            service="rekognition",
            operation="DetectFaces",
            request_parameters={"Image": {"Bytes": FACE}, "Attributes": ["ALL"]},
            response_elements=None,
        )
    assert recorded.record["requestParameters"] == {"Image": {"Bytes": HIDDEN}, "Attributes": ["ALL"]}


def test_an_event_without_rules_keeps_no_parameters(caller: Caller) -> None:
    with tenant_scope(caller.tenant):
        recorded = record_event(
            tenant=caller.tenant,
            event_source="newapp.verity.local",
            event_name="DoSomething",
            identity=system_identity(caller.tenant),
            request_parameters={"name": "harmless", "photo": FACE},
            response_elements={"id": "x"},
        )
    assert recorded.record["requestParameters"] is None
    assert recorded.record["responseElements"] is None


@pytest.mark.parametrize(
    ("value", "spec", "expected"),
    [
        (b"\xff\xd8\xff", KEEP, HIDDEN),
        ({"nested": 1}, KEEP, HIDDEN),
        ([1, 2], KEEP, HIDDEN),
        (float("nan"), KEEP, HIDDEN),
        (1e300, KEEP, HIDDEN),
        ("x" * 600, KEEP, "x" * 511 + "…"),
        (["a", b"b", {"c": 1}], ListOf(KEEP), ["a", HIDDEN, HIDDEN]),
        ("not a list", ListOf(KEEP), HIDDEN),
        ("not a mapping", {"a": KEEP}, HIDDEN),
        ({"a": 1, "b": 2}, {"a": KEEP}, {"a": 1}),
    ],
)
def test_redaction_rules(value: Any, spec: Any, expected: Any) -> None:
    assert redact(value, spec) == expected


def test_free_text_is_capped_and_scrubbed() -> None:
    assert scrub_text(f"Bearer {SECRET}", limit=200) == f"Bearer vk_live_AbCdEfGhIjKl{HIDDEN}"
    assert scrub_text("a\x00b", limit=10) == "ab"
    assert scrub_text("abcdef", limit=4) == "abc…"
