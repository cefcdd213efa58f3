"""A test-only URLConf: API views that raise a chosen domain error, or serve a method with no policy action."""

from __future__ import annotations

from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.views import ApiView
from vision import errors


class RaisingView(ApiView):
    policy_actions = {"GET": "tests:Raise"}

    def get(self, request: Request, name: str) -> Response:
        error = getattr(errors, name)
        if error is errors.RateLimited:
            raise error("No DetectFaces capacity.", retry_after=2.2)
        raise error(f"{name} raised by a test view.")


class UnmappedView(ApiView):
    policy_actions = {"GET": "tests:Read"}

    def get(self, request: Request) -> Response:
        return Response({"secret": "read"})

    def delete(self, request: Request) -> Response:
        return Response({"secret": "deleted"})


urlpatterns = [
    path("v1/raise/<str:name>", RaisingView.as_view()),
    path("v1/unmapped", UnmappedView.as_view()),
]
