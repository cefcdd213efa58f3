"""The webhooks API's routes, included by config/urls.py under /v1/."""

from django.urls import path

from webhooks.api import (
    AttemptListView,
    EndpointDetailView,
    EndpointListView,
    EndpointRotateSecretView,
    EventDetailView,
    EventListView,
    EventRedeliverView,
)

urlpatterns = [
    path("webhook-endpoints", EndpointListView.as_view(), name="webhook-endpoint-list"),
    path("webhook-endpoints/<str:endpoint_id>", EndpointDetailView.as_view(), name="webhook-endpoint-detail"),
    path(
        "webhook-endpoints/<str:endpoint_id>/rotate-secret",
        EndpointRotateSecretView.as_view(),
        name="webhook-endpoint-rotate-secret",
    ),
    path("webhook-endpoints/<str:endpoint_id>/attempts", AttemptListView.as_view(), name="webhook-endpoint-attempts"),
    path("events", EventListView.as_view(), name="event-list"),
    path("events/<str:event_id>", EventDetailView.as_view(), name="event-detail"),
    path("events/<str:event_id>/redeliver", EventRedeliverView.as_view(), name="event-redeliver"),
]
