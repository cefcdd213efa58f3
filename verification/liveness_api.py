"""Face Liveness sessions over the API.

POST /v1/liveness-sessions        verification:CreateLivenessSession   201 {id, session_id, expires_at, status}
GET  /v1/liveness-sessions/{id}   verification:GetLivenessSession      its result and whether it passes

The user's device completes the session with the ``session_id`` (AWS Amplify's
FaceLivenessDetector); a registration then names the session's ``id`` as ``liveness_session_id``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from audit.redaction import KEEP, register_action
from config.api.idempotency import IDEMPOTENCY_PARAMETER
from config.api.serializers import ResourceOutput, StrictInputSerializer
from config.api.views import ApiView
from tenants.authentication import api_key_of
from verification.liveness import liveness_session_create, liveness_session_refresh
from verification.models import LivenessSession, LivenessStatus
from verification.selectors import liveness_session_get, verification_settings

_SESSION_SPEC = {
    "id": KEEP,
    "session_id": KEEP,
    "status": KEEP,
    "confidence": KEEP,
    "passed": KEEP,
    "expires_at": KEEP,
    "verification_id": KEEP,
    "subject_id": KEEP,
    "created_at": KEEP,
}
CREATE_LIVENESS_SESSION = register_action(
    "verification:CreateLivenessSession", request={"subject_id": KEEP}, response=_SESSION_SPEC
)
GET_LIVENESS_SESSION = register_action(
    "verification:GetLivenessSession", request={"liveness_session_id": KEEP}, response=_SESSION_SPEC
)


class LivenessSessionOutput(ResourceOutput):
    id = serializers.CharField(source="public_id")
    session_id = serializers.CharField(help_text="Rekognition's SessionId, for the user's device (Amplify).")
    status = serializers.ChoiceField(choices=LivenessStatus.choices)
    confidence = serializers.FloatField(
        allow_null=True, help_text="Rekognition's confidence that a live person was present."
    )
    passed = serializers.SerializerMethodField(
        help_text="SUCCEEDED with a confidence at or above the tenant's liveness threshold."
    )
    expires_at = serializers.DateTimeField(help_text="A session not completed by then expires (three minutes).")
    verification_id = serializers.SerializerMethodField(help_text="The registration that used it; null until then.")
    subject_id = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_passed(self, session: LivenessSession) -> bool:
        threshold = self.context.get("threshold", 100.0)
        return bool(
            session.status == LivenessStatus.SUCCEEDED
            and session.confidence is not None
            and session.confidence >= threshold
        )

    def get_verification_id(self, session: LivenessSession) -> str | None:
        return session.consumed_by.public_id if session.consumed_by is not None else None

    def get_subject_id(self, session: LivenessSession) -> str | None:
        return session.subject.public_id if session.subject is not None else None


def _output(session: LivenessSession) -> dict[str, Any]:
    return LivenessSessionOutput(session, context={"threshold": verification_settings().liveness_threshold}).data


class LivenessSessionListView(ApiView):
    policy_actions = {"POST": CREATE_LIVENESS_SESSION}

    class Input(StrictInputSerializer):
        subject_id = serializers.CharField(
            max_length=32, required=False, help_text="The subject it is for: then it needs an active consent."
        )

    @extend_schema(
        operation_id="liveness_sessions_create",
        request=Input,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: LivenessSessionOutput},
        description="Create a Face Liveness session (CreateFaceLivenessSession, with your KMS key; the reference "
        "image goes to your bucket). Errors: 404 not_found (subject), subject_erased; 409 consent_required; "
        "429 rate_limited; 502/503 engine errors.",
    )
    def post(self, request: Request) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        session = liveness_session_create(
            tenant=api_key_of(request).tenant, subject_id=data.validated_data.get("subject_id")
        )
        return Response(_output(session), status=status.HTTP_201_CREATED)


class LivenessSessionDetailView(ApiView):
    policy_actions = {"GET": GET_LIVENESS_SESSION}

    @extend_schema(
        operation_id="liveness_sessions_get",
        responses={200: LivenessSessionOutput},
        description="The session's result (GetFaceLivenessSessionResults until it is final). Errors: 404 not_found.",
    )
    def get(self, request: Request, liveness_session_id: str) -> Response:
        session = liveness_session_refresh(
            tenant=api_key_of(request).tenant, session=liveness_session_get(public_id=liveness_session_id)
        )
        return Response(_output(session))
