"""ID documents over the API: read a page's text and MRZ.

POST /v1/documents           verification:ReadDocument   201 with the lines, the MRZ and its problems
GET  /v1/documents/{id}      verification:GetDocument

The lines and the MRZ are personal data: they are returned to the caller and kept for the
tenant, and the audit log records neither (only the document id and whether it is valid).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from audit.redaction import HIDE, KEEP, register_action
from config.api.idempotency import IDEMPOTENCY_PARAMETER
from config.api.parsers import StrictJSONParser
from config.api.serializers import ResourceOutput, StrictInputSerializer
from config.api.views import ApiView
from tenants.authentication import api_key_of
from verification.api import ImageJsonInput, image_input
from verification.documents import document_open, document_read
from verification.models import Document
from verification.selectors import document_get

_DOCUMENT_SPEC = {"id": KEEP, "valid": KEEP, "lines": HIDE, "mrz": HIDE, "problems": HIDE, "created_at": KEEP}
READ_DOCUMENT = register_action("verification:ReadDocument", request={"image": HIDE}, response=_DOCUMENT_SPEC)
GET_DOCUMENT = register_action("verification:GetDocument", request={"document_id": KEEP}, response=_DOCUMENT_SPEC)


class MrzChecksOutput(serializers.Serializer[Any]):
    document_number = serializers.BooleanField()
    birth_date = serializers.BooleanField()
    expiry_date = serializers.BooleanField()
    optional_data = serializers.BooleanField(required=False, help_text="TD3 only.")
    composite = serializers.BooleanField()


class MrzOutput(serializers.Serializer[Any]):
    format = serializers.ChoiceField(choices=["TD1", "TD3"])
    document_type = serializers.CharField()
    issuing_state = serializers.CharField()
    document_number = serializers.CharField()
    surname = serializers.CharField()
    given_names = serializers.CharField()
    nationality = serializers.CharField()
    birth_date = serializers.DateField(allow_null=True)
    expiry_date = serializers.DateField(allow_null=True)
    sex = serializers.ChoiceField(choices=["M", "F", "X"])
    optional_data = serializers.CharField()
    checks = MrzChecksOutput()
    valid = serializers.BooleanField(help_text="Every check digit right and both dates real.")
    expired = serializers.BooleanField()


class ProblemOutput(serializers.Serializer[Any]):
    code = serializers.ChoiceField(
        choices=["document.no_mrz", "document.invalid", "document.expired", "document.inconsistent"]
    )
    detail = serializers.CharField()


class DocumentOutput(ResourceOutput):
    id = serializers.CharField(source="public_id")
    valid = serializers.SerializerMethodField(help_text="An MRZ was read, is valid, unexpired and matches the page.")
    lines = serializers.ListField(child=serializers.CharField(), help_text="The page's lines of text, top first.")
    mrz = MrzOutput(allow_null=True)
    problems = ProblemOutput(many=True)
    created_at = serializers.DateTimeField()

    def get_valid(self, document: Document) -> bool:
        return document.mrz is not None and not document.problems


class DocumentListView(ApiView):
    policy_actions = {"POST": READ_DOCUMENT}
    parser_classes = [StrictJSONParser, MultiPartParser]

    class Input(StrictInputSerializer):
        image = ImageJsonInput(help_text="The document page: base64 bytes or an object in your tenant's bucket.")

    class MultipartInput(StrictInputSerializer):
        image = serializers.FileField(help_text="The document page, a JPEG or PNG file.")

    @extend_schema(
        operation_id="documents_read",
        request={"application/json": Input, "multipart/form-data": MultipartInput},
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: DocumentOutput},
        description="Read an ID document page (DetectText) and its ICAO 9303 MRZ. A page with problems is still "
        "201: see `problems` (document.no_mrz, document.invalid, document.expired, document.inconsistent). "
        "Errors: 400 image errors (invalid_image_format, image_too_large, image_too_small, image_corrupt, "
        "invalid_s3_object), validation_error, unknown_field; 429 rate_limited; 502/503 engine errors.",
    )
    def post(self, request: Request) -> Response:
        multipart = (request.content_type or "").startswith("multipart/")
        data = (self.MultipartInput if multipart else self.Input)(data=request.data)
        data.is_valid(raise_exception=True)
        image = image_input(data.validated_data["image"])
        assert image is not None  # the field is required
        document = document_read(tenant=api_key_of(request).tenant, image=image)
        return Response(DocumentOutput(document).data, status=status.HTTP_201_CREATED)


class DocumentDetailView(ApiView):
    policy_actions = {"GET": GET_DOCUMENT}

    @extend_schema(operation_id="documents_get", responses={200: DocumentOutput})
    def get(self, request: Request, document_id: str) -> Response:
        document = document_open(tenant=api_key_of(request).tenant, document=document_get(public_id=document_id))
        return Response(DocumentOutput(document).data)
