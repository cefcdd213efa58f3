"""Admin for moderation: policy versions (tenant admins), results (read-only), and the review queue (reviewers).

Every change goes through the services, which audit it: a policy is edited by adding a new
version; a review task is claimed with the changelist action and decided on its page.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.timesince import timesince

from audit.storage import download_link
from config.api.serializers import DEFAULT_REPORT_PERIOD
from config.errors import DomainError
from moderation.models import (
    Decision,
    ModerationPolicy,
    ModerationResult,
    ModerationSettings,
    ReviewStatus,
    ReviewTask,
)
from moderation.policies import default_rules, validate_rules
from moderation.selectors import moderation_stats, policy_get
from moderation.services.policies import policy_put
from moderation.services.reviews import review_task_claim, review_task_decide
from moderation.stats_api import review_sla, stats_document
from moderation.taxonomy import TAXONOMY_VERSION
from tenants.admin import TenantOwnedAdmin, TenantOwnedForm
from tenants.admin_site import chart_bars, domain_errors_as_form_errors
from tenants.models import Role, Tenant
from tenants.scope import TenantScopeError, current_tenant_id

IMAGE_LINK_SECONDS = 300


class PolicyForm(TenantOwnedForm):
    class Meta:
        model = ModerationPolicy
        fields = ["rules"]
        help_texts = {
            "rules": f"Every top-level category of moderation taxonomy {TAXONOMY_VERSION}: "
            '{"review_at": 60, "reject_at": 80} (0–100, review_at ≤ reject_at) or {"ignore": true}. '
            "Saving writes a new version; results keep the version that decided them."
        }

    def clean_rules(self) -> dict[str, Any]:
        rules = self.cleaned_data["rules"]
        if not isinstance(rules, dict):
            raise forms.ValidationError(
                "The rules are a JSON object by category.", code="invalid_moderation_thresholds"
            )
        with domain_errors_as_form_errors():
            return validate_rules(rules)


@admin.register(ModerationPolicy)
class ModerationPolicyAdmin(TenantOwnedAdmin):
    form = PolicyForm
    list_display = ["version", "created_by", "created_at"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a version is never changed: a new one is added

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # results name the version that decided them

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        membership = getattr(request, "membership", None)
        if membership is None:  # an operator picks the tenant on the form
            return {"rules": default_rules()}
        return {"rules": policy_get(tenant=membership.tenant).rules}

    def save_model(self, request: HttpRequest, obj: ModerationPolicy, form: Any, change: bool) -> None:
        with domain_errors_as_form_errors():
            policy = policy_put(
                tenant=Tenant.objects.get(pk=obj.tenant_id),
                categories=obj.rules,
                created_by=request.user.get_username(),
                actor=request.user,
            )
        obj.pk, obj.version, obj.created_at = policy.pk, policy.version, policy.created_at


@admin.register(ModerationResult)
class ModerationResultAdmin(TenantOwnedAdmin):
    read_only = True
    list_display = [
        "public_id",
        "media_type",
        "status",
        "decision",
        "final_decision",
        "driving_category",
        "version",
        "created_at",
    ]
    list_filter = ["media_type", "status", "decision", "final_decision"]
    search_fields = ["public_id", "external_ref"]
    list_select_related = ["policy"]
    exclude = ["policy", "reused_from", "labels", "segments"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        shown = [field.name for field in self.model._meta.fields if field.name not in self.exclude]
        return [*shown, "version", "label_table"]

    @admin.display(description="policy version")
    def version(self, result: ModerationResult) -> int:
        return result.policy.version

    @admin.display(description="labels")
    def label_table(self, result: ModerationResult) -> SafeString:
        return _labels_html(result.labels)

    def get_urls(self) -> list[URLPattern]:
        stats = path("stats/", self.admin_site.admin_view(self.stats_view), name="moderation_stats")
        return [stats, *super().get_urls()]

    def stats_view(self, request: HttpRequest) -> HttpResponse:
        """The tenant's last 30 days: what /v1/moderation/stats answers, as charts."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            current_tenant_id()
        except TenantScopeError as exc:  # an operator: statistics are a tenant's
            raise PermissionDenied from exc
        now = timezone.now()
        stats = moderation_stats(start=now - DEFAULT_REPORT_PERIOD, end=now, now=now, sla=review_sla())
        document = stats_document(stats)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Moderation statistics",
            "stats": document,
            "outcome_bars": chart_bars(document["outcomes"].items()),
            "decision_bars": chart_bars(
                (f"{row['category'] or 'none'} · {row['decision']}", row["count"]) for row in document["decisions"]
            ),
            "review_bars": chart_bars(
                (f"{row['category']} · {verdict}", row[verdict])
                for row in document["reviews"]
                for verdict in ("approved", "rejected")
            ),
        }
        return TemplateResponse(request, "admin/moderation/stats.html", context)


def _labels_html(labels: list[dict[str, Any]]) -> SafeString:
    if not labels:
        return format_html("<em>{}</em>", "none")
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{:.1f}</td></tr>",
        ((label["name"], label["category"], label["confidence"]) for label in labels),
    )
    return format_html("<table><tr><th>label</th><th>category</th><th>confidence</th></tr>{}</table>", rows)


class QueueFilter(admin.SimpleListFilter):
    """The open tasks unless asked otherwise: a reviewer's queue shrinks as they decide."""

    title = "queue"
    parameter_name = "queue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("decided", "Decided"), ("all", "All")]

    def choices(self, changelist: Any) -> Any:
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": "Open",
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[ReviewTask]) -> QuerySet[ReviewTask]:
        if self.value() == "all":
            return queryset
        if self.value() == "decided":
            return queryset.filter(status=ReviewStatus.DECIDED)
        return queryset.filter(status=ReviewStatus.OPEN)


class ReviewDecisionForm(TenantOwnedForm):
    """Deciding is the service's call: it alone knows, under the task's row lock, whether this
    reviewer holds the claim and the task is still open, so its refusal is the form's error."""

    decision = forms.ChoiceField(choices=[(Decision.APPROVE, "Approve"), (Decision.REJECT, "Reject")])
    reviewer: Any = None  # the signed-in user, set by ReviewTaskAdmin.get_form

    class Meta:
        model = ReviewTask
        fields = ["decision", "note"]

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if not self.errors:
            with domain_errors_as_form_errors():
                review_task_decide(
                    tenant=Tenant.objects.get(pk=self.instance.tenant_id),
                    task=self.instance,
                    reviewer=self.reviewer,
                    decision=cleaned["decision"],
                    note=cleaned.get("note", ""),
                )
        return cleaned


_REVIEWERS = frozenset({Role.REVIEWER})


@admin.register(ReviewTask)
class ReviewTaskAdmin(TenantOwnedAdmin):
    form = ReviewDecisionForm
    view_roles: ClassVar[frozenset[str]] = frozenset({Role.REVIEWER, Role.TENANT_ADMIN})
    change_roles: ClassVar[frozenset[str]] = _REVIEWERS
    list_display = ["public_id", "moderation", "automated_decision", "driving_category", "age", "claimed_by", "status"]
    list_filter = [QueueFilter]
    list_select_related = ["result", "assignee"]
    ordering = ["created_at"]
    actions = ["claim"]
    readonly_fields = [
        "public_id",
        "moderation",
        "automated_decision",
        "driving_category",
        "age",
        "claimed_by",
        "claim_expires_at",
        "image",
        "flagged",
        "status",
        "decided_by",
        "decided_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the policy opens tasks

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        open_task = obj is None or obj.status == ReviewStatus.OPEN
        return open_task and self._may(request, _REVIEWERS)

    def has_claim_permission(self, request: HttpRequest) -> bool:
        return self._may(request, _REVIEWERS)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [*self.readonly_fields, "decision", "note"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if self.has_change_permission(request, obj):
            return self.readonly_fields
        return [*self.readonly_fields, "decision", "note"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form: Any = super().get_form(request, obj, change, **kwargs)
        form.reviewer = request.user
        return form

    def save_model(self, request: HttpRequest, obj: ReviewTask, form: Any, change: bool) -> None:
        pass  # ReviewDecisionForm.clean recorded the decision through the service

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        pass

    @admin.action(description="Claim selected tasks", permissions=["claim"])
    def claim(self, request: HttpRequest, queryset: QuerySet[ReviewTask]) -> None:
        tenant = Tenant.objects.get(pk=current_tenant_id())  # only reviewers, who have a tenant, may claim
        claimed = 0
        for task in queryset:
            try:
                review_task_claim(tenant=tenant, task=task, reviewer=request.user)
                claimed += 1
            except DomainError as exc:
                self.message_user(request, f"{task.public_id}: {exc.detail}", messages.WARNING)
        if claimed:
            self.message_user(request, f"Claimed {claimed} task(s).")

    @admin.display(description="moderation")
    def moderation(self, task: ReviewTask) -> str:
        return f"{task.result.public_id} ({task.result.media_type})"

    @admin.display(description="automated decision")
    def automated_decision(self, task: ReviewTask) -> str:
        return task.result.decision

    @admin.display(description="driving category")
    def driving_category(self, task: ReviewTask) -> str:
        return task.result.driving_category

    @admin.display(description="age", ordering="created_at")
    def age(self, task: ReviewTask) -> SafeString:
        sla = timedelta(hours=float(getattr(settings, "VERITY_REVIEW_SLA_HOURS", 24)))
        end = task.decided_at or timezone.now()
        overdue = end - task.created_at > sla
        return format_html(
            '<span title="SLA {}">{}{}</span>', sla, timesince(task.created_at, end), " ⚠" if overdue else ""
        )

    @admin.display(description="claimed by")
    def claimed_by(self, task: ReviewTask) -> str:
        active = task.claim_expires_at is not None and task.claim_expires_at > timezone.now()
        return task.assignee.get_username() if task.assignee is not None and active else ""

    @admin.display(description="image")
    def image(self, task: ReviewTask) -> SafeString | str:
        result = task.result
        if result.media_type != "image" or not result.s3_key:
            return "—"
        url = download_link(
            tenant=result.tenant, bucket=result.s3_bucket, key=result.s3_key, expires_in=IMAGE_LINK_SECONDS
        )
        return format_html(
            '<a href="{}" rel="noreferrer" target="_blank">Open the image (link valid {} s)</a>',
            url,
            IMAGE_LINK_SECONDS,
        )

    @admin.display(description="flagged labels")
    def flagged(self, task: ReviewTask) -> SafeString:
        result = task.result
        if result.media_type == "image":
            return _labels_html(result.labels)
        segments = format_html_join(
            "",
            "<li>{} s: {}</li>",
            (
                (segment["timestamp_ms"] / 1000, ", ".join(label["name"] for label in segment["labels"]))
                for segment in result.flagged_segments
            ),
        )
        return format_html("<ul>{}</ul>", segments)


@admin.register(ModerationSettings)
class ModerationSettingsAdmin(TenantOwnedAdmin):
    list_display = ["__str__", "upload_retention_days", "updated_at"]
    fields = ["upload_retention_days"]
