"""URL routes: /v1/ for the API, /admin/ for tenant admins and operators, health probes."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, include, path
from django.views import defaults
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.api.problems import problem_response
from config.health import healthz, readyz
from tenants.api import TenantView
from verification.access_api import SubjectExportView
from verification.api import (
    SubjectConsentListView,
    SubjectDetailView,
    SubjectListView,
    VerificationDetailView,
    VerificationListView,
)
from verification.batch_api import BatchIndexItemListView, BatchIndexJobDetailView, BatchIndexJobListView
from verification.documents_api import DocumentDetailView, DocumentListView
from verification.erasure_api import ConsentWithdrawView, ErasureDetailView, ErasureListView, ErasureReceiptView
from verification.kpis_api import KpisView
from verification.liveness_api import LivenessSessionDetailView, LivenessSessionListView
from vision.metrics import metrics_view

api_v1: list[URLPattern | URLResolver] = [
    path("tenant", TenantView.as_view(), name="tenant"),
    path("subjects", SubjectListView.as_view(), name="subject-list"),
    path("subjects/<str:subject_id>", SubjectDetailView.as_view(), name="subject-detail"),
    path("subjects/<str:subject_id>/consents", SubjectConsentListView.as_view(), name="subject-consent-list"),
    path("subjects/<str:subject_id>/export", SubjectExportView.as_view(), name="subject-export"),
    path(
        "subjects/<str:subject_id>/consents/<str:consent_id>/withdraw",
        ConsentWithdrawView.as_view(),
        name="subject-consent-withdraw",
    ),
    path("erasures", ErasureListView.as_view(), name="erasure-list"),
    path("erasures/<str:erasure_id>", ErasureDetailView.as_view(), name="erasure-detail"),
    path("erasures/<str:erasure_id>/receipt", ErasureReceiptView.as_view(), name="erasure-receipt"),
    path("verifications", VerificationListView.as_view(), name="verification-list"),
    path("verifications/<str:verification_id>", VerificationDetailView.as_view(), name="verification-detail"),
    path("batch-index-jobs", BatchIndexJobListView.as_view(), name="batch-index-job-list"),
    path("batch-index-jobs/<str:job_id>", BatchIndexJobDetailView.as_view(), name="batch-index-job-detail"),
    path("batch-index-jobs/<str:job_id>/items", BatchIndexItemListView.as_view(), name="batch-index-item-list"),
    path("documents", DocumentListView.as_view(), name="document-list"),
    path("documents/<str:document_id>", DocumentDetailView.as_view(), name="document-detail"),
    path("liveness-sessions", LivenessSessionListView.as_view(), name="liveness-session-list"),
    path(
        "liveness-sessions/<str:liveness_session_id>",
        LivenessSessionDetailView.as_view(),
        name="liveness-session-detail",
    ),
    path("kpis", KpisView.as_view(), name="kpis"),
    path("", include("audit.urls")),
    path("", include("moderation.urls")),
    path("", include("webhooks.urls")),
    path("schema", SpectacularAPIView.as_view(), name="schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
]

urlpatterns = [
    path("v1/", include(api_v1)),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
]


def _wants_problem(request: HttpRequest) -> bool:
    return not request.path.startswith("/admin/")


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_problem(request):
        return problem_response(request, 404, "not_found", "No such resource.")
    return defaults.page_not_found(request, exception)


def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_problem(request):
        return problem_response(request, 400, "bad_request", "The request could not be understood.")
    return defaults.bad_request(request, exception)  # type: ignore[arg-type]


def handler500(request: HttpRequest) -> HttpResponse:
    if _wants_problem(request):
        return problem_response(request, 500, "internal_error", "An unexpected error occurred; it has been logged.")
    return defaults.server_error(request)
