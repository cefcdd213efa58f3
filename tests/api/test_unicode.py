"""Text that is not Unicode (unpaired surrogates) is refused as a 400 and can never stop a request's audit record."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from audit.models import AuditEvent
from audit.recording import record_api_request
from tenants.scope import tenant_scope
from tests.conftest import Caller
from verification.models import Subject

pytestmark = pytest.mark.django_db


def _events(caller: Caller, name: str) -> list[dict]:
    with tenant_scope(caller.tenant):
        return [dict(e.record) for e in AuditEvent.objects.filter(tenant=caller.tenant, event_name=name)]


@pytest.mark.parametrize(
    "body",
    [
        '{"external_id": "\\ud800"}',
        '{"external_id": "x", "metadata": {"note": "\\udfff tail"}}',
        '{"metadata": {"\\udc00": 1}}',
        '{"external_id": "ok", "metadata": {"list": ["fine", "\\ud83d"]}}',
    ],
)
def test_a_lone_surrogate_in_the_body_is_a_400_problem_and_is_audited(caller: Caller, body: str) -> None:
    response = caller.client.post("/v1/subjects", body, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_unicode"
    with tenant_scope(caller.tenant):
        assert not Subject.objects.exists()
    (event,) = _events(caller, "CreateSubject")
    assert event["errorCode"] == "invalid_unicode"


def test_a_surrogate_pair_is_ordinary_text(caller: Caller) -> None:
    response = caller.client.post("/v1/subjects", '{"external_id": "\\ud83d\\ude00"}', content_type="application/json")
    assert response.status_code == 201
    assert response.json()["external_id"] == "\U0001f600"


def test_the_audit_writer_records_text_that_utf8_cannot_encode(caller: Caller) -> None:
    request = RequestFactory().post("/v1/subjects", HTTP_USER_AGENT="agent\udcff", REMOTE_ADDR="192.0.2.1")
    request.api_key = caller.api_key  # type: ignore[attr-defined]
    recorded = record_api_request(
        request=request,
        action="verification:CreateSubject",
        status_code=400,
        error_code="bad\ud800code",
        error_message="detail \udfff",
        request_parameters={"external_id": "a\ud800b"},
    )
    (event,) = _events(caller, "CreateSubject")
    assert event == recorded.record
    assert event["requestParameters"] == {"external_id": "a\ufffdb"}
    assert event["userAgent"] == "agent\ufffd"
    assert event["errorMessage"] == "detail \ufffd"
