"""Domain errors raised by services and selectors; the API renders them once as problem details.

Each error carries a stable ``code`` (documented in docs/errors.md) and the HTTP status it maps to.
A ``title`` is set only where it says more than the status does; otherwise the problem's title is
the status's own (config/api/problems.py), so each title is written once.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    code = "bad_request"
    title: str | None = None

    def __init__(self, detail: str, *, code: str | None = None, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.extra = extra or {}


class InvalidInput(DomainError):
    status = 400
    code = "invalid_input"
    title = "Invalid input"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"


class UpstreamUnavailable(DomainError):
    status = 503
    code = "upstream_unavailable"
    title = "A service Verity depends on is unavailable"
