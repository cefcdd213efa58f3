"""The audit API's routes, included by config/urls.py under /v1/."""

from django.urls import path

from audit.api import EventDetailView, EventListView, ExportDetailView, ExportListView, PublicKeysView

urlpatterns = [
    path("audit/events", EventListView.as_view(), name="audit-event-list"),
    path("audit/events/<str:event_id>", EventDetailView.as_view(), name="audit-event-detail"),
    path("audit/exports", ExportListView.as_view(), name="audit-export-list"),
    path("audit/exports/<str:export_id>", ExportDetailView.as_view(), name="audit-export-detail"),
    path("audit/public-keys", PublicKeysView.as_view(), name="audit-public-keys"),
]
