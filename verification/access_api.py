"""Data-subject access (GDPR Art. 15): everything Verity holds about one person, as one JSON document.

GET /v1/subjects/{id}/export    verification:ExportSubject

The subject, its consents, its verifications with their steps, the documents read for them (lines
and MRZ), its faces (ids, collections, statuses — never vectors), and its images kept in the
tenant's storage as presigned links valid for ``LINK_SECONDS``. The audit log records the export
(ids only), like any request.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from audit.redaction import KEEP, register_action
from audit.storage import download_link
from config.api.views import ApiView
from tenants.authentication import api_key_of
from verification.api import ConsentOutput, SubjectOutput, VerificationOutput
from verification.documents import document_open
from verification.documents_api import DocumentOutput
from verification.selectors import consent_list, stored_objects, subject_documents, subject_get, verification_list

EXPORT_SUBJECT = register_action("verification:ExportSubject", request={"subject_id": KEEP}, response={})
LINK_SECONDS = 900


class FaceOutput(serializers.Serializer[Any]):
    face_id = serializers.CharField()
    collection_id = serializers.CharField(source="collection.collection_id")
    status = serializers.CharField()
    face_model_version = serializers.CharField()
    created_at = serializers.DateTimeField()
    retired_at = serializers.DateTimeField(allow_null=True)
    deleted_at = serializers.DateTimeField(allow_null=True)


class StoredObjectOutput(serializers.Serializer[Any]):
    bucket = serializers.CharField()
    key = serializers.CharField()
    url = serializers.URLField(help_text=f"A presigned GET, valid for {LINK_SECONDS // 60} minutes.")


class SubjectExportOutput(serializers.Serializer[Any]):
    exported_at = serializers.DateTimeField()
    subject = SubjectOutput()
    consents = ConsentOutput(many=True)
    verifications = VerificationOutput(many=True)
    documents = DocumentOutput(many=True)
    faces = FaceOutput(many=True)
    stored_objects = StoredObjectOutput(many=True)


class SubjectExportView(ApiView):
    policy_actions = {"GET": EXPORT_SUBJECT}

    @extend_schema(operation_id="subject_export", responses={200: SubjectExportOutput})
    def get(self, request: Request, subject_id: str) -> Response:
        tenant = api_key_of(request).tenant
        subject = subject_get(public_id=subject_id)
        objects = stored_objects(tenant, [subject]).get(subject.pk, [])
        document = {
            "exported_at": timezone.now(),
            "subject": subject,
            "consents": consent_list(subject=subject).order_by("granted_at"),
            "verifications": verification_list(subject_id=subject.public_id).order_by("created_at"),
            "documents": [document_open(tenant=tenant, document=d) for d in subject_documents(subject)],
            "faces": subject.faces.select_related("collection").order_by("created_at"),
            "stored_objects": [
                {
                    "bucket": bucket,
                    "key": key,
                    "url": download_link(tenant=tenant, bucket=bucket, key=key, expires_in=LINK_SECONDS),
                }
                for bucket, key, _ in objects
            ],
        }
        return Response(SubjectExportOutput(document).data)
