"""The admin's KPI page, its parts: the period form and the charts drawn from ``GET /v1/kpis``'s document."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from django import forms

from tenants.admin_site import chart_bars, domain_errors_as_form_errors
from verification.kpis import kpi_period_check
from verification.models import VerificationType


class KpiPeriodForm(forms.Form):
    """The KPI page's period: whole UTC days, both inclusive (the API's [from, to) is their midnights)."""

    start = forms.DateField(label="From (UTC, inclusive)", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To (UTC, inclusive)", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("start") and cleaned.get("end"):
            start, end = self.period_of(cleaned)
            with domain_errors_as_form_errors():
                kpi_period_check(start=start, end=end)
        return cleaned

    @staticmethod
    def period_of(cleaned: dict[str, Any]) -> tuple[datetime, datetime]:
        start = datetime.combine(cleaned["start"], time.min, tzinfo=UTC)
        return start, datetime.combine(cleaned["end"], time.min, tzinfo=UTC) + timedelta(days=1)


def _type_label(kind: str) -> str:
    return str(dict(VerificationType.choices).get(kind, kind))


def kpi_charts(kpis: dict[str, Any]) -> list[dict[str, Any]]:
    """The KPI page's sections, each a heading and its charts (chart id, title, bars)."""
    outcomes = [
        {
            "id": kind,
            "title": _type_label(kind) + "s",
            "bars": chart_bars((name, n) for name, n in counts.items() if name != "total"),
        }
        for kind, counts in kpis["verifications"].items()
    ]
    unapproved = [
        {
            "id": "steps",
            "title": "By step",
            "bars": chart_bars((f"{row['type']} · {row['step'] or '—'}", row["count"]) for row in kpis["steps"]),
        },
        {
            "id": "reasons",
            "title": "By reason",
            "bars": chart_bars(
                (f"{row['type']} · {row['code']} · {row['status']}", row["count"]) for row in kpis["reasons"]
            ),
        },
        {"id": "duplicates", "title": "Duplicate attempts", "bars": chart_bars(kpis["duplicates"].items())},
        {
            "id": "quality",
            "title": "Quality failures by reason",
            "bars": chart_bars((row["code"], row["count"]) for row in kpis["quality_failures"]),
        },
    ]
    similarity = [
        {
            "id": f"similarity-{row['type']}-{row['step']}",
            "title": f"{_type_label(row['type'])} · {row['step']}",
            "bars": chart_bars((f"{b['from']}–{b['to']}", b["count"]) for b in row["buckets"]),
        }
        for row in kpis["similarity"]
    ]
    faces = [{"id": "faces", "title": "Faces", "bars": chart_bars(kpis["faces"].items())}]
    return [
        {"heading": "Verifications by outcome", "charts": outcomes},
        {"heading": "Verifications not approved", "charts": unapproved},
        {"heading": "Similarity", "charts": similarity},
        {"heading": "Faces indexed, updated and deleted", "charts": faces},
    ]
