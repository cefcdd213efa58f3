"""The moderation API's routes, included by config/urls.py under /v1/."""

from django.urls import path

from moderation.api import ImageDetailView, ImageListView, PolicyView, VideoDetailView, VideoListView
from moderation.review_api import ReviewClaimView, ReviewDecisionView, ReviewDetailView, ReviewListView
from moderation.stats_api import StatsView

urlpatterns = [
    path("moderation/policy", PolicyView.as_view(), name="moderation-policy"),
    path("moderation/images", ImageListView.as_view(), name="moderation-image-list"),
    path("moderation/images/<str:moderation_id>", ImageDetailView.as_view(), name="moderation-image-detail"),
    path("moderation/videos", VideoListView.as_view(), name="moderation-video-list"),
    path("moderation/videos/<str:moderation_id>", VideoDetailView.as_view(), name="moderation-video-detail"),
    path("moderation/stats", StatsView.as_view(), name="moderation-stats"),
    path("reviews", ReviewListView.as_view(), name="review-list"),
    path("reviews/<str:review_id>", ReviewDetailView.as_view(), name="review-detail"),
    path("reviews/<str:review_id>/claim", ReviewClaimView.as_view(), name="review-claim"),
    path("reviews/<str:review_id>/decision", ReviewDecisionView.as_view(), name="review-decision"),
]
