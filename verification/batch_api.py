"""Batch index jobs over the API: load a manifest of existing customers, follow the job, read its failures.

POST /v1/batch-index-jobs                    verification:CreateBatchIndexJob   202 job_…
GET  /v1/batch-index-jobs                    verification:ListBatchIndexJobs
GET  /v1/batch-index-jobs/{id}               verification:GetBatchIndexJob      status and progress counts
GET  /v1/batch-index-jobs/{id}/items         verification:ListBatchIndexItems   per item, ?status=failed
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from audit.redaction import HIDE, KEEP, register_action
from config.api.idempotency import IDEMPOTENCY_PARAMETER
from config.api.network import client_ip
from config.api.pagination import CursorPagination, page_of
from config.api.serializers import ResourceOutput, S3ObjectInput, StrictInputSerializer
from config.api.views import ApiView
from tenants.authentication import api_key_of
from verification.batch import batch_index_job_create, batch_job_counts
from verification.batch.manifest import FORMATS, MAX_MANIFEST_BYTES, MAX_MANIFEST_ITEMS
from verification.models import BatchIndexJob, BatchItemStatus, BatchJobStatus, ConsentMethod
from verification.selectors import batch_item_list, batch_job_get, batch_job_list

_JOB_SPEC = {"id": KEEP, "status": KEEP, "counts": KEEP}
CREATE_BATCH_INDEX_JOB = register_action(
    "verification:CreateBatchIndexJob",
    request={"manifest": KEEP, "format": KEEP, "consent": KEEP},
    response=_JOB_SPEC,
)
GET_BATCH_INDEX_JOB = register_action("verification:GetBatchIndexJob", request={"job_id": KEEP}, response=_JOB_SPEC)
LIST_BATCH_INDEX_JOBS = register_action(
    "verification:ListBatchIndexJobs", request={"status": KEEP, "limit": KEEP, "cursor": HIDE}
)
LIST_BATCH_INDEX_ITEMS = register_action(
    "verification:ListBatchIndexItems",
    request={"job_id": KEEP, "status": KEEP, "flagged": KEEP, "limit": KEEP, "cursor": HIDE},
)


class ManifestOutput(serializers.Serializer[Any]):
    bucket = serializers.CharField(source="manifest_bucket")
    name = serializers.CharField(source="manifest_name")
    version = serializers.CharField(source="manifest_version", allow_blank=True)


class CountsOutput(serializers.Serializer[Any]):
    total = serializers.IntegerField(help_text="Lines of the manifest (blank lines and a CSV header aside).")
    pending = serializers.IntegerField()
    indexing = serializers.IntegerField(help_text="Claimed by a worker; an IndexFaces call may be in flight.")
    indexed = serializers.IntegerField()
    failed = serializers.IntegerField(help_text="See the items with ?status=failed for each one's code.")
    adopted = serializers.IntegerField(
        help_text="Indexed items whose face an interrupted attempt had indexed: adopted, not indexed twice."
    )
    flagged = serializers.IntegerField(help_text="Indexed items whose face matches another subject's.")


class ErrorOutput(serializers.Serializer[Any]):
    code = serializers.CharField()
    detail = serializers.CharField()


class BatchIndexJobOutput(ResourceOutput):
    id = serializers.CharField(source="public_id")
    status = serializers.ChoiceField(choices=BatchJobStatus.choices)
    manifest = ManifestOutput(source="*")
    format = serializers.CharField(source="manifest_format", allow_blank=True)
    counts = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField(help_text="Why the whole job failed (its manifest); else null.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(CountsOutput)
    def get_counts(self, job: BatchIndexJob) -> dict[str, int]:
        return batch_job_counts(job=job)

    @extend_schema_field(ErrorOutput(allow_null=True))
    def get_error(self, job: BatchIndexJob) -> dict[str, str] | None:
        return {"code": job.error_code, "detail": job.error_detail} if job.error_code else None


class DuplicateOutput(serializers.Serializer[Any]):
    subject_id = serializers.CharField()
    similarity = serializers.FloatField()


class BatchIndexItemOutput(ResourceOutput):
    line = serializers.IntegerField(help_text="The manifest's line number, from 1.")
    external_id = serializers.CharField(allow_blank=True)
    s3_key = serializers.CharField(source="s3_name", allow_blank=True)
    status = serializers.ChoiceField(choices=BatchItemStatus.choices)
    subject_id = serializers.CharField(source="subject.public_id", allow_null=True, default=None)
    face_id = serializers.CharField(source="face.face_id", allow_null=True, default=None)
    adopted = serializers.BooleanField()
    error_code = serializers.CharField(allow_blank=True)
    error_detail = serializers.CharField(allow_blank=True)
    duplicates = DuplicateOutput(many=True, help_text="Other subjects whose face matches this one's (flags only).")


class ConsentTermsInput(StrictInputSerializer):
    text_version = serializers.CharField(max_length=64, help_text="The version of the consent text the people saw.")
    method = serializers.ChoiceField(choices=ConsentMethod.choices)


_CREATE_HELP = (
    "Index the faces of a manifest stored in your tenant's storage: CSV or JSON lines of "
    "`external_id, s3_key[, consent_reference]` (at most "
    f"{MAX_MANIFEST_BYTES // (1024 * 1024)} MiB and {MAX_MANIFEST_ITEMS} lines). Answers 202 with the job; "
    "poll GET /v1/batch-index-jobs/{id}. A line whose subject has no active consent needs a "
    "consent_reference and the job's `consent` terms, or it fails `consent_required` without any engine call. "
    "Errors: 400 validation_error, unknown_field, invalid_s3_object (outside your bucket or prefix). "
    "Per-item and job failure codes: docs/verification.md."
)


class BatchIndexJobListView(ApiView):
    policy_actions = {"POST": CREATE_BATCH_INDEX_JOB, "GET": LIST_BATCH_INDEX_JOBS}

    class Input(StrictInputSerializer):
        manifest = S3ObjectInput(help_text="The manifest, an object in your bucket under your storage prefix.")
        format = serializers.ChoiceField(
            choices=FORMATS, required=False, help_text="csv or jsonl; by default told from the first line."
        )
        consent = ConsentTermsInput(
            required=False,
            help_text="The terms of the consents the lines' consent_reference values stand for; each line "
            "with a reference gives its subject a consent on these terms, if it has no active one.",
        )

    @extend_schema(
        operation_id="batch_index_jobs_create",
        request=Input,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={202: BatchIndexJobOutput},
        description=_CREATE_HELP,
    )
    def post(self, request: Request) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        job = batch_index_job_create(
            tenant=api_key_of(request).tenant,
            manifest=fields["manifest"],
            manifest_format=fields.get("format", ""),
            consent=fields.get("consent"),
            source_ip=client_ip(request._request),
        )
        return Response(BatchIndexJobOutput(job).data, status=status.HTTP_202_ACCEPTED)

    class Filters(serializers.Serializer[Any]):
        status = serializers.ChoiceField(choices=BatchJobStatus.choices, required=False)

    @extend_schema(
        operation_id="batch_index_jobs_list", parameters=[Filters], responses={200: page_of(BatchIndexJobOutput)}
    )
    def get(self, request: Request) -> Response:
        jobs = batch_job_list(**self.validated_query(self.Filters, request))
        return self.paginated(jobs, BatchIndexJobOutput, request)


class BatchIndexJobDetailView(ApiView):
    policy_actions = {"GET": GET_BATCH_INDEX_JOB}

    @extend_schema(operation_id="batch_index_jobs_get", responses={200: BatchIndexJobOutput})
    def get(self, request: Request, job_id: str) -> Response:
        return Response(BatchIndexJobOutput(batch_job_get(public_id=job_id)).data)


class _ByLine(CursorPagination):
    ordering = "line"


class BatchIndexItemListView(ApiView):
    policy_actions = {"GET": LIST_BATCH_INDEX_ITEMS}

    class Filters(serializers.Serializer[Any]):
        status = serializers.ChoiceField(choices=BatchItemStatus.choices, required=False)
        flagged = serializers.BooleanField(
            required=False, allow_null=True, default=None, help_text="Only items the duplicate pass flagged (or not)."
        )

    @extend_schema(
        operation_id="batch_index_items_list", parameters=[Filters], responses={200: page_of(BatchIndexItemOutput)}
    )
    def get(self, request: Request, job_id: str) -> Response:
        job = batch_job_get(public_id=job_id)
        items = batch_item_list(job=job, **self.validated_query(self.Filters, request))
        return self.paginated(items, BatchIndexItemOutput, request, paginator=_ByLine())
