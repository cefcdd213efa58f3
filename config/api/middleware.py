"""Request plumbing that runs before any view: request ids and the body size limit."""

from __future__ import annotations

import contextvars
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from config.api.problems import problem_response

REQUEST_ID_HEADER = "X-Request-Id"
_ACCEPTABLE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("verity_request_id", default=None)


class RequestIdMiddleware:
    """Accept a well-formed X-Request-Id or make one; echo it; refuse oversized bodies early."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        offered = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = offered if _ACCEPTABLE_REQUEST_ID.match(offered) else str(uuid.uuid4())
        request.request_id = request_id  # type: ignore[attr-defined]
        token = current_request_id.set(request_id)
        try:
            response = self._guarded(request)
        finally:
            current_request_id.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response

    def _guarded(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return problem_response(request, 400, "invalid_content_length", "Content-Length is not a number.")
        if length > settings.VERITY_MAX_BODY_BYTES:
            return problem_response(
                request,
                413,
                "request_too_large",
                f"The request body is larger than {settings.VERITY_MAX_BODY_BYTES} bytes.",
            )
        return self.get_response(request)
