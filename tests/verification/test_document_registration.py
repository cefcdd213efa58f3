"""A registration that names a document read with POST /v1/documents: its MRZ must be valid and
unexpired, and the page (a rendered passport page with a real face photo) is what the selfie is
compared with, through the local engine. DetectText is answered by a Stubber with the page's lines
(what an OCR reads from it): the local engine's text reader is not what these tests are about."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import cv2
import numpy as np
import pytest
from botocore.stub import Stubber

from config.aws import aws_client
from tests.conftest import Caller, make_caller
from tests.factories import TenantFactory, with_key_and_bucket
from tests.verification.conftest import b64, decoded, in_scope, jpeg, new_subject, photo
from tests.verification.test_mrz import TD3, _td3_expiring
from verification.models import Document, Verification

VIZ = ["PASSPORT", "UTOPIA", "ERIKSSON", "ANNA MARIA", "L898902C3", "12 AUG 1974"]


def passport_page(face: str, lines: list[str]) -> bytes:
    """A passport data page: the holder's photo on the left, the printed fields, the MRZ at the bottom."""
    page = np.full((720, 1040, 3), 238, np.uint8)
    portrait = decoded(face)
    height = 420
    portrait = cv2.resize(portrait, (int(portrait.shape[1] * height / portrait.shape[0]), height))
    page[60 : 60 + height, 40 : 40 + portrait.shape[1]] = portrait
    x = 60 + portrait.shape[1]
    for row, line in enumerate(lines[:-2]):
        cv2.putText(page, line, (x, 100 + 50 * row), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (20, 20, 20), 2)
    for row, line in enumerate(lines[-2:]):
        cv2.putText(page, line, (30, 600 + 55 * row), cv2.FONT_HERSHEY_PLAIN, 2.1, (0, 0, 0), 2)
    return jpeg(page)


@contextmanager
def detect_text_answers(caller: Caller, lines: list[str]) -> Iterator[None]:
    detections = [{"DetectedText": line, "Type": "LINE", "Id": i, "Confidence": 99.0} for i, line in enumerate(lines)]
    with Stubber(aws_client("rekognition", caller.tenant.region)) as stub:
        stub.add_response("detect_text", {"TextDetections": detections, "TextModelVersion": "3.0"})
        yield
        stub.assert_no_pending_responses()


def read_document(caller: Caller, face: str, lines: list[str]) -> dict[str, Any]:
    image = {"bytes": base64.b64encode(passport_page(face, lines)).decode()}
    with detect_text_answers(caller, lines):
        response = caller.client.post("/v1/documents", {"image": image}, format="json")
    assert response.status_code == 201, response.content
    return dict(response.json())


def current_lines() -> list[str]:
    return [*VIZ, "01 DEC 2031", *_td3_expiring("311201")]


def register_with(caller: Caller, run_tasks: Callable[..., Any], document_id: str, selfie: str = "person_a_1") -> Any:
    with run_tasks():
        return caller.client.post(
            "/v1/verifications",
            {
                "type": "registration",
                "subject_id": new_subject(caller),
                "selfie": b64(photo(selfie)),
                "document_id": document_id,
            },
            format="json",
        )


def test_a_registration_against_a_valid_passport_page_is_approved(
    verifier: Caller, run_tasks: Callable[..., Any]
) -> None:
    document = read_document(verifier, "person_a_2", current_lines())
    assert document["valid"] is True
    created = register_with(verifier, run_tasks, document["id"])
    assert created.status_code == 202, created.content
    result = verifier.client.get(f"/v1/verifications/{created.json()['id']}").json()
    assert result["status"] == "approved", result["reasons"]
    assert result["document_id"] == document["id"]
    compare = next(step for step in result["steps"] if step["name"] == "compare")
    assert compare["result"]["similarity"] >= 80


def test_the_page_is_what_the_selfie_is_compared_with(verifier: Caller, run_tasks: Callable[..., Any]) -> None:
    # The same valid MRZ, but the page carries another person's photo.
    document = read_document(verifier, "impostor_1", current_lines())
    created = register_with(verifier, run_tasks, document["id"])
    result = verifier.client.get(f"/v1/verifications/{created.json()['id']}").json()
    assert (result["status"], result["reasons"][0]["code"]) == ("rejected", "compare.mismatch")


def _tampered() -> list[str]:
    line1, line2 = _td3_expiring("311201")
    digit = line2[9]
    return [*VIZ, "01 DEC 2031", line1, line2[:9] + str((int(digit) + 1) % 10) + line2[10:]]


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        ([*VIZ, "15 APR 2012", *TD3], "document.expired"),
        (_tampered(), "document.invalid"),
        (["PASSPORT", "UTOPIA"], "document.invalid"),  # no machine-readable zone at all
        ([*VIZ[:2], "SOMEONE ELSE", *VIZ[3:], "01 DEC 2031", *_td3_expiring("311201")], "document.inconsistent"),
    ],
)
def test_a_document_that_cannot_be_trusted_is_refused_and_nothing_is_written(
    verifier: Caller, run_tasks: Callable[..., Any], lines: list[str], code: str
) -> None:
    document = read_document(verifier, "person_a_2", lines)
    refused = register_with(verifier, run_tasks, document["id"])
    assert (refused.status_code, refused.json()["code"]) == (400, code)
    assert in_scope(verifier, lambda: Verification.objects.count()) == 0


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"type": "authentication"}, "unexpected_document"),
        ({"id_document": True}, "unexpected_id_document"),
    ],
)
def test_document_id_where_it_does_not_belong_is_refused(verifier: Caller, extra: dict[str, Any], code: str) -> None:
    document = read_document(verifier, "person_a_2", current_lines())
    body: dict[str, Any] = {
        "type": extra.get("type", "registration"),
        "subject_id": new_subject(verifier),
        "selfie": b64(photo("person_a_1")),
        "document_id": document["id"],
    }
    if extra.get("id_document"):
        body["id_document"] = b64(photo("person_a_2"))
    refused = verifier.client.post("/v1/verifications", body, format="json")
    assert (refused.status_code, refused.json()["code"]) == (400, code)
    assert in_scope(verifier, lambda: Verification.objects.count()) == 0


def test_another_tenants_document_is_not_found(verifier: Caller, run_tasks: Callable[..., Any]) -> None:
    document = read_document(verifier, "person_a_2", current_lines())
    other = make_caller(with_key_and_bucket(TenantFactory()))
    refused = register_with(other, run_tasks, document["id"])
    assert refused.status_code == 404
    assert in_scope(other, lambda: Verification.objects.count()) == 0


def test_the_page_is_kept_in_the_tenants_storage_under_its_key(verifier: Caller) -> None:
    document = read_document(verifier, "person_a_2", current_lines())
    stored = in_scope(verifier, lambda: Document.objects.get(public_id=document["id"]))
    assert (stored.s3_bucket, stored.s3_name) == (
        verifier.tenant.storage_bucket,
        f"{verifier.tenant.storage_prefix}documents/{document['id']}",
    )
    head = aws_client("s3", verifier.tenant.region).head_object(Bucket=stored.s3_bucket, Key=stored.s3_name)
    assert head["ServerSideEncryption"] == "aws:kms"
