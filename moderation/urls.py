"""The moderation API's routes, included by config/urls.py under /v1/."""

from django.urls import path

from moderation.api import ImageDetailView, ImageListView, PolicyView, VideoDetailView, VideoListView

urlpatterns = [
    path("moderation/policy", PolicyView.as_view(), name="moderation-policy"),
    path("moderation/images", ImageListView.as_view(), name="moderation-image-list"),
    path("moderation/images/<str:moderation_id>", ImageDetailView.as_view(), name="moderation-image-detail"),
    path("moderation/videos", VideoListView.as_view(), name="moderation-video-list"),
    path("moderation/videos/<str:moderation_id>", VideoDetailView.as_view(), name="moderation-video-detail"),
]
