"""Review queue API, for tenants who build their own reviewer UI: the same queue and rules as the admin.

GET  /v1/reviews                   moderation:ListReviews    open tasks oldest first (?status=decided: done)
GET  /v1/reviews/{id}              moderation:GetReview
POST /v1/reviews/{id}/claim        moderation:ClaimReview    {"reviewer": "<username>"}
POST /v1/reviews/{id}/decision     moderation:DecideReview   {"reviewer", "decision": approve|reject, "note"}

The API key acts for the named reviewer: a staff user of the tenant with the reviewer role
(created in the admin). The claim, the claimant check and the decision are the admin's own
services (moderation.services.reviews), so a task is decided once, by its claimant, by a reviewer.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from audit.redaction import HIDE, KEEP, register_action
from audit.storage import download_link
from config.api.idempotency import IDEMPOTENCY_PARAMETER
from config.api.pagination import CursorPagination, page_of
from config.api.serializers import ResourceOutput, StrictInputSerializer
from config.api.views import ApiView
from moderation.api import LabelOutput, SegmentOutput
from moderation.models import Decision, MediaType, ReviewStatus, ReviewTask
from moderation.selectors import review_get, review_list, reviewer_find
from moderation.services.reviews import review_task_claim, review_task_decide
from tenants.authentication import api_key_of

# How long an image link in a review stays valid, as in the admin.
IMAGE_LINK_SECONDS = 300
_REVIEW_SPEC = {"id": KEEP, "status": KEEP, "claimed_by": KEEP, "final_decision": KEEP}
LIST_REVIEWS = register_action("moderation:ListReviews", request={"status": KEEP, "limit": KEEP, "cursor": HIDE})
GET_REVIEW = register_action("moderation:GetReview", request={"review_id": KEEP}, response=_REVIEW_SPEC)
CLAIM_REVIEW = register_action(
    "moderation:ClaimReview", request={"review_id": KEEP, "reviewer": KEEP}, response=_REVIEW_SPEC
)
DECIDE_REVIEW = register_action(
    "moderation:DecideReview",
    request={"review_id": KEEP, "reviewer": KEEP, "decision": KEEP, "note": HIDE},
    response=_REVIEW_SPEC,
)
_ERRORS = (
    "Errors (docs/errors.md): 403 `reviewer_required` (the reviewer is not a staff user of your tenant with "
    "the reviewer role); 404 `not_found`; 409 `review_claimed`, `review_already_decided`, `review_not_claimed`; "
    "400 `validation_error`, `unknown_field`. Nothing changes when the request is refused."
)


class ReviewOutput(ResourceOutput):
    id = serializers.CharField(source="public_id")
    status = serializers.ChoiceField(choices=ReviewStatus.choices)
    moderation_id = serializers.CharField(source="result.public_id")
    media_type = serializers.ChoiceField(source="result.media_type", choices=MediaType.choices)
    automated_decision = serializers.CharField(source="result.decision", help_text="What the policy decided.")
    final_decision = serializers.SerializerMethodField(help_text="The reviewer's decision; null until decided.")
    driving_category = serializers.CharField(source="result.driving_category")
    policy_version = serializers.IntegerField(source="result.policy.version")
    labels = LabelOutput(source="result.labels", many=True)
    flagged_segments = SegmentOutput(
        source="result.flagged_segments", many=True, help_text="Videos: the segments the policy did not approve."
    )
    image_url = serializers.SerializerMethodField(
        help_text=f"Images: a presigned link to the image, valid {IMAGE_LINK_SECONDS} s; null otherwise."
    )
    age_seconds = serializers.SerializerMethodField(help_text="Since the task opened, until it was decided.")
    claimed_by = serializers.SerializerMethodField(help_text="The reviewer holding an unexpired claim.")
    claim_expires_at = serializers.SerializerMethodField()
    decided_by = serializers.SerializerMethodField()
    decided_at = serializers.DateTimeField(allow_null=True)
    note = serializers.CharField()
    created_at = serializers.DateTimeField()

    def _claim_active(self, task: ReviewTask) -> bool:
        return task.claim_expires_at is not None and task.claim_expires_at > timezone.now()

    def get_final_decision(self, task: ReviewTask) -> str | None:
        return task.decision or None

    def get_image_url(self, task: ReviewTask) -> str | None:
        result = task.result
        if result.media_type != MediaType.IMAGE or not result.s3_key:
            return None
        return download_link(
            tenant=result.tenant, bucket=result.s3_bucket, key=result.s3_key, expires_in=IMAGE_LINK_SECONDS
        )

    def get_age_seconds(self, task: ReviewTask) -> int:
        return int(((task.decided_at or timezone.now()) - task.created_at).total_seconds())

    def get_claimed_by(self, task: ReviewTask) -> str | None:
        active = task.assignee is not None and task.status == ReviewStatus.OPEN and self._claim_active(task)
        return task.assignee.get_username() if active and task.assignee is not None else None

    def get_claim_expires_at(self, task: ReviewTask) -> str | None:
        if task.status != ReviewStatus.OPEN or not self._claim_active(task) or task.claim_expires_at is None:
            return None
        return serializers.DateTimeField().to_representation(task.claim_expires_at)

    def get_decided_by(self, task: ReviewTask) -> str | None:
        return task.decided_by.get_username() if task.decided_by is not None else None


class _OldestFirst(CursorPagination):
    ordering = "created_at"


class ReviewListView(ApiView):
    policy_actions = {"GET": LIST_REVIEWS}

    class Filters(serializers.Serializer[Any]):
        status = serializers.ChoiceField(
            choices=ReviewStatus.choices, required=False, help_text="open (the queue, the default) or decided."
        )

    @extend_schema(operation_id="reviews_list", parameters=[Filters], responses={200: page_of(ReviewOutput)})
    def get(self, request: Request) -> Response:
        filters = self.validated_query(self.Filters, request)
        return self.paginated(review_list(**filters), ReviewOutput, request, _OldestFirst())


class ReviewDetailView(ApiView):
    policy_actions = {"GET": GET_REVIEW}

    @extend_schema(operation_id="reviews_get", responses={200: ReviewOutput})
    def get(self, request: Request, review_id: str) -> Response:
        return Response(ReviewOutput(review_get(public_id=review_id)).data)


class _ReviewerInput(StrictInputSerializer):
    reviewer = serializers.CharField(
        max_length=150, help_text="The username of a staff user of your tenant with the reviewer role."
    )


class ReviewClaimView(ApiView):
    policy_actions = {"POST": CLAIM_REVIEW}

    class Input(_ReviewerInput):
        pass

    @extend_schema(
        operation_id="reviews_claim",
        request=Input,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={200: ReviewOutput},
        description="Claim the task for the reviewer (again: the claim is renewed). " + _ERRORS,
    )
    def post(self, request: Request, review_id: str) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        tenant = api_key_of(request).tenant
        task = review_get(public_id=review_id)
        reviewer = reviewer_find(tenant=tenant, username=data.validated_data["reviewer"])
        review_task_claim(tenant=tenant, task=task, reviewer=reviewer)
        return Response(ReviewOutput(review_get(public_id=review_id)).data)


class ReviewDecisionView(ApiView):
    policy_actions = {"POST": DECIDE_REVIEW}

    class Input(_ReviewerInput):
        decision = serializers.ChoiceField(choices=[Decision.APPROVE, Decision.REJECT])
        note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    @extend_schema(
        operation_id="reviews_decide",
        request=Input,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={200: ReviewOutput},
        description="Decide a task the reviewer has claimed; the moderation result's final_decision follows. "
        + _ERRORS,
    )
    def post(self, request: Request, review_id: str) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        tenant = api_key_of(request).tenant
        task = review_get(public_id=review_id)
        fields = data.validated_data
        reviewer = reviewer_find(tenant=tenant, username=fields["reviewer"])
        review_task_decide(
            tenant=tenant, task=task, reviewer=reviewer, decision=fields["decision"], note=fields["note"]
        )
        return Response(ReviewOutput(review_get(public_id=review_id)).data)
