"""RFC 9457 problem details: the one place where every API error becomes a response.

Each problem has a stable ``code`` (``type`` is ``urn:verity:problem:<code>``); the codes are
listed in docs/errors.md. Unhandled errors answer 500 ``internal_error`` and never a traceback.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response

from config.errors import DomainError

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
AUTHENTICATION_FAILED_DETAIL = "A valid API key is required (Authorization: Bearer vk_…)."
# A problem's title unless its domain error has a more specific one (DomainError.title).
STATUS_TITLES = {
    400: "Bad request",
    401: "Authentication failed",
    403: "Permission denied",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    429: "Too many requests",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
}


def problem_body(
    request: HttpRequest | None, status: int, code: str, detail: str, *, title: str | None = None, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"urn:verity:problem:{code}",
        "title": title or STATUS_TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if request is not None:
        body["instance"] = request.path
        body["request_id"] = getattr(request, "request_id", None)
    body.update(extra)
    return body


def problem_response(request: HttpRequest | None, status: int, code: str, detail: str, **extra: Any) -> JsonResponse:
    """A problem outside DRF (middleware, Django's 404/500 handlers)."""
    return JsonResponse(
        problem_body(request, status, code, detail, **extra), status=status, content_type=PROBLEM_CONTENT_TYPE
    )


def _validation_errors(detail: Any, path: str = "") -> list[dict[str, str]]:
    if isinstance(detail, dict):
        return [e for key, value in detail.items() for e in _validation_errors(value, f"{path}/{key}")]
    if isinstance(detail, list):
        if all(isinstance(item, drf.ErrorDetail) for item in detail):
            return [{"pointer": path or "/", "code": item.code or "invalid", "detail": str(item)} for item in detail]
        return [e for index, item in enumerate(detail) for e in _validation_errors(item, f"{path}/{index}")]
    return [{"pointer": path or "/", "code": getattr(detail, "code", "invalid"), "detail": str(detail)}]


def _classify(exc: Exception) -> tuple[int, str, str, dict[str, Any], dict[str, str]]:
    """(status, code, detail, extra body fields, headers) for an exception."""
    if isinstance(exc, DomainError):
        headers = {}
        if exc.status == 429:  # e.g. a tenant's engine quota: its own wait, not the key's limit
            headers["Retry-After"] = str(max(math.ceil(getattr(exc, "retry_after", 1) or 1), 1))
        return exc.status, exc.code, exc.detail, exc.extra, headers
    if isinstance(exc, (drf.AuthenticationFailed, drf.NotAuthenticated)):
        return (
            401,
            "authentication_failed",
            AUTHENTICATION_FAILED_DETAIL,
            {},
            {"WWW-Authenticate": 'Bearer realm="verity"'},
        )
    if isinstance(exc, drf.ValidationError):
        errors = _validation_errors(exc.detail)
        return 400, "validation_error", "The request body is not valid.", {"errors": errors}, {}
    if isinstance(exc, drf.ParseError):
        return 400, "malformed_json", "The request body is not valid JSON.", {}, {}
    if isinstance(exc, drf.UnsupportedMediaType):
        return 415, "unsupported_media_type", str(exc.detail), {}, {}
    if isinstance(exc, (drf.PermissionDenied, DjangoPermissionDenied)):
        return 403, "permission_denied", "This API key may not perform this action.", {}, {}
    if isinstance(exc, (drf.NotFound, Http404)):
        return 404, "not_found", "No such resource.", {}, {}
    if isinstance(exc, drf.MethodNotAllowed):
        return 405, "method_not_allowed", str(exc.detail), {}, {}
    if isinstance(exc, drf.NotAcceptable):
        return 406, "not_acceptable", str(exc.detail), {}, {}
    if isinstance(exc, drf.Throttled):
        wait = int(getattr(exc, "wait", None) or 1)
        return 429, "rate_limited", f"Rate limit exceeded; retry in {wait} s.", {}, {"Retry-After": str(wait)}
    if isinstance(exc, RequestDataTooBig):
        return 413, "request_too_large", "The request body is larger than this API accepts.", {}, {}
    return 500, "internal_error", "An unexpected error occurred; it has been logged.", {}, {}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF's EXCEPTION_HANDLER: render any exception as a problem.

    An error changes nothing because the service that raised it owns its transaction: raising
    inside ``transaction.atomic()`` rolls it back.
    """
    status, code, detail, extra, headers = _classify(exc)
    if status >= 500:
        logger.error("Unhandled error in %s", context.get("view"), exc_info=exc)
    request = context.get("request")
    django_request = getattr(request, "_request", None)
    rate = getattr(django_request, "rate_limit_decision", None)
    if isinstance(exc, drf.Throttled) and rate is not None:
        headers |= {
            "RateLimit-Limit": str(rate.limit),
            "RateLimit-Remaining": "0",
            "RateLimit-Reset": headers["Retry-After"],
        }
    if status == 405 and getattr(context.get("view"), "allowed_methods", None):
        headers["Allow"] = ", ".join(context["view"].allowed_methods)
    title = exc.title if isinstance(exc, DomainError) else None
    body = problem_body(django_request, status, code, detail, title=title, **extra)
    return Response(body, status=status, headers=headers, content_type=PROBLEM_CONTENT_TYPE)
