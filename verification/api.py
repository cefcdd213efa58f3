"""Verification API: subjects, their consents, and verifications (registration, authentication, photo update,
identification)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from audit.redaction import HIDE, KEEP, register_action
from config.api.idempotency import IDEMPOTENCY_PARAMETER
from config.api.network import client_ip
from config.api.pagination import page_of
from config.api.parsers import StrictJSONParser
from config.api.serializers import Base64Field, ResourceOutput, S3ObjectInput, StrictInputSerializer
from config.api.views import ApiView
from config.metadata import MAX_METADATA_BYTES
from tenants.authentication import api_key_of
from tenants.scope import scope_database
from verification.erasure_api import DELETE_SUBJECT, SubjectEraseMixin
from verification.images import ImageInput
from verification.models import ConsentMethod, ConsentPurpose, Subject, VerificationStatus, VerificationType
from verification.selectors import (
    MAX_WAIT_SECONDS,
    consent_list,
    subject_get,
    subject_list,
    verification_get,
    verification_list,
    verification_wait,
)
from verification.services import (
    consent_create,
    subject_create,
    subject_sensitive_metadata,
    verification_create,
)

CREATE_SUBJECT = register_action(
    "verification:CreateSubject",
    request={"external_id": KEEP, "metadata": HIDE, "sensitive_metadata": HIDE},
    response={"id": KEEP, "external_id": KEEP},
)
LIST_SUBJECTS = register_action(
    "verification:ListSubjects", request={"external_id": KEEP, "limit": KEEP, "cursor": HIDE}
)
GET_SUBJECT = register_action("verification:GetSubject", request={"subject_id": KEEP})


class SubjectOutput(ResourceOutput):
    id = serializers.CharField(source="public_id")
    external_id = serializers.CharField(allow_null=True)
    metadata = serializers.DictField()
    sensitive_metadata = serializers.SerializerMethodField(
        help_text="Stored encrypted under your tenant's KMS key; decrypted for you here."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field({"type": "object", "additionalProperties": True})
    def get_sensitive_metadata(self, subject: Subject) -> dict[str, Any]:
        if not subject.sensitive_metadata:  # most subjects: no tenant lookup, no KMS
            return {}
        return subject_sensitive_metadata(tenant=subject.tenant, subject=subject)


class SubjectListView(ApiView):
    policy_actions = {"POST": CREATE_SUBJECT, "GET": LIST_SUBJECTS}

    class Input(StrictInputSerializer):
        external_id = serializers.CharField(max_length=255, required=False, allow_null=True, min_length=1)
        metadata = serializers.DictField(required=False, help_text=f"Any JSON object up to {MAX_METADATA_BYTES} bytes.")
        sensitive_metadata = serializers.DictField(
            required=False,
            help_text=f"Like metadata (up to {MAX_METADATA_BYTES} bytes), but stored encrypted under your KMS key.",
        )

    @extend_schema(request=Input, responses={201: SubjectOutput}, parameters=[IDEMPOTENCY_PARAMETER])
    def post(self, request: Request) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        subject = subject_create(tenant=api_key_of(request).tenant, **data.validated_data)
        return Response(SubjectOutput(subject).data, status=status.HTTP_201_CREATED)

    class Filters(serializers.Serializer[Any]):
        external_id = serializers.CharField(
            max_length=255, required=False, help_text="Only the subject with this external id."
        )

    @extend_schema(operation_id="subjects_list", parameters=[Filters], responses={200: page_of(SubjectOutput)})
    def get(self, request: Request) -> Response:
        return self.paginated(subject_list(**self.validated_query(self.Filters, request)), SubjectOutput, request)


class SubjectDetailView(SubjectEraseMixin, ApiView):
    policy_actions = {"GET": GET_SUBJECT, "DELETE": DELETE_SUBJECT}

    @extend_schema(responses={200: SubjectOutput})
    def get(self, request: Request, subject_id: str) -> Response:
        return Response(SubjectOutput(subject_get(public_id=subject_id)).data)


# --- Consents ------------------------------------------------------------------------------------

CREATE_CONSENT = register_action(
    "verification:CreateConsent",
    request={"subject_id": KEEP, "purpose": KEEP, "text_version": KEEP, "method": KEEP, "expires_at": KEEP},
    response={"id": KEEP, "subject_id": KEEP, "purpose": KEEP},
)
LIST_CONSENTS = register_action(
    "verification:ListConsents", request={"subject_id": KEEP, "limit": KEEP, "cursor": HIDE}
)


class ConsentOutput(ResourceOutput):
    id = serializers.CharField(source="public_id")
    subject_id = serializers.CharField(source="subject.public_id")
    purpose = serializers.CharField()
    text_version = serializers.CharField()
    method = serializers.CharField()
    granted_at = serializers.DateTimeField()
    source_ip = serializers.IPAddressField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    reference = serializers.CharField(
        allow_blank=True, help_text="Your reference to your record of the consent, when a batch manifest carried it."
    )
    active = serializers.BooleanField(source="is_active")
    created_at = serializers.DateTimeField()


class SubjectConsentListView(ApiView):
    policy_actions = {"POST": CREATE_CONSENT, "GET": LIST_CONSENTS}

    class Input(StrictInputSerializer):
        purpose = serializers.ChoiceField(choices=ConsentPurpose.choices)
        text_version = serializers.CharField(max_length=64, help_text="The version of the consent text shown.")
        method = serializers.ChoiceField(choices=ConsentMethod.choices)
        expires_at = serializers.DateTimeField(
            required=False, allow_null=True, help_text="In the future; null or absent: until withdrawn."
        )

    @extend_schema(request=Input, responses={201: ConsentOutput}, parameters=[IDEMPOTENCY_PARAMETER])
    def post(self, request: Request, subject_id: str) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        consent = consent_create(
            tenant=api_key_of(request).tenant,
            subject=subject_get(public_id=subject_id),
            source_ip=client_ip(request._request),
            **data.validated_data,
        )
        return Response(ConsentOutput(consent).data, status=status.HTTP_201_CREATED)

    @extend_schema(operation_id="subject_consents_list", responses={200: page_of(ConsentOutput)})
    def get(self, request: Request, subject_id: str) -> Response:
        return self.paginated(consent_list(subject=subject_get(public_id=subject_id)), ConsentOutput, request)


# --- Verifications -------------------------------------------------------------------------------

CREATE_VERIFICATION = register_action(
    "verification:CreateVerification",
    request={
        "type": KEEP,
        "subject_id": KEEP,
        "selfie": HIDE,
        "id_document": HIDE,
        "liveness_session_id": KEEP,
        "document_id": KEEP,
        "wait": KEEP,
    },
    response={"id": KEEP, "type": KEEP, "status": KEEP, "subject_id": KEEP},
)
GET_VERIFICATION = register_action("verification:GetVerification", request={"verification_id": KEEP})
LIST_VERIFICATIONS = register_action(
    "verification:ListVerifications",
    request={"type": KEEP, "status": KEEP, "subject_id": KEEP, "limit": KEEP, "cursor": HIDE},
)


class ReasonOutput(serializers.Serializer[Any]):
    code = serializers.CharField()
    step = serializers.CharField()
    detail = serializers.CharField()


class MatchOutput(serializers.Serializer[Any]):
    subject_id = serializers.CharField()
    similarity = serializers.FloatField()


class StepOutput(serializers.Serializer[Any]):
    name = serializers.CharField()
    status = serializers.CharField()
    reason_code = serializers.CharField(allow_blank=True)
    attempts = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    result = serializers.DictField(
        help_text="A summary of the engine's answer (similarity, matched subject, quality figures); "
        "never image bytes or face vectors."
    )


class VerificationOutput(ResourceOutput):
    id = serializers.CharField(source="public_id")
    type = serializers.ChoiceField(choices=VerificationType.choices)
    status = serializers.ChoiceField(choices=VerificationStatus.choices)
    subject_id = serializers.CharField(source="subject.public_id", allow_null=True, default=None)
    reasons = ReasonOutput(many=True)
    matches = MatchOutput(many=True)
    steps = StepOutput(many=True)
    liveness_session_id = serializers.CharField(allow_blank=True)
    document_id = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class ImageJsonInput(StrictInputSerializer):
    bytes = Base64Field(required=False, help_text="The JPEG or PNG image, base64-encoded.")
    s3_object = S3ObjectInput(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("bytes" in attrs) == ("s3_object" in attrs):
            raise serializers.ValidationError("Give exactly one of bytes and s3_object.", code="one_image_source")
        return attrs


def image_input(value: Any) -> ImageInput | None:
    if value is None:
        return None
    if isinstance(value, dict):
        if "bytes" in value:
            return ImageInput(data=value["bytes"])
        s3 = value["s3_object"]
        return ImageInput(s3_bucket=s3["Bucket"], s3_name=s3["Name"], s3_version=s3.get("Version", ""))
    return ImageInput(data=value.read())


_TYPE_HELP = "registration needs subject_id and id_document; authentication and photo_update need subject_id; "
_TYPE_HELP += "identification takes no subject_id."


class VerificationListView(ApiView):
    policy_actions = {"POST": CREATE_VERIFICATION, "GET": LIST_VERIFICATIONS}
    parser_classes = [StrictJSONParser, MultiPartParser]

    class Input(StrictInputSerializer):
        type = serializers.ChoiceField(choices=VerificationType.choices, help_text=_TYPE_HELP)
        subject_id = serializers.CharField(max_length=32, required=False)
        selfie = ImageJsonInput(required=False, help_text="Required, unless liveness_session_id is given.")
        id_document = ImageJsonInput(required=False)
        liveness_session_id = serializers.CharField(max_length=128, required=False)
        document_id = serializers.CharField(max_length=128, required=False)

    class MultipartInput(StrictInputSerializer):
        type = serializers.ChoiceField(choices=VerificationType.choices, help_text=_TYPE_HELP)
        subject_id = serializers.CharField(max_length=32, required=False)
        selfie = serializers.FileField(
            required=False, help_text="The selfie, a JPEG or PNG file; required unless liveness_session_id is given."
        )
        id_document = serializers.FileField(required=False)
        liveness_session_id = serializers.CharField(max_length=128, required=False)
        document_id = serializers.CharField(max_length=128, required=False)

    class Query(serializers.Serializer[Any]):
        wait = serializers.IntegerField(
            min_value=0,
            max_value=MAX_WAIT_SECONDS,
            required=False,
            help_text="Wait up to this many seconds for the final state (201) instead of answering 202 at once.",
        )

    @extend_schema(
        request={"application/json": Input, "multipart/form-data": MultipartInput},
        parameters=[Query, IDEMPOTENCY_PARAMETER],
        responses={201: VerificationOutput, 202: VerificationOutput},
        description="Errors: see docs/verification.md (consent_required, subject_required, id_document_required, "
        "selfie_required, subject_already_registered, subject_not_registered, liveness.required, liveness.reused, "
        "liveness.subject_mismatch, unexpected_selfie, unexpected_liveness_session, image errors).",
    )
    def post(self, request: Request) -> Response:
        wait = self.validated_query(self.Query, request).get("wait", 0)
        multipart = (request.content_type or "").startswith("multipart/")
        data = (self.MultipartInput if multipart else self.Input)(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        verification = verification_create(
            tenant=api_key_of(request).tenant,
            type=fields.pop("type"),
            selfie=image_input(fields.pop("selfie", None)),
            id_document=image_input(fields.pop("id_document", None)),
            **fields,
        )
        if wait and not transaction.get_connection(scope_database()).in_atomic_block:
            # The worker starts once the verification is committed; inside a transaction that
            # has not committed yet (today's per-request scope), waiting could only time out.
            verification = verification_wait(verification=verification, seconds=wait)
        else:
            verification = verification_get(public_id=verification.public_id)
        final = verification.is_final
        return Response(
            VerificationOutput(verification).data, status=status.HTTP_201_CREATED if final else status.HTTP_202_ACCEPTED
        )

    class Filters(serializers.Serializer[Any]):
        type = serializers.ChoiceField(choices=VerificationType.choices, required=False)
        status = serializers.ChoiceField(choices=VerificationStatus.choices, required=False)
        subject_id = serializers.CharField(max_length=32, required=False)

    @extend_schema(
        operation_id="verifications_list", parameters=[Filters], responses={200: page_of(VerificationOutput)}
    )
    def get(self, request: Request) -> Response:
        filters = self.validated_query(self.Filters, request)
        return self.paginated(verification_list(**filters), VerificationOutput, request)


class VerificationDetailView(ApiView):
    policy_actions = {"GET": GET_VERIFICATION}

    @extend_schema(responses={200: VerificationOutput})
    def get(self, request: Request, verification_id: str) -> Response:
        return Response(VerificationOutput(verification_get(public_id=verification_id)).data)
