"""Domain errors of the vision gateway: bad images, quota exhaustion and engine failures.

Codes are stable (the API renders them as problem details). Engine errors that say nothing
about the caller's input (throttling, outages, access denied) are 5xx: the caller did nothing
wrong, and the caller's own rate limit (429 ``rate_limited``) is a separate, local decision.
"""

from __future__ import annotations

from typing import Any

from config.errors import DomainError, InvalidInput, NotFound, UpstreamUnavailable


class InvalidImageFormat(InvalidInput):
    code = "invalid_image_format"
    title = "Unsupported image format"


class ImageTooLarge(InvalidInput):
    code = "image_too_large"
    title = "Image too large"


class ImageTooSmall(InvalidInput):
    code = "image_too_small"
    title = "Image too small"


class ImageCorrupt(InvalidInput):
    code = "image_corrupt"
    title = "Corrupt image"


class InvalidS3Object(InvalidInput):
    code = "invalid_s3_object"
    title = "Unusable S3 object"


class InvalidParameter(InvalidInput):
    code = "invalid_parameter"
    title = "Invalid engine parameter"


class ResourceNotFound(NotFound):
    """A collection, liveness session or video job the engine does not know."""

    code = "resource_not_found"


class ResourceConflict(DomainError):
    """The resource already exists, is in use, or an idempotency token was reused differently."""

    status = 409
    code = "resource_conflict"


class RateLimited(DomainError):
    """The tenant's quota for an operation had no token within the allowed wait."""

    status = 429
    code = "rate_limited"

    def __init__(self, detail: str, *, retry_after: float, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail, extra={"retry_after": round(retry_after, 3)} | (extra or {}))
        self.retry_after = retry_after


class EngineThrottled(UpstreamUnavailable):
    code = "engine_throttled"
    title = "The recognition engine is throttling requests"


class EngineUnavailable(UpstreamUnavailable):
    """5xx or connection failures that outlasted the retries."""

    code = "engine_unavailable"


class EngineOutcomeUnknown(UpstreamUnavailable):
    """A non-idempotent request may have been applied but its answer was lost; it was not resent."""

    code = "engine_outcome_unknown"


class EngineAccessDenied(DomainError):
    status = 502
    code = "engine_access_denied"
    title = "The platform may not use the recognition engine"


class EngineError(DomainError):
    status = 502
    code = "engine_error"
    title = "The recognition engine failed"
