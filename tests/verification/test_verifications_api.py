"""Consents and verifications over the API: shapes, every refusal (nothing written, no engine call), lists."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from django.utils import timezone
from PIL import Image

from audit.models import AuditEvent
from config.aws import aws_client
from config.errors import InvalidInput
from tenants.scope import TenantScopeError, tenant_scope
from tenants.storage import TenantStorage
from tests.conftest import Caller
from tests.factories import FaceFactory
from tests.verification.conftest import b64, new_subject, photo
from verification.images import ImageInput
from verification.models import Consent, Subject, Verification, VerificationImage
from verification.services import consent_create, verification_create
from vision.gateway import Gateway

pytestmark = pytest.mark.django_db

CONSENT = {"purpose": "biometric_verification", "text_version": "v1", "method": "checkbox"}


@pytest.fixture
def engine_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every engine call the test makes (none should be made by a request)."""
    calls: list[str] = []

    def call(self: Gateway, operation: str, /, **params: Any) -> dict[str, Any]:
        calls.append(operation)
        raise AssertionError(f"{operation} was called")

    monkeypatch.setattr(Gateway, "call", call)
    return calls


def _written(caller: Caller) -> tuple[int, int, int]:
    with tenant_scope(caller.tenant):
        return Verification.objects.count(), VerificationImage.objects.count(), Consent.objects.count()


def _registered(caller: Caller, subject_id: str) -> None:
    """Give the subject an active face row, as a finished registration leaves it."""
    with tenant_scope(caller.tenant):
        subject = Subject.objects.get(public_id=subject_id)
    FaceFactory(tenant=caller.tenant, subject=subject)


# --- Consents ------------------------------------------------------------------------------------


def test_a_consent_records_its_text_method_time_and_source_address(caller: Caller) -> None:
    subject_id = new_subject(caller, consent=False)
    before = timezone.now()

    created = caller.client.post(
        f"/v1/subjects/{subject_id}/consents", CONSENT, format="json", REMOTE_ADDR="198.51.100.7"
    )

    assert created.status_code == 201
    body = created.json()
    assert body["id"].startswith("con_")
    assert body["subject_id"] == subject_id
    assert (body["purpose"], body["text_version"], body["method"]) == ("biometric_verification", "v1", "checkbox")
    assert body["source_ip"] == "198.51.100.7"
    assert body["active"] is True
    assert body["expires_at"] is None
    assert body["withdrawn_at"] is None
    with tenant_scope(caller.tenant):
        assert Consent.objects.get(public_id=body["id"]).granted_at >= before
    listed = caller.client.get(f"/v1/subjects/{subject_id}/consents").json()
    assert [c["id"] for c in listed["results"]] == [body["id"]]
    assert listed["next"] is None


def test_consents_are_listed_newest_first_in_pages(caller: Caller) -> None:
    subject_id = new_subject(caller, consent=False)
    ids = [
        caller.client.post(f"/v1/subjects/{subject_id}/consents", CONSENT, format="json").json()["id"] for _ in range(3)
    ]

    first = caller.client.get(f"/v1/subjects/{subject_id}/consents?limit=2").json()
    second = caller.client.get(first["next"]).json()

    assert [c["id"] for c in first["results"] + second["results"]] == ids[::-1]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({**CONSENT, "purpose": "marketing"}, "validation_error"),
        ({**CONSENT, "method": "telepathy"}, "validation_error"),
        ({**CONSENT, "expires_at": "2001-01-01T00:00:00Z"}, "invalid_expiry"),
        ({**CONSENT, "source_ip": "10.0.0.1"}, "unknown_field"),
        ({"purpose": "biometric_verification", "method": "checkbox"}, "validation_error"),
    ],
)
def test_a_bad_consent_is_refused_and_writes_nothing(caller: Caller, body: dict[str, Any], code: str) -> None:
    subject_id = new_subject(caller, consent=False)

    response = caller.client.post(f"/v1/subjects/{subject_id}/consents", body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert _written(caller) == (0, 0, 0)


def test_consent_for_a_missing_subject_is_not_found(caller: Caller) -> None:
    response = caller.client.post("/v1/subjects/sub_missing/consents", CONSENT, format="json")
    assert response.status_code == 404
    assert caller.client.get("/v1/subjects/sub_missing/consents").status_code == 404
    assert _written(caller) == (0, 0, 0)


# --- Creating verifications ------------------------------------------------------------------------


def test_a_registration_is_accepted_for_processing_and_its_images_kept_until_then(
    caller: Caller, engine_calls: list[str]
) -> None:
    subject_id = new_subject(caller)

    created = caller.client.post(
        "/v1/verifications",
        {
            "type": "registration",
            "subject_id": subject_id,
            "selfie": b64(photo("person_a_2")),
            "id_document": b64(photo("person_a_1")),
        },
        format="json",
    )

    assert created.status_code == 202
    body = created.json()
    assert body["id"].startswith("ver_")
    assert (body["type"], body["status"], body["subject_id"]) == ("registration", "pending", subject_id)
    assert (body["reasons"], body["matches"], body["steps"]) == ([], [], [])
    assert body["liveness_session_id"] == ""
    assert _written(caller)[:2] == (1, 2)
    assert engine_calls == []
    # The uploads are in the tenant's storage, SSE-KMS under its key; the database holds no image.
    s3 = aws_client("s3", caller.tenant.region)
    with tenant_scope(caller.tenant):
        images = {i.role: i for i in VerificationImage.objects.filter(verification__public_id=body["id"])}
    for role, name in (("selfie", "person_a_2"), ("id_document", "person_a_1")):
        image = images[role]
        assert (image.stored, image.data, image.s3_bucket) == (True, None, caller.tenant.storage_bucket)
        assert image.s3_name == f"{caller.tenant.storage_prefix}verifications/{body['id']}/{role}"
        stored = s3.get_object(Bucket=image.s3_bucket, Key=image.s3_name)
        assert (stored["ServerSideEncryption"], stored["SSEKMSKeyId"]) == ("aws:kms", caller.tenant.kms_key_arn)
        assert stored["Body"].read() == photo(name)


def test_a_selfie_can_be_uploaded_as_a_multipart_file(caller: Caller, engine_calls: list[str]) -> None:
    subject_id = new_subject(caller)
    selfie = io.BytesIO(photo("person_a_1"))
    selfie.name = "selfie.jpg"

    created = caller.client.post(
        "/v1/verifications", {"type": "authentication", "subject_id": subject_id, "selfie": selfie}, format="multipart"
    )

    assert created.status_code == 409  # not registered yet: the multipart body was read and checked
    assert created.json()["code"] == "subject_not_registered"
    _registered(caller, subject_id)
    selfie.seek(0)
    created = caller.client.post(
        "/v1/verifications", {"type": "authentication", "subject_id": subject_id, "selfie": selfie}, format="multipart"
    )
    assert created.status_code == 202, created.content
    with tenant_scope(caller.tenant):
        stored = VerificationImage.objects.get(verification__public_id=created.json()["id"])
    body = aws_client("s3", caller.tenant.region).get_object(Bucket=stored.s3_bucket, Key=stored.s3_name)["Body"]
    assert body.read() == photo("person_a_1")
    assert engine_calls == []


def _selfie(**extra: Any) -> dict[str, Any]:
    return {"selfie": b64(photo("person_a_1")), **extra}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (_selfie(type="authentication", subject_id="{subject}"), 409, "subject_not_registered"),
        (_selfie(type="photo_update", subject_id="{subject}"), 409, "subject_not_registered"),
        (
            _selfie(type="registration", subject_id="{unconsenting}", id_document=b64(photo("person_a_2"))),
            409,
            "consent_required",
        ),
        (_selfie(type="authentication", subject_id="{unconsenting}"), 409, "consent_required"),
        (
            _selfie(type="registration", subject_id="{expired}", id_document=b64(photo("person_a_2"))),
            409,
            "consent_required",
        ),
        (_selfie(type="registration", subject_id="{subject}"), 400, "id_document_required"),
        (
            _selfie(type="authentication", subject_id="{subject}", id_document=b64(photo("person_a_2"))),
            400,
            "unexpected_id_document",
        ),
        (_selfie(type="authentication"), 400, "subject_required"),
        (_selfie(type="identification", subject_id="{subject}"), 400, "unexpected_subject"),
        (_selfie(type="authentication", subject_id="sub_doesnotexist"), 404, "not_found"),
        (_selfie(type="enrolment", subject_id="{subject}"), 400, "validation_error"),
        ({"type": "identification"}, 400, "selfie_required"),
        ({"type": "identification", "selfie": {"bytes": "not base64!"}}, 400, "validation_error"),
        ({"type": "identification", "selfie": {"bytes": 12345}}, 400, "validation_error"),
        ({"type": "identification", "selfie": {}}, 400, "validation_error"),
        (
            {"type": "identification", "selfie": {**b64(b"x"), "s3_object": {"bucket": "b", "name": "n"}}},
            400,
            "validation_error",
        ),
        ({"type": "identification", "selfie": b64(b"GIF89a not a jpeg")}, 400, "invalid_image_format"),
        ({"type": "identification", "selfie": b64(photo("person_a_1")[:2000])}, 400, "image_corrupt"),
        (
            {"type": "identification", "selfie": {"s3_object": {"bucket": "someone-elses", "name": "verity/a.jpg"}}},
            400,
            "invalid_s3_object",
        ),
        (
            {"type": "identification", "selfie": {"s3_object": {"bucket": "{bucket}", "name": "elsewhere/a.jpg"}}},
            400,
            "invalid_s3_object",
        ),
        (_selfie(type="identification", colour="blue"), 400, "unknown_field"),
    ],
)
def test_a_refused_verification_writes_nothing_and_calls_no_engine(
    caller: Caller, engine_calls: list[str], body: dict[str, Any], status: int, code: str
) -> None:
    names = {
        "{subject}": new_subject(caller),
        "{unconsenting}": new_subject(caller, consent=False),
        "{expired}": new_subject(caller, consent=False),
        "{bucket}": caller.tenant.storage_bucket,
    }
    with tenant_scope(caller.tenant):
        Consent.objects.create(
            tenant=caller.tenant,
            subject_id=Subject.objects.get(public_id=names["{expired}"]).pk,
            purpose="biometric_verification",
            text_version="v1",
            method="checkbox",
            granted_at=timezone.now() - timedelta(days=400),
            expires_at=timezone.now() - timedelta(days=1),
        )
    before = _written(caller)
    resolved = {key: names.get(value, value) if isinstance(value, str) else value for key, value in body.items()}
    if "s3_object" in resolved.get("selfie", {}):
        s3 = resolved["selfie"]["s3_object"]
        resolved["selfie"] = {**resolved["selfie"], "s3_object": {k: names.get(v, v) for k, v in s3.items()}}

    response = caller.client.post("/v1/verifications", resolved, format="json")

    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert _written(caller) == before
    assert engine_calls == []


def test_a_registered_subject_cannot_register_again(caller: Caller, engine_calls: list[str]) -> None:
    subject_id = new_subject(caller)
    _registered(caller, subject_id)

    response = caller.client.post(
        "/v1/verifications",
        {**_selfie(type="registration", subject_id=subject_id), "id_document": b64(photo("person_a_2"))},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "subject_already_registered"
    assert _written(caller)[:2] == (0, 0)
    assert engine_calls == []


@pytest.mark.parametrize("wait", ["31", "-1", "soon", ""])
def test_wait_is_at_most_thirty_seconds(caller: Caller, wait: str) -> None:
    response = caller.client.post(f"/v1/verifications?wait={wait}", _selfie(type="identification"), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert _written(caller)[:2] == (0, 0)


def test_wait_inside_an_uncommitted_request_answers_at_once(caller: Caller, engine_calls: list[str]) -> None:
    response = caller.client.post("/v1/verifications?wait=30", _selfie(type="identification"), format="json")
    assert response.status_code == 202
    assert response.json()["status"] == "pending"


# --- Reading verifications -------------------------------------------------------------------------


def test_verifications_are_listed_newest_first_and_filtered(caller: Caller, engine_calls: list[str]) -> None:
    subject_id = new_subject(caller)
    _registered(caller, subject_id)
    auth = caller.client.post("/v1/verifications", _selfie(type="authentication", subject_id=subject_id), format="json")
    ident = caller.client.post("/v1/verifications", _selfie(type="identification"), format="json")
    ids = [auth.json()["id"], ident.json()["id"]]

    def listed(query: str = "") -> list[str]:
        return [v["id"] for v in caller.client.get(f"/v1/verifications{query}").json()["results"]]

    assert listed() == ids[::-1]
    assert listed("?type=authentication") == ids[:1]
    assert listed(f"?subject_id={subject_id}") == ids[:1]
    assert listed("?status=pending") == ids[::-1]
    assert listed("?status=approved") == []
    assert caller.client.get("/v1/verifications?status=done").status_code == 400
    assert caller.client.get(f"/v1/verifications/{ids[0]}").json()["type"] == "authentication"
    assert caller.client.get("/v1/verifications/ver_missing").status_code == 404


# --- Service-level refusals (callers other than the API) ------------------------------------------


@pytest.mark.parametrize(
    ("change", "code"),
    [({"purpose": "marketing"}, "invalid_purpose"), ({"method": "telepathy"}, "invalid_method")],
)
def test_the_consent_service_refuses_what_the_api_would_refuse_and_writes_nothing(
    caller: Caller, change: dict[str, str], code: str
) -> None:
    subject_id = new_subject(caller, consent=False)
    with tenant_scope(caller.tenant), pytest.raises(InvalidInput) as refused:
        consent_create(
            tenant=caller.tenant,
            subject=Subject.objects.get(public_id=subject_id),
            **{"text_version": "v1", "method": "checkbox", **change},
        )
    assert refused.value.code == code
    assert _written(caller) == (0, 0, 0)


def test_the_verification_service_refuses_an_unknown_type_and_writes_nothing(
    caller: Caller, engine_calls: list[str]
) -> None:
    with tenant_scope(caller.tenant), pytest.raises(InvalidInput) as refused:
        verification_create(tenant=caller.tenant, type="enrolment", selfie=ImageInput(data=photo("person_a_1")))
    assert refused.value.code == "invalid_type"
    assert _written(caller) == (0, 0, 0)


def test_a_selfie_under_eighty_pixels_a_side_is_refused(caller: Caller, engine_calls: list[str]) -> None:
    tiny = io.BytesIO()
    Image.new("RGB", (60, 60), (200, 150, 120)).save(tiny, "PNG")
    response = caller.client.post(
        "/v1/verifications", {"type": "identification", "selfie": b64(tiny.getvalue())}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (400, "image_too_small")
    assert _written(caller)[:2] == (0, 0)


def test_services_refuse_to_run_outside_a_tenant_scope(caller: Caller) -> None:
    with pytest.raises(TenantScopeError):
        verification_create(tenant=caller.tenant, type="identification", selfie=ImageInput(data=photo("person_a_1")))


def test_when_one_upload_fails_the_other_is_deleted_and_nothing_is_recorded(
    caller: Caller, engine_calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    subject_id = new_subject(caller)
    put = TenantStorage.put

    def refused_for_documents(self: TenantStorage, name: str, data: Any, **options: Any) -> str:
        if name.endswith("/id_document"):
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "denied"}}, "PutObject")
        return put(self, name, data, **options)

    monkeypatch.setattr(TenantStorage, "put", refused_for_documents)
    before = _written(caller)

    response = caller.client.post(
        "/v1/verifications",
        {
            "type": "registration",
            "subject_id": subject_id,
            "selfie": b64(photo("person_a_2")),
            "id_document": b64(photo("person_a_1")),
        },
        format="json",
    )

    assert (response.status_code, response.json()["code"]) == (503, "upstream_unavailable")
    assert _written(caller) == before
    assert engine_calls == []
    listed = aws_client("s3", caller.tenant.region).list_objects_v2(
        Bucket=caller.tenant.storage_bucket, Prefix=f"{caller.tenant.storage_prefix}verifications/"
    )
    assert listed.get("Contents", []) == []
    with tenant_scope(caller.tenant):
        calls = [
            (
                event.event_name,
                event.record["requestParameters"]["Key"].rsplit("/", 1)[1],
                event.record.get("errorCode"),
            )
            for event in AuditEvent.objects.filter(event_source="s3.amazonaws.com").order_by("pk")
        ]
    assert sorted(calls[:2], key=str) == [("PutObject", "id_document", "AccessDenied"), ("PutObject", "selfie", None)]
    assert calls[2:] == [("DeleteObject", "selfie", None)]
