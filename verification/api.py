"""Subjects API: create, fetch by id, list (optionally by external_id)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from audit.redaction import HIDE, KEEP, register_action
from config.api.pagination import page_of
from config.api.serializers import StrictInputSerializer
from config.api.views import IDEMPOTENCY_PARAMETER, ApiView
from config.metadata import MAX_METADATA_BYTES
from tenants.authentication import api_key_of
from verification.selectors import subject_get, subject_list
from verification.services import subject_create

CREATE_SUBJECT = register_action(
    "verification:CreateSubject",
    request={"external_id": KEEP, "metadata": HIDE},
    response={"id": KEEP, "external_id": KEEP},
)
LIST_SUBJECTS = register_action(
    "verification:ListSubjects", request={"external_id": KEEP, "limit": KEEP, "cursor": HIDE}
)
GET_SUBJECT = register_action("verification:GetSubject", request={"subject_id": KEEP})


class SubjectOutput(serializers.Serializer[Any]):
    id = serializers.CharField(source="public_id")
    external_id = serializers.CharField(allow_null=True)
    metadata = serializers.DictField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class SubjectListView(ApiView):
    policy_actions = {"POST": CREATE_SUBJECT, "GET": LIST_SUBJECTS}

    class Input(StrictInputSerializer):
        external_id = serializers.CharField(max_length=255, required=False, allow_null=True, min_length=1)
        metadata = serializers.DictField(required=False, help_text=f"Any JSON object up to {MAX_METADATA_BYTES} bytes.")

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


class SubjectDetailView(ApiView):
    policy_actions = {"GET": GET_SUBJECT}

    @extend_schema(responses={200: SubjectOutput})
    def get(self, request: Request, subject_id: str) -> Response:
        return Response(SubjectOutput(subject_get(public_id=subject_id)).data)
