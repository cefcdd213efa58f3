"""Erasure API: erase a subject, withdraw a consent, follow an erasure, fetch its signed receipt.

DELETE /v1/subjects/{id}                                   verification:DeleteSubject    202, the erasure
POST   /v1/subjects/{id}/consents/{consent_id}/withdraw    verification:WithdrawConsent  the consent (+ erasure)
GET    /v1/erasures                                        verification:ListErasures
GET    /v1/erasures/{id}                                   verification:GetErasure       status, progress per store
GET    /v1/erasures/{id}/receipt                           verification:GetErasureReceipt  the signed file
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from audit.redaction import HIDE, KEEP, register_action
from config.api.idempotency import IDEMPOTENCY_PARAMETER
from config.api.pagination import page_of
from config.api.serializers import ResourceOutput, StrictInputSerializer
from config.api.views import ApiView
from tenants.authentication import api_key_of
from verification.erasure import consent_withdraw, erasure_request
from verification.errors import ErasureNotCompleted
from verification.models import ERASURE_STORES, ErasureReason, ErasureStatus
from verification.selectors import consent_get, erasure_get, erasure_list, subject_get

DELETE_SUBJECT = register_action(
    "verification:DeleteSubject", request={"subject_id": KEEP}, response={"id": KEEP, "status": KEEP}
)
WITHDRAW_CONSENT = register_action(
    "verification:WithdrawConsent",
    request={"subject_id": KEEP, "consent_id": KEEP},
    response={"id": KEEP, "erasure_id": KEEP},
)
LIST_ERASURES = register_action(
    "verification:ListErasures", request={"subject_id": KEEP, "status": KEEP, "limit": KEEP, "cursor": HIDE}
)
GET_ERASURE = register_action("verification:GetErasure", request={"erasure_id": KEEP})
GET_RECEIPT = register_action("verification:GetErasureReceipt", request={"erasure_id": KEEP})


class StoreOutput(serializers.Serializer[Any]):
    name = serializers.CharField()
    done = serializers.BooleanField()
    deleted = serializers.IntegerField(allow_null=True, help_text="Items deleted from this store (once done).")


class ErasureOutput(ResourceOutput):
    id = serializers.CharField(source="public_id")
    subject_id = serializers.CharField(source="subject.public_id")
    reason = serializers.ChoiceField(choices=ErasureReason.choices)
    status = serializers.ChoiceField(choices=ErasureStatus.choices)
    requested_by = serializers.CharField()
    requested_at = serializers.DateTimeField(source="created_at")
    started_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    attempts = serializers.IntegerField()
    last_error = serializers.CharField(help_text="The code that stopped the last attempt; empty when none did.")
    stores = serializers.SerializerMethodField()
    receipt_url = serializers.SerializerMethodField()

    @extend_schema_field(StoreOutput(many=True))
    def get_stores(self, erasure: Any) -> Any:
        progress = erasure.progress or {}
        return StoreOutput(
            [
                {
                    "name": name,
                    "done": bool(progress.get(name, {}).get("done")),
                    "deleted": progress.get(name, {}).get("deleted"),
                }
                for name in ERASURE_STORES
            ],
            many=True,
        ).data

    @extend_schema_field(
        {"type": "string", "nullable": True, "description": "Where the signed receipt is, once completed."}
    )
    def get_receipt_url(self, erasure: Any) -> str | None:
        return f"/v1/erasures/{erasure.public_id}/receipt" if erasure.status == ErasureStatus.COMPLETED else None


def requester(request: Request) -> str:
    """Who asked, as a receipt names them: the API key (its public prefix)."""
    return f"api-key/{api_key_of(request).prefix}"


class ErasureListView(ApiView):
    policy_actions = {"GET": LIST_ERASURES}

    class Filters(serializers.Serializer[Any]):
        subject_id = serializers.CharField(max_length=32, required=False)
        status = serializers.ChoiceField(choices=ErasureStatus.choices, required=False)

    @extend_schema(operation_id="erasures_list", parameters=[Filters], responses={200: page_of(ErasureOutput)})
    def get(self, request: Request) -> Response:
        return self.paginated(erasure_list(**self.validated_query(self.Filters, request)), ErasureOutput, request)


class ErasureDetailView(ApiView):
    policy_actions = {"GET": GET_ERASURE}

    @extend_schema(responses={200: ErasureOutput})
    def get(self, request: Request, erasure_id: str) -> Response:
        return Response(ErasureOutput(erasure_get(public_id=erasure_id)).data)


class ErasureReceiptView(ApiView):
    policy_actions = {"GET": GET_RECEIPT}

    @extend_schema(responses={200: OpenApiResponse(OpenApiTypes.BINARY, description="The signed receipt file (JSON).")})
    def get(self, request: Request, erasure_id: str) -> HttpResponse:
        erasure = erasure_get(public_id=erasure_id)
        if erasure.status != ErasureStatus.COMPLETED or erasure.receipt is None:
            raise ErasureNotCompleted(
                f"Erasure {erasure.public_id} is {erasure.status}; its receipt comes when it completes."
            )
        response = HttpResponse(bytes(erasure.receipt), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{erasure.public_id}.receipt.json"'
        return response


class SubjectEraseMixin:
    """DELETE on a subject (mixed into the subject's detail view): 202 and the erasure."""

    @extend_schema(responses={202: ErasureOutput})
    def delete(self, request: Request, subject_id: str) -> Response:
        api_key = api_key_of(request)
        erasure = erasure_request(
            tenant=api_key.tenant,
            subject=subject_get(public_id=subject_id, erased=True),  # asking again: the same erasure
            reason=ErasureReason.REQUEST,
            requested_by=requester(request),
        )
        return Response(ErasureOutput(erasure).data, status=status.HTTP_202_ACCEPTED)


class ConsentWithdrawOutput(serializers.Serializer[Any]):
    id = serializers.CharField(source="consent.public_id")
    subject_id = serializers.CharField(source="consent.subject.public_id")
    withdrawn_at = serializers.DateTimeField(source="consent.withdrawn_at")
    erasure_id = serializers.CharField(
        source="erasure.public_id",
        allow_null=True,
        default=None,
        help_text="The erasure this started: the subject has no other active biometric consent.",
    )


class ConsentWithdrawView(ApiView):
    policy_actions = {"POST": WITHDRAW_CONSENT}

    class Input(StrictInputSerializer):
        """No fields: the withdrawal's time and requester are the request's."""

    @extend_schema(request=Input, responses={200: ConsentWithdrawOutput}, parameters=[IDEMPOTENCY_PARAMETER])
    def post(self, request: Request, subject_id: str, consent_id: str) -> Response:
        self.Input(data=request.data).is_valid(raise_exception=True)
        api_key = api_key_of(request)
        consent = consent_get(subject=subject_get(public_id=subject_id), public_id=consent_id)
        erasure = consent_withdraw(tenant=api_key.tenant, consent=consent, requested_by=requester(request))
        consent.refresh_from_db()
        return Response(ConsentWithdrawOutput({"consent": consent, "erasure": erasure}).data)
