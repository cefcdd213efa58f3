"""Moderation statistics over the API, the numbers the admin's statistics page charts.

GET /v1/moderation/stats?from=&to=    moderation:GetModerationStats
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from audit.redaction import KEEP, register_action
from config.api.serializers import PeriodOutput, PeriodQuery
from config.api.views import ApiView
from config.errors import InvalidInput
from moderation.selectors import ModerationStats, moderation_stats

GET_STATS = register_action("moderation:GetModerationStats", request={"from": KEEP, "to": KEEP})


def review_sla() -> timedelta:
    return timedelta(hours=float(getattr(settings, "VERITY_REVIEW_SLA_HOURS", 24)))


def stats_document(stats: ModerationStats) -> dict[str, Any]:
    """The statistics as the API answers them (and the admin page charts them)."""
    return {
        "from": stats.start,
        "to": stats.end,
        "outcomes": {**stats.outcomes(), "failed": stats.failed},
        "decisions": [
            {"category": category or None, "decision": decision, "count": count}
            for (category, decision), count in sorted(stats.decisions.items())
        ],
        "queue": {
            "open": stats.open_reviews,
            "oldest_age_seconds": stats.oldest_open_seconds,
            "overdue": stats.overdue_reviews,
        },
        "reviews": [
            {
                "category": category,
                "approved": approved,
                "rejected": rejected,
                "agreement": round(rejected / (approved + rejected), 4),
            }
            for category, (approved, rejected) in sorted(stats.reviews.items())
        ],
    }


class _Count(serializers.Serializer[Any]):
    category = serializers.CharField(allow_null=True, help_text="The driving category; null for approvals.")
    decision = serializers.CharField()
    count = serializers.IntegerField()


class _Queue(serializers.Serializer[Any]):
    open = serializers.IntegerField()
    oldest_age_seconds = serializers.IntegerField(allow_null=True)
    overdue = serializers.IntegerField(help_text="Open longer than VERITY_REVIEW_SLA_HOURS.")


class _Reviews(serializers.Serializer[Any]):
    category = serializers.CharField()
    approved = serializers.IntegerField()
    rejected = serializers.IntegerField()
    agreement = serializers.FloatField(
        help_text="Share of reviewed results the reviewer rejected, confirming the policy's flag: low means "
        "review_at is too low for this category."
    )


class StatsOutput(PeriodOutput):
    outcomes = serializers.DictField(child=serializers.IntegerField(), help_text="approve, review, reject, failed.")
    decisions = _Count(many=True)
    queue = _Queue(help_text="The queue now, whatever the period.")
    reviews = _Reviews(many=True, help_text="Tasks decided in the period, by driving category.")


class StatsView(ApiView):
    policy_actions = {"GET": GET_STATS}

    @extend_schema(
        operation_id="moderation_stats",
        parameters=[PeriodQuery],
        responses={200: StatsOutput},
        description="Decisions by category and outcome, the review queue, reviewer agreement. "
        "Errors: 400 `validation_error`, `invalid_period` (from is not before to).",
    )
    def get(self, request: Request) -> Response:
        now = timezone.now()
        start, end = PeriodQuery.period(self.validated_query(PeriodQuery, request), now)
        if start >= end:
            raise InvalidInput("from must be before to.", code="invalid_period")
        stats = moderation_stats(start=start, end=end, now=now, sla=review_sla())
        return Response(stats_document(stats))
