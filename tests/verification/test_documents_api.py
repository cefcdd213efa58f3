"""POST /v1/documents: DetectText (Stubber), the MRZ parsed, its problems named, nothing audited in clear."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber
from django.db import connection

from audit.models import AuditEvent
from config.aws import aws_client
from tenants.scope import tenant_scope
from tests.conftest import Caller
from tests.factories import with_kms_key
from tests.verification.conftest import photo
from tests.verification.test_mrz import TD1, TD3, _td3_expiring
from verification.models import Document

pytestmark = pytest.mark.usefixtures("fake_credentials", "aws")  # KMS (the sealed text) by moto
VIZ = ["PASSPORT  PASSEPORT", "UTOPIA", "Surname ERIKSSON", "Given names ANNA MARIA", "L898902C3", "12 AUG 1974"]


@pytest.fixture
def stub(caller: Caller) -> Iterator[Stubber]:
    with_kms_key(caller.tenant)
    with Stubber(aws_client("rekognition", caller.tenant.region)) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def _answer(stub: Stubber, lines: list[str]) -> None:
    detections = [
        {"DetectedText": line, "Type": "LINE", "Id": index, "Confidence": 99.0} for index, line in enumerate(lines)
    ]
    stub.add_response("detect_text", {"TextDetections": detections, "TextModelVersion": "3.0"})


def _read(caller: Caller) -> Any:
    image = {"bytes": base64.b64encode(photo("person_a_1")).decode()}
    return caller.client.post("/v1/documents", {"image": image}, format="json")


def _codes(body: dict[str, Any]) -> list[str]:
    return [problem["code"] for problem in body["problems"]]


def test_a_current_passport_page_is_read_with_its_mrz_and_no_problems(caller: Caller, stub: Stubber) -> None:
    line1, line2 = _td3_expiring("311201")
    _answer(stub, [*VIZ, "01 DEC 2031", line1, line2])

    response = _read(caller)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"].startswith("doc_")
    assert (body["valid"], body["problems"]) == (True, [])
    assert body["lines"][-2:] == [line1, line2]
    mrz = body["mrz"]
    assert (mrz["format"], mrz["document_number"], mrz["surname"], mrz["given_names"]) == (
        "TD3",
        "L898902C3",
        "ERIKSSON",
        "ANNA MARIA",
    )
    assert (mrz["birth_date"], mrz["expiry_date"], mrz["expired"]) == ("1974-08-12", "2031-12-01", False)
    assert caller.client.get(f"/v1/documents/{body['id']}").json() == body
    # The database holds ciphertext only (sealed under the tenant's KMS key).
    with tenant_scope(caller.tenant), connection.cursor() as cursor:
        cursor.execute("SELECT * FROM verification_document WHERE public_id = %s", [body["id"]])
        row = " ".join(str(value) for value in cursor.fetchone())
    for personal in ("ERIKSSON", "L898902C3", "1974", "UTOPIA"):
        assert personal not in row


def test_an_expired_document_says_so(caller: Caller, stub: Stubber) -> None:
    _answer(stub, [*VIZ, "15 APR 2012", *TD3])  # the specimen expired in 2012

    body = _read(caller).json()

    assert (_codes(body), body["valid"], body["mrz"]["valid"]) == (["document.expired"], False, True)


def test_a_wrong_check_digit_is_reported_by_field(caller: Caller, stub: Stubber) -> None:
    line1, line2 = _td3_expiring("311201")
    _answer(stub, [line1, line2[:19] + "3" + line2[20:]])  # the birth date's check digit

    body = _read(caller).json()

    assert _codes(body) == ["document.invalid"]
    assert body["problems"][0]["detail"] == "Check digits wrong: birth_date, composite."
    assert body["mrz"]["checks"]["birth_date"] is False
    assert body["mrz"]["checks"]["document_number"] is True


def test_a_printed_page_that_disagrees_with_the_mrz_is_inconsistent(caller: Caller, stub: Stubber) -> None:
    line1, line2 = _td3_expiring("311201")
    printed = [line.replace("ERIKSSON", "ANDERSSON").replace("L898902C3", "L898902C4") for line in VIZ]
    _answer(stub, [*printed, "01 DEC 2031", line1, line2])

    body = _read(caller).json()

    assert _codes(body) == ["document.inconsistent"]
    assert body["problems"][0]["detail"] == "The printed page does not show the MRZ's surname, document_number."
    assert body["mrz"]["valid"] is True  # the zone itself is sound


def test_an_identity_card_is_read_as_td1(caller: Caller, stub: Stubber) -> None:
    _answer(stub, ["IDENTITY CARD", *TD1])

    mrz = _read(caller).json()["mrz"]

    assert (mrz["format"], mrz["document_type"], mrz["document_number"]) == ("TD1", "I", "D23145890")
    assert "optional_data" not in mrz["checks"]


def test_a_page_without_a_zone_says_so(caller: Caller, stub: Stubber) -> None:
    _answer(stub, ["A holiday photo"])

    body = _read(caller).json()

    assert (body["mrz"], _codes(body), body["valid"]) == (None, ["document.no_mrz"], False)


def test_the_audit_log_records_the_document_but_none_of_its_text(caller: Caller, stub: Stubber) -> None:
    line1, line2 = _td3_expiring("311201")
    _answer(stub, [*VIZ, "01 DEC 2031", line1, line2])

    document_id = _read(caller).json()["id"]

    with tenant_scope(caller.tenant):
        records = [event.record for event in AuditEvent.objects.all()]
    stored = json.dumps(records)
    assert document_id in stored
    for personal in ("ERIKSSON", "L898902C3", "1974", "ANNA"):
        assert personal not in stored
    [read] = [record for record in records if record["eventName"] == "ExtractDocumentText"]
    assert read["requestParameters"] == {
        "documentId": document_id,
        "format": "TD3",
        "valid": True,
        "problems": [],
        "lines": len(VIZ) + 3,
    }


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "validation_error"),
        ({"image": {"bytes": "not base64!"}}, "validation_error"),
        ({"image": {"bytes": base64.b64encode(b"GIF89a not a page").decode()}}, "invalid_image_format"),
        ({"image": {"s3_object": {"bucket": "someone-elses", "name": "verity/a.jpg"}}}, "invalid_s3_object"),
        ({"image": {"bytes": "eA=="}, "colour": "blue"}, "unknown_field"),
    ],
)
def test_a_refused_page_calls_no_engine_and_stores_nothing(caller: Caller, body: dict[str, Any], code: str) -> None:
    response = caller.client.post("/v1/documents", body, format="json")

    assert (response.status_code, response.json()["code"]) == (400, code)
    with tenant_scope(caller.tenant):
        assert not Document.objects.exists()


def test_an_unknown_document_is_not_found(caller: Caller) -> None:
    response = caller.client.get("/v1/documents/doc_doesnotexist000000000000")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
