"""Moderation API: the tenant's policy, image and video moderation results.

GET  /v1/moderation/policy             moderation:GetPolicy        the policy in force (?version=N: an older one)
PUT  /v1/moderation/policy             moderation:PutPolicy        a new version
POST /v1/moderation/images             moderation:ModerateImage    201 decided; ?async=true: 202 pending
GET  /v1/moderation/images             moderation:ListModerationResults
GET  /v1/moderation/images/{id}        moderation:GetModerationResult
POST /v1/moderation/videos             moderation:ModerateVideo    202, then poll (or wait for the decision)
GET  /v1/moderation/videos             moderation:ListModerationResults
GET  /v1/moderation/videos/{id}        moderation:GetModerationResult
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from audit.redaction import HIDE, KEEP, register_action
from config.api.idempotency import IDEMPOTENCY_PARAMETER
from config.api.pagination import page_of
from config.api.parsers import StrictJSONParser
from config.api.serializers import Base64Field, ResourceOutput, S3ObjectInput, StrictInputSerializer
from config.api.views import ApiView
from config.metadata import MAX_METADATA_BYTES
from moderation.models import Decision, MediaType, ModerationPolicy, ModerationResult, ResultStatus
from moderation.selectors import policy_get, result_get, result_list
from moderation.services.images import ImageSource, image_moderate
from moderation.services.policies import policy_put
from moderation.services.videos import video_moderate
from moderation.taxonomy import CATEGORIES, TAXONOMY_VERSION
from tenants.authentication import api_key_of
from vision.validation import MAX_IMAGE_BYTES

_S3_OBJECT_SPEC = {"bucket": KEEP, "name": KEEP, "version": KEEP}
_RESULT_SPEC = {"id": KEEP, "status": KEEP, "decision": KEEP, "driving_category": KEEP, "policy_version": KEEP}
_LIST_SPEC = {
    "status": KEEP,
    "decision": KEEP,
    "final_decision": KEEP,
    "category": KEEP,
    "external_ref": KEEP,
    "created_after": KEEP,
    "created_before": KEEP,
    "limit": KEEP,
    "cursor": HIDE,
}
GET_POLICY = register_action("moderation:GetPolicy", request={"version": KEEP}, response={"version": KEEP})
PUT_POLICY = register_action(
    "moderation:PutPolicy", request={"categories": HIDE}, response={"version": KEEP, "categories": HIDE}
)
MODERATE_IMAGE = register_action(
    "moderation:ModerateImage",
    request={"image": HIDE, "s3_object": _S3_OBJECT_SPEC, "external_ref": KEEP, "metadata": HIDE, "async": KEEP},
    response=_RESULT_SPEC,
)
MODERATE_VIDEO = register_action(
    "moderation:ModerateVideo",
    request={"s3_object": _S3_OBJECT_SPEC, "external_ref": KEEP, "metadata": HIDE},
    response=_RESULT_SPEC,
)
LIST_RESULTS = register_action("moderation:ListModerationResults", request=_LIST_SPEC)
GET_RESULT = register_action("moderation:GetModerationResult", request={"moderation_id": KEEP})


_IMAGE_ERRORS = (
    "Errors (docs/errors.md): 400 `invalid_image_source`, `invalid_image_format`, `image_too_large`, "
    "`image_too_small`, `image_corrupt`, `invalid_s3_object`, `metadata_too_large`, `invalid_metadata`, "
    "`validation_error`, `unknown_field`; 429 `rate_limited`; 502 `engine_error`, `engine_access_denied`; "
    "503 `engine_throttled`, `engine_unavailable`, `upstream_unavailable` (the image could not be stored). "
    "Nothing is stored when the request is refused."
)
_VIDEO_ERRORS = (
    "Errors (docs/errors.md): 400 `invalid_s3_object`, `invalid_parameter`, `video_too_large`, "
    "`metadata_too_large`, `invalid_metadata`, `validation_error`, `unknown_field`; 409 `idempotency_mismatch`; "
    "429 `rate_limited`; 502/503 engine errors. A job that fails later is not an error response: the result "
    "ends `failed` with `error_code` `video_job_failed` or `video_timeout`."
)
_POLICY_ERRORS = (
    "Errors (docs/errors.md): 400 `unknown_moderation_category`, `invalid_moderation_thresholds`, "
    "`validation_error`, `unknown_field`. Nothing is written when the request is refused."
)


# --- Policy -------------------------------------------------------------------------------------


class RuleField(StrictInputSerializer):
    """Either two thresholds or ``ignore: true``."""

    review_at = serializers.FloatField(min_value=0, max_value=100, required=False)
    reject_at = serializers.FloatField(min_value=0, max_value=100, required=False)
    ignore = serializers.BooleanField(required=False)

    def to_internal_value(self, data: Any) -> Any:
        checked = super().to_internal_value(data)
        return {name: value for name, value in checked.items() if not (name == "ignore" and value is False)}


class PolicyOutput(ResourceOutput):
    version = serializers.IntegerField()
    taxonomy_version = serializers.SerializerMethodField(help_text="The moderation taxonomy the categories follow.")
    categories = serializers.DictField(
        source="rules",
        child=serializers.DictField(),
        help_text="Every top-level category: {review_at, reject_at} or {ignore: true}.",
    )
    created_by = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_taxonomy_version(self, policy: ModerationPolicy) -> str:
        return TAXONOMY_VERSION


class PolicyView(ApiView):
    policy_actions = {"GET": GET_POLICY, "PUT": PUT_POLICY}

    class Query(serializers.Serializer[Any]):
        version = serializers.IntegerField(min_value=1, required=False, help_text="An earlier version.")

    @extend_schema(
        operation_id="moderation_policy_get",
        parameters=[Query],
        responses={200: PolicyOutput},
        description="The policy in force, or an earlier version (404 `not_found` when there is no such version).",
    )
    def get(self, request: Request) -> Response:
        query = self.validated_query(self.Query, request)
        return Response(PolicyOutput(policy_get(tenant=api_key_of(request).tenant, **query)).data)

    class Input(StrictInputSerializer):
        categories = serializers.DictField(
            child=RuleField(),
            help_text=(
                f"Rules by top-level category ({', '.join(CATEGORIES)}); a category not named gets "
                "the defaults (review_at 60, reject_at 80). review_at <= reject_at."
            ),
        )

    @extend_schema(
        operation_id="moderation_policy_put",
        request=Input,
        responses={200: PolicyOutput},
        description="Write the tenant's rules as a new version (the same rules again change nothing). "
        + _POLICY_ERRORS,
    )
    def put(self, request: Request) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        api_key = api_key_of(request)
        policy = policy_put(
            tenant=api_key.tenant, categories=data.validated_data["categories"], created_by=api_key.prefix
        )
        return Response(PolicyOutput(policy).data)


# --- Results ------------------------------------------------------------------------------------


class LabelOutput(serializers.Serializer[Any]):
    name = serializers.CharField()
    parent_name = serializers.CharField(help_text="Empty for a top-level category.")
    taxonomy_level = serializers.IntegerField(allow_null=True)
    confidence = serializers.FloatField()
    category = serializers.CharField(help_text="The top-level category the label belongs to.")


class SegmentOutput(serializers.Serializer[Any]):
    timestamp_ms = serializers.IntegerField()
    decision = serializers.ChoiceField(choices=Decision.choices)
    labels = LabelOutput(many=True)


class ModerationOutput(ResourceOutput):
    id = serializers.CharField(source="public_id")
    media_type = serializers.ChoiceField(choices=MediaType.choices)
    status = serializers.ChoiceField(choices=ResultStatus.choices)
    decision = serializers.SerializerMethodField(help_text="The automated decision; null until it is made.")
    final_decision = serializers.SerializerMethodField(
        help_text="A reviewer's decision on a result sent to review; null until then."
    )
    driving_category = serializers.CharField(help_text="The category that decided review or reject; empty otherwise.")
    labels = LabelOutput(many=True)
    segments = SegmentOutput(many=True, help_text="Videos: the labels at each sampled timestamp.")
    policy_version = serializers.IntegerField()
    taxonomy_version = serializers.SerializerMethodField()
    moderation_model_version = serializers.CharField()
    cached = serializers.SerializerMethodField(
        help_text="True when an identical image under the same policy version was already moderated: "
        "its answer was reused without another engine call."
    )
    review_task_id = serializers.SerializerMethodField()
    external_ref = serializers.CharField()
    metadata = serializers.DictField()
    error_code = serializers.CharField(help_text="When failed: e.g. video_job_failed, video_timeout.")
    error_message = serializers.CharField()
    created_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)

    def get_decision(self, result: ModerationResult) -> str | None:
        return result.decision or None

    def get_final_decision(self, result: ModerationResult) -> str | None:
        return result.final_decision or None

    def get_taxonomy_version(self, result: ModerationResult) -> str:
        return TAXONOMY_VERSION

    def get_cached(self, result: ModerationResult) -> bool:
        return result.reused_from_id is not None

    def get_review_task_id(self, result: ModerationResult) -> str | None:
        if result.decision != Decision.REVIEW:
            return None  # only a review decision opens a task: no query for the others
        task = getattr(result, "review_task", None)
        return task.public_id if task is not None else None


class _ResultFilters(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=ResultStatus.choices, required=False)
    decision = serializers.ChoiceField(choices=Decision.choices, required=False)
    final_decision = serializers.ChoiceField(choices=Decision.choices, required=False)
    category = serializers.ChoiceField(choices=list(CATEGORIES), required=False, help_text="The driving category.")
    external_ref = serializers.CharField(max_length=255, required=False)
    created_after = serializers.DateTimeField(required=False, help_text="Inclusive.")
    created_before = serializers.DateTimeField(required=False, help_text="Exclusive.")


MODERATION_PAGE = page_of(ModerationOutput)


class _ResultListView(ApiView):
    media_type: str

    def list(self, request: Request) -> Response:
        filters = self.validated_query(_ResultFilters, request)
        return self.paginated(result_list(media_type=self.media_type, **filters), ModerationOutput, request)

    def created(self, request: Request, result: ModerationResult, detail_route: str, status_code: int) -> Response:
        location = request.build_absolute_uri(reverse(detail_route, args=[result.public_id]))
        return Response(ModerationOutput(result).data, status=status_code, headers={"Location": location})


class _ResultDetailView(ApiView):
    media_type: str
    policy_actions = {"GET": GET_RESULT}

    def detail(self, moderation_id: str) -> Response:
        return Response(ModerationOutput(result_get(public_id=moderation_id, media_type=self.media_type)).data)


class ImageListView(_ResultListView):
    media_type = MediaType.IMAGE
    policy_actions = {"POST": MODERATE_IMAGE, "GET": LIST_RESULTS}
    parser_classes = [StrictJSONParser, MultiPartParser]

    class Query(serializers.Serializer[Any]):
        def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
            fields = super().get_fields()
            # Added here: ``async`` is a Python keyword.
            fields["async"] = serializers.BooleanField(
                required=False, default=False, help_text="true: answer 202 at once; a worker decides."
            )
            return fields

    class Input(StrictInputSerializer):
        image = Base64Field(
            required=False, help_text=f"The JPEG or PNG, base64-encoded (at most {MAX_IMAGE_BYTES} bytes decoded)."
        )
        s3_object = S3ObjectInput(required=False, help_text="Or an image in your tenant's bucket (up to 15 MB).")
        external_ref = serializers.CharField(max_length=255, required=False, help_text="Your own reference.")
        metadata = serializers.DictField(required=False, help_text=f"Any JSON object up to {MAX_METADATA_BYTES} bytes.")

    class MultipartInput(StrictInputSerializer):
        image = serializers.FileField(help_text="The JPEG or PNG file.")
        external_ref = serializers.CharField(max_length=255, required=False)
        metadata = serializers.JSONField(required=False, binary=True, help_text="A JSON object, as text.")

    @extend_schema(
        operation_id="moderation_images_create",
        request={"application/json": Input, "multipart/form-data": MultipartInput},
        parameters=[Query, IDEMPOTENCY_PARAMETER],
        responses={201: ModerationOutput, 202: ModerationOutput},
        description="Moderate an image under the policy in force: 201 decided, or with `?async=true` 202 "
        "pending. " + _IMAGE_ERRORS,
    )
    def post(self, request: Request) -> Response:
        multipart = (request.content_type or "").startswith("multipart/")
        data = (self.MultipartInput if multipart else self.Input)(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        run_async = self.validated_query(self.Query, request)["async"]
        image = fields.pop("image", None)
        source = ImageSource(
            data=image.read() if multipart and image is not None else image, s3_object=fields.pop("s3_object", None)
        )
        result = image_moderate(tenant=api_key_of(request).tenant, source=source, run_async=run_async, **fields)
        code = status.HTTP_202_ACCEPTED if result.status == ResultStatus.PENDING else status.HTTP_201_CREATED
        return self.created(request, result, "moderation-image-detail", code)

    @extend_schema(operation_id="moderation_images_list", parameters=[_ResultFilters], responses={200: MODERATION_PAGE})
    def get(self, request: Request) -> Response:
        return self.list(request)


class ImageDetailView(_ResultDetailView):
    media_type = MediaType.IMAGE

    @extend_schema(operation_id="moderation_images_retrieve", responses={200: ModerationOutput})
    def get(self, request: Request, moderation_id: str) -> Response:
        return self.detail(moderation_id)


class VideoListView(_ResultListView):
    media_type = MediaType.VIDEO
    policy_actions = {"POST": MODERATE_VIDEO, "GET": LIST_RESULTS}

    class Input(StrictInputSerializer):
        s3_object = S3ObjectInput(help_text="An MPEG-4 or MOV video in your tenant's bucket.")
        external_ref = serializers.CharField(max_length=255, required=False)
        metadata = serializers.DictField(required=False, help_text=f"Any JSON object up to {MAX_METADATA_BYTES} bytes.")

    @extend_schema(
        operation_id="moderation_videos_create",
        request=Input,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={202: ModerationOutput},
        description="Start moderating a video in your tenant's bucket; poll the result. " + _VIDEO_ERRORS,
    )
    def post(self, request: Request) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        result = video_moderate(tenant=api_key_of(request).tenant, **data.validated_data)
        return self.created(request, result, "moderation-video-detail", status.HTTP_202_ACCEPTED)

    @extend_schema(operation_id="moderation_videos_list", parameters=[_ResultFilters], responses={200: MODERATION_PAGE})
    def get(self, request: Request) -> Response:
        return self.list(request)


class VideoDetailView(_ResultDetailView):
    media_type = MediaType.VIDEO

    @extend_schema(operation_id="moderation_videos_retrieve", responses={200: ModerationOutput})
    def get(self, request: Request, moderation_id: str) -> Response:
        return self.detail(moderation_id)
