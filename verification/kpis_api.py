"""The whitepaper's verification KPIs over the API, the numbers the admin's KPI page charts.

GET /v1/kpis?from=&to=    verification:GetKpis
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from audit.redaction import KEEP, register_action
from config.api.serializers import PeriodOutput, PeriodQuery
from config.api.views import ApiView
from verification.kpis import (
    KPI_MAX_PERIOD,
    KPI_OUTCOMES,
    SIMILARITY_EDGES,
    VerificationKpis,
    verification_kpis,
)
from verification.models import VerificationType

GET_KPIS = register_action("verification:GetKpis", request={"from": KEEP, "to": KEEP})


def kpis_document(kpis: VerificationKpis) -> dict[str, Any]:
    """The KPIs as the API answers them (and the admin page charts them)."""
    return {
        "from": kpis.start,
        "to": kpis.end,
        "abandoned_after_hours": kpis.abandoned_after_hours,
        "verifications": kpis.by_type(),
        "steps": [
            {"type": kind, "step": step or None, "count": count} for (kind, step), count in sorted(kpis.steps.items())
        ],
        "reasons": [
            {"type": kind, "status": status, "step": step or None, "code": code, "count": count}
            for (kind, status, step, code), count in sorted(kpis.reasons.items())
        ],
        "duplicates": kpis.duplicates(),
        "quality_failures": [{"code": code, "count": count} for code, count in kpis.quality_failures().items()],
        "similarity": [
            {
                "type": kind,
                "step": step,
                "buckets": [
                    {"from": low, "to": high, "count": kpis.similarity.get((kind, step, index), 0)}
                    for index, (low, high) in enumerate(pairwise(SIMILARITY_EDGES))
                ],
            }
            for kind, step in sorted({(kind, step) for kind, step, _ in kpis.similarity})
        ],
        "faces": {"indexed": kpis.faces_indexed, "updated": kpis.faces_updated, "deleted": kpis.faces_deleted},
    }


class _Outcomes(serializers.Serializer[Any]):
    def get_fields(self) -> dict[str, Any]:
        return {
            **{outcome: serializers.IntegerField() for outcome in KPI_OUTCOMES},
            "total": serializers.IntegerField(),
        }


class _Verifications(serializers.Serializer[Any]):
    def get_fields(self) -> dict[str, Any]:
        return {kind: _Outcomes() for kind in VerificationType.values}


class _Step(serializers.Serializer[Any]):
    type = serializers.CharField()
    step = serializers.CharField(allow_null=True, help_text="null: the verification failed before any step ran.")
    count = serializers.IntegerField()


class _Reason(serializers.Serializer[Any]):
    type = serializers.CharField()
    status = serializers.CharField()
    step = serializers.CharField(allow_null=True)
    code = serializers.CharField()
    count = serializers.IntegerField()


class _Duplicates(serializers.Serializer[Any]):
    attempts = serializers.IntegerField()
    needs_review = serializers.IntegerField()
    rejected = serializers.IntegerField()


class _QualityFailure(serializers.Serializer[Any]):
    code = serializers.CharField()
    count = serializers.IntegerField()


class _Bucket(serializers.Serializer[Any]):
    from_ = serializers.IntegerField()
    to = serializers.IntegerField(help_text="Exclusive, but for the last bucket, which includes 100.")
    count = serializers.IntegerField()


class _Similarity(serializers.Serializer[Any]):
    type = serializers.CharField()
    step = serializers.CharField(help_text="compare, duplicate or authenticate.")
    buckets = _Bucket(many=True)


class _Faces(serializers.Serializer[Any]):
    indexed = serializers.IntegerField()
    updated = serializers.IntegerField(help_text="Replaced by a newer face (a photo update).")
    deleted = serializers.IntegerField()


class KpisOutput(PeriodOutput):
    abandoned_after_hours = serializers.IntegerField()
    verifications = _Verifications(help_text="Verifications created in the period, by type and outcome.")
    steps = _Step(many=True, help_text="Verifications that ended unapproved, by the step they ended at.")
    reasons = _Reason(many=True, help_text="The reasons of those verifications, by status, step and code.")
    duplicates = _Duplicates(help_text="Registrations whose face was already another subject's.")
    quality_failures = _QualityFailure(many=True, help_text="Failed quality checks by reason code.")
    similarity = _Similarity(many=True, help_text="Similarities recorded by the steps that compare faces.")
    faces = _Faces(help_text="Faces indexed, replaced and deleted in the period, whichever flow did it.")


class KpisView(ApiView):
    policy_actions = {"GET": GET_KPIS}

    @extend_schema(
        operation_id="kpis",
        parameters=[PeriodQuery],
        responses={200: KpisOutput},
        description="Verifications created in [from, to) by type and outcome (abandoned: still unfinished "
        "abandoned_after_hours after creation), by the step and reason they ended at, duplicate attempts, "
        "quality failures, similarity distributions, and faces indexed, replaced and deleted. Errors: 400 "
        f"`validation_error`, `invalid_period` (from is not before to), `period_too_long` (over "
        f"{KPI_MAX_PERIOD.days} days).",
    )
    def get(self, request: Request) -> Response:
        now = timezone.now()
        start, end = PeriodQuery.period(self.validated_query(PeriodQuery, request), now)
        return Response(kpis_document(verification_kpis(start=start, end=end, now=now)))
