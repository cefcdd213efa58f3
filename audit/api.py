"""Audit API: look up the tenant's CloudTrail records, export them, and fetch the signing keys.

GET  /v1/audit/events               audit:LookupEvents   filters + cursor pagination
GET  /v1/audit/events/{eventID}     audit:LookupEvents
POST /v1/audit/exports              audit:ExportEvents   202, then poll the export
GET  /v1/audit/exports/{id}         audit:ExportEvents   status and, when done, a download link
GET  /v1/audit/public-keys          audit:ListPublicKeys the digest keys, as public-keys.json
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from audit.digests import public_keys
from audit.exports import EXPORT_FAILED_CODE, EXPORT_FAILED_MESSAGE, export_request
from audit.identity import api_key_identity
from audit.models import AuditEvent, AuditExport, ExportDestination, ExportFormat, ExportStatus
from audit.redaction import HIDE, KEEP, Spec, register_action
from audit.selectors import Outcome, event_get, event_list, export_download_link, export_get
from config.api.idempotency import IDEMPOTENCY_PARAMETER
from config.api.pagination import CursorPagination, page_of
from config.api.serializers import ResourceOutput, StrictInputSerializer
from config.api.views import ApiView
from tenants.authentication import api_key_of

EVENT_FILTERS: dict[str, Spec] = {
    "start_time": KEEP,
    "end_time": KEEP,
    "event_name": KEEP,
    "event_source": KEEP,
    "principal": KEEP,
    "access_key_id": KEEP,
    "outcome": KEEP,
    "request_id": KEEP,
    "read_only": KEEP,
}
LOOKUP_EVENTS = register_action(
    "audit:LookupEvents", request={**EVENT_FILTERS, "event_id": KEEP, "limit": KEEP, "cursor": HIDE}
)
# The export service records the same event when the export finishes (the details).
EXPORT_EVENTS = register_action(
    "audit:ExportEvents",
    request={"export_id": KEEP, "start_time": KEEP, "end_time": KEEP, "format": KEEP, "filters": EVENT_FILTERS},
    response={"id": KEEP, "status": KEEP},
    details={
        "exportId": KEEP,
        "startTime": KEEP,
        "endTime": KEEP,
        "format": KEEP,
        "destination": KEEP,
        "recordCount": KEEP,
        "fileCount": KEEP,
        "filtered": KEEP,
    },
)
LIST_PUBLIC_KEYS = register_action("audit:ListPublicKeys")  # no parameters to keep


class EventPagination(CursorPagination):
    # The id breaks ties between events of the same microsecond (DRF takes a list).
    ordering = ("-event_time", "-id")  # type: ignore[assignment]


class EventOutput(serializers.Serializer[Any]):
    """A CloudTrail record, exactly as stored and exported (no livemode: a test key's records are its twin's)."""

    eventVersion = serializers.CharField()
    userIdentity = serializers.DictField()
    eventTime = serializers.CharField(help_text="UTC, YYYY-MM-DDTHH:MM:SSZ")
    eventSource = serializers.CharField()
    eventName = serializers.CharField()
    awsRegion = serializers.CharField()
    sourceIPAddress = serializers.CharField(allow_null=True)
    userAgent = serializers.CharField(allow_null=True)
    requestParameters = serializers.DictField(allow_null=True)
    responseElements = serializers.DictField(allow_null=True)
    errorCode = serializers.CharField(required=False, help_text="Only on failed calls.")
    errorMessage = serializers.CharField(required=False, allow_null=True, help_text="Only on failed calls.")
    requestID = serializers.CharField(allow_null=True)
    eventID = serializers.UUIDField()
    readOnly = serializers.BooleanField()
    resources = serializers.ListField(child=serializers.DictField())
    eventType = serializers.CharField()
    managementEvent = serializers.BooleanField()
    eventCategory = serializers.CharField()
    recipientAccountId = serializers.CharField()

    def to_representation(self, instance: AuditEvent) -> dict[str, Any]:
        return dict(instance.record)


class EventFilters(serializers.Serializer[Any]):
    event_name = serializers.CharField(max_length=128, required=False)
    event_source = serializers.CharField(max_length=128, required=False)
    principal = serializers.CharField(
        max_length=256, required=False, help_text="userIdentity.principalId, e.g. an API key's prefix."
    )
    outcome = serializers.ChoiceField(choices=Outcome.CHOICES, required=False)
    request_id = serializers.CharField(max_length=128, required=False)

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        # Added here, not declared: a class attribute named read_only would shadow Field.read_only.
        fields["read_only"] = serializers.BooleanField(
            required=False, allow_null=True, default=None, help_text="true: only reads; false: only writes."
        )
        return fields


class EventListView(ApiView):
    policy_actions = {"GET": LOOKUP_EVENTS}

    class Filters(EventFilters):
        start_time = serializers.DateTimeField(required=False, help_text="Inclusive.")
        end_time = serializers.DateTimeField(required=False, help_text="Exclusive.")

    @extend_schema(operation_id="audit_events_list", parameters=[Filters], responses={200: page_of(EventOutput)})
    def get(self, request: Request) -> Response:
        events = event_list(**self.validated_query(self.Filters, request))
        return self.paginated(events, EventOutput, request, EventPagination())


class EventDetailView(ApiView):
    policy_actions = {"GET": LOOKUP_EVENTS}

    @extend_schema(responses={200: EventOutput})
    def get(self, request: Request, event_id: str) -> Response:
        return Response(EventOutput(event_get(event_id=event_id)).data)


class ExportOutput(ResourceOutput):
    id = serializers.CharField(source="public_id")
    status = serializers.CharField()
    format = serializers.CharField()
    start_time = serializers.DateTimeField()
    end_time = serializers.DateTimeField()
    filters = serializers.DictField()
    record_count = serializers.IntegerField(allow_null=True)
    file_count = serializers.IntegerField(allow_null=True)
    error = serializers.SerializerMethodField(help_text="When failed: what went wrong, in general terms.")
    error_code = serializers.SerializerMethodField(help_text="When failed: `export_failed`; otherwise empty.")
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    download_url = serializers.SerializerMethodField(
        help_text="When completed: a link valid for an hour to a .tar (CloudTrail layout) or .csv file."
    )

    def get_error(self, export: AuditExport) -> str:
        return EXPORT_FAILED_MESSAGE if export.status == ExportStatus.FAILED else ""

    def get_error_code(self, export: AuditExport) -> str:
        return EXPORT_FAILED_CODE if export.status == ExportStatus.FAILED else ""

    def get_download_url(self, export: AuditExport) -> str | None:
        return export_download_link(export)


class ExportListView(ApiView):
    policy_actions = {"POST": EXPORT_EVENTS}

    @extend_schema_serializer(component_name="ExportInput")
    class Input(StrictInputSerializer):
        class Filters(EventFilters, StrictInputSerializer):
            pass

        start_time = serializers.DateTimeField(help_text="A whole UTC hour, inclusive.")
        end_time = serializers.DateTimeField(help_text="A whole UTC hour, exclusive; at most 366 days later.")
        format = serializers.ChoiceField(choices=ExportFormat.choices, default=ExportFormat.CLOUDTRAIL)
        filters = Filters(required=False)

    @extend_schema(request=Input, responses={202: ExportOutput}, parameters=[IDEMPOTENCY_PARAMETER])
    def post(self, request: Request) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        api_key = api_key_of(request)
        filters = {
            name: value for name, value in (data.validated_data.get("filters") or {}).items() if value is not None
        }
        export = export_request(
            tenant=api_key.tenant,
            start_time=data.validated_data["start_time"],
            end_time=data.validated_data["end_time"],
            export_format=data.validated_data["format"],
            destination=ExportDestination.BUNDLE,
            requested_by=api_key_identity(api_key),
            filters=filters,
        )
        location = request.build_absolute_uri(reverse("audit-export-detail", args=[export.public_id]))
        return Response(ExportOutput(export).data, status=status.HTTP_202_ACCEPTED, headers={"Location": location})


class ExportDetailView(ApiView):
    policy_actions = {"GET": EXPORT_EVENTS}

    @extend_schema(responses={200: ExportOutput})
    def get(self, request: Request, export_id: str) -> Response:
        return Response(ExportOutput(export_get(public_id=export_id)).data)


class PublicKeyOutput(serializers.Serializer[Any]):
    Fingerprint = serializers.CharField(help_text="Hex MD5 of the PKCS#1 DER public key.")
    Value = serializers.CharField(help_text="Base64 PKCS#1 DER RSA public key.")
    ValidityStartTime = serializers.CharField()
    ValidityEndTime = serializers.CharField(allow_null=True)


class PublicKeysView(ApiView):
    policy_actions = {"GET": LIST_PUBLIC_KEYS}

    @extend_schema(responses={200: PublicKeyOutput(many=True)})
    def get(self, request: Request) -> Response:
        return Response([key.to_json() for key in public_keys()])
