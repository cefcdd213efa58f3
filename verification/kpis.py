"""Verification KPIs (the whitepaper's): what became of the verifications created in a period, why
the unapproved ones stopped, similarity distributions, and the faces indexed, updated and deleted.

Read-only, in a few aggregate queries, inside the tenant's scope (asserted, never opened).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Case, CharField, Count, F, FloatField, Func, IntegerField, JSONField, Q, Value, When
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from config.errors import InvalidInput
from tenants.scope import require_scope
from verification.models import Face, Verification, VerificationStatus, VerificationStep, VerificationType
from verification.selectors import verification_settings

KPI_MAX_PERIOD = timedelta(days=366)
ABANDONED = "abandoned"
IN_PROGRESS = "in_progress"
# What became of a verification, as the KPIs count it: its final status, or, while unfinished,
# abandoned (older than the tenant's abandoned_after_hours) or still in progress.
KPI_OUTCOMES = (
    VerificationStatus.APPROVED.value,
    VerificationStatus.REJECTED.value,
    VerificationStatus.NEEDS_REVIEW.value,
    VerificationStatus.FAILED.value,
    ABANDONED,
    IN_PROGRESS,
)
# The steps whose result records a similarity (0-100): the selfie against the ID document, the
# nearest other subject's face, and the subject's own face when authenticating.
SIMILARITY_STEPS = ("compare", "duplicate", "authenticate")
# Bucket i is [edge i, edge i+1), the last one includes 100: fine near the thresholds (90-99).
SIMILARITY_EDGES = (0, 50, 80, 90, 95, 98, 99, 100)
DUPLICATE_REASON = "duplicate.found"
QUALITY_REASON_PREFIX = "quality."


@dataclass(frozen=True)
class VerificationKpis:
    """The whitepaper's KPIs for verifications created in [start, end) and faces changed in it."""

    start: datetime
    end: datetime
    abandoned_after_hours: int
    # (type, outcome) → verifications; outcome is one of KPI_OUTCOMES.
    outcomes: dict[tuple[str, str], int]
    # (type, step) → verifications that ended unapproved at that step ("" when none was running).
    steps: dict[tuple[str, str], int]
    # (type, status, step, code) → verifications with that reason (one may have several: quality lists each check).
    reasons: dict[tuple[str, str, str, str], int]
    # (type, step, bucket) → steps whose similarity is in SIMILARITY_EDGES' bucket.
    similarity: dict[tuple[str, str, int], int]
    faces_indexed: int
    faces_updated: int
    faces_deleted: int

    def by_type(self) -> dict[str, dict[str, int]]:
        """Every type with every outcome, zeros included, and its total (a type or status a later flow
        adds is counted too, not dropped)."""
        counts = {kind: dict.fromkeys(KPI_OUTCOMES, 0) for kind in VerificationType.values}
        for (kind, outcome), count in self.outcomes.items():
            outcomes = counts.setdefault(kind, dict.fromkeys(KPI_OUTCOMES, 0))
            outcomes[outcome] = outcomes.get(outcome, 0) + count
        return {kind: {**outcomes, "total": sum(outcomes.values())} for kind, outcomes in counts.items()}

    def duplicates(self) -> dict[str, int]:
        """Verifications whose face was already another subject's, and how many of them went to review or were
        rejected (the tenant's duplicate setting)."""
        found = {"attempts": 0, VerificationStatus.NEEDS_REVIEW.value: 0, VerificationStatus.REJECTED.value: 0}
        for (_, status, _, code), count in self.reasons.items():
            if code == DUPLICATE_REASON:
                found["attempts"] += count
                if status in found:
                    found[status] += count
        return found

    def quality_failures(self) -> dict[str, int]:
        """Failed quality checks by reason code, every type together."""
        failures: dict[str, int] = defaultdict(int)
        for (_, _, _, code), count in self.reasons.items():
            if code.startswith(QUALITY_REASON_PREFIX):
                failures[code] += count
        return dict(sorted(failures.items()))


def kpi_period_check(*, start: datetime, end: datetime) -> None:
    """``invalid_period`` unless start is before end; ``period_too_long`` beyond KPI_MAX_PERIOD."""
    if start >= end:
        raise InvalidInput("from must be before to.", code="invalid_period")
    if end - start > KPI_MAX_PERIOD:
        raise InvalidInput(f"A period is at most {KPI_MAX_PERIOD.days} days.", code="period_too_long")


def verification_kpis(*, start: datetime, end: datetime, now: datetime) -> VerificationKpis:
    """The current tenant's KPIs, in five aggregate queries (no row is read into Python).

    Verifications count by their creation in [start, end) and their state now; faces by the
    time they were indexed, replaced (retired by a photo update) or deleted. Face rows are kept
    when a face is deleted (``deleted_at``), so they are the history of every face, whichever
    flow indexed it.
    """
    require_scope()
    kpi_period_check(start=start, end=end)
    abandoned_after_hours = verification_settings().abandoned_after_hours
    abandoned_before = now - timedelta(hours=abandoned_after_hours)
    # order_by(): no default ordering may join the GROUP BY.
    created = Verification.objects.filter(created_at__gte=start, created_at__lt=end).order_by()
    unfinished = [VerificationStatus.PENDING, VerificationStatus.PROCESSING]
    outcome = Case(
        When(status__in=unfinished, created_at__lt=abandoned_before, then=Value(ABANDONED)),
        When(status__in=unfinished, then=Value(IN_PROGRESS)),
        default=F("status"),
        output_field=CharField(),
    )
    outcomes = created.annotate(outcome=outcome).values_list("type", "outcome").annotate(count=Count("id"))
    # One row per reason: PostgreSQL's jsonb_array_elements over each verification's reasons.
    reason = Func(F("reasons"), function="jsonb_array_elements", output_field=JSONField())
    with_reasons = created.exclude(reasons=[]).annotate(reason=reason)
    reasons = (
        with_reasons.annotate(step=KT("reason__step"), code=KT("reason__code"))
        .values_list("type", "status", "step", "code")
        .annotate(count=Count("id", distinct=True))
    )
    steps = (
        with_reasons.annotate(step=KT("reason__step"))
        .values_list("type", "step")
        .annotate(count=Count("id", distinct=True))
    )
    similarity = Cast(KT("result__similarity"), FloatField())
    bucket = Case(
        *(When(similarity__lt=edge, then=Value(index)) for index, edge in enumerate(SIMILARITY_EDGES[1:-1])),
        default=Value(len(SIMILARITY_EDGES) - 2),
        output_field=IntegerField(),
    )
    similarities = (
        VerificationStep.objects.filter(
            verification__tenant=F("tenant"),  # tenant_id on both sides of the join, as distributing by tenant needs
            verification__created_at__gte=start,
            verification__created_at__lt=end,
            name__in=SIMILARITY_STEPS,
            result__has_key="similarity",
        )
        .order_by()
        .annotate(similarity=similarity, bucket=bucket)
        .values_list("verification__type", "name", "bucket")
        .annotate(count=Count("id"))
    )

    def changed(field: str) -> Q:
        return Q(**{f"{field}__gte": start, f"{field}__lt": end})

    faces = Face.objects.filter(changed("created_at") | changed("retired_at") | changed("deleted_at")).aggregate(
        indexed=Count("id", filter=changed("created_at")),
        updated=Count("id", filter=changed("retired_at")),
        deleted=Count("id", filter=changed("deleted_at")),
    )
    return VerificationKpis(
        start=start,
        end=end,
        abandoned_after_hours=abandoned_after_hours,
        outcomes={(kind, result): count for kind, result, count in outcomes},
        steps={(kind, step or ""): count for kind, step, count in steps},
        reasons={(kind, status, step or "", code or ""): count for kind, status, step, code, count in reasons},
        similarity={(kind, step, index): count for kind, step, index, count in similarities},
        faces_indexed=faces["indexed"],
        faces_updated=faces["updated"],
        faces_deleted=faces["deleted"],
    )
