"""The one door to Rekognition: every call is validated, rate-limited, retried, cached, metered and recorded.

    Gateway(tenant).call("DetectFaces", Image={"Bytes": data}, Attributes=["ALL"])

One code path serves every operation; parameters and answers are boto3's own. Failures are
raised as the domain errors of ``vision.errors``. Every call, successful or not, is published
(``vision.calls``) to the registered call recorders (the audit log) as a ``CallRecord`` without
any image bytes.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore import xform_name
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ParamValidationError,
    ReadTimeoutError,
)
from django.conf import settings
from limits import RateLimitItem

from config import ratelimit
from config.aws import aws_client
from config.errors import DomainError
from tenants.models import Tenant
from tenants.scope import require_scope
from tenants.thresholds import DEFAULT_RATE_QUOTAS
from vision import cache, metrics
from vision.calls import CallRecord, publish
from vision.errors import (
    EngineAccessDenied,
    EngineError,
    EngineOutcomeUnknown,
    EngineThrottled,
    EngineUnavailable,
    ImageTooLarge,
    InvalidImageFormat,
    InvalidParameter,
    InvalidS3Object,
    RateLimited,
    ResourceConflict,
    ResourceNotFound,
)
from vision.models import FaceCollection, collection_prefix
from vision.testmode import Script, test_engine_client
from vision.validation import IMAGE_PARAMETERS, prepare_request

logger = logging.getLogger(__name__)

# AWS's default for control-plane operations (CreateCollection, DescribeCollection…), which
# tenants/thresholds.py does not list because tenants cannot tune them.
CONTROL_PLANE_TPS = 5
THROTTLING_CODES = frozenset(
    {"ThrottlingException", "ProvisionedThroughputExceededException", "LimitExceededException"}
)
# The request never reached the engine: resending is always safe.
_NOT_SENT_ERRORS = (EndpointConnectionError, ConnectTimeoutError)
# The request may have been applied and only its answer lost.
_ANSWER_LOST_ERRORS = (ConnectionClosedError, ReadTimeoutError)
# Operations that must not be resent after a lost answer: a second IndexFaces would index the
# face twice. (StartContentModeration and CreateFaceLivenessSession are idempotent when the
# caller passes a ClientRequestToken; the others read or delete.)
NOT_IDEMPOTENT_OPERATIONS = frozenset({"IndexFaces"})

_NOT_FOUND_CODES = {"ResourceNotFoundException", "SessionNotFoundException"}
_CONFLICT_CODES = {
    "ResourceAlreadyExistsException": "resource_already_exists",
    "ResourceInUseException": "resource_in_use",
    "IdempotentParameterMismatchException": "idempotency_mismatch",
    "ConflictException": "resource_conflict",
}
_INPUT_ERRORS: dict[str, tuple[type[DomainError], str | None]] = {
    "InvalidParameterException": (InvalidParameter, None),
    "InvalidPaginationTokenException": (InvalidParameter, "invalid_pagination_token"),
    "VideoTooLargeException": (InvalidParameter, "video_too_large"),
    "ImageTooLargeException": (ImageTooLarge, None),
    "InvalidImageFormatException": (InvalidImageFormat, None),
    "InvalidS3ObjectException": (InvalidS3Object, None),
}


@dataclass(frozen=True)
class GatewaySettings:
    """Retry, wait and cache limits; each may be overridden by a ``VERITY_VISION_*`` Django setting."""

    max_attempts: int = 4
    retry_base_delay: float = 0.1
    retry_max_delay: float = 2.0
    retry_budget: float = 10.0
    rate_limit_wait: float = 2.0
    cache_ttl: int = 3600

    @classmethod
    def from_django(cls) -> GatewaySettings:
        defaults = cls()
        return cls(
            max_attempts=getattr(settings, "VERITY_VISION_MAX_ATTEMPTS", defaults.max_attempts),
            retry_base_delay=getattr(settings, "VERITY_VISION_RETRY_BASE_DELAY", defaults.retry_base_delay),
            retry_max_delay=getattr(settings, "VERITY_VISION_RETRY_MAX_DELAY", defaults.retry_max_delay),
            retry_budget=getattr(settings, "VERITY_VISION_RETRY_BUDGET", defaults.retry_budget),
            rate_limit_wait=getattr(settings, "VERITY_VISION_RATE_LIMIT_WAIT", defaults.rate_limit_wait),
            cache_ttl=getattr(settings, "VERITY_VISION_CACHE_TTL", defaults.cache_ttl),
        )


def rate_quota(tenant: Tenant, operation: str) -> int:
    """Transactions per second the tenant may send for ``operation``."""
    override = (tenant.rate_quotas or {}).get(operation)
    return int(override or DEFAULT_RATE_QUOTAS.get(operation, CONTROL_PLANE_TPS))


@functools.cache
def _per_second(tps: int) -> RateLimitItem:
    return ratelimit.parse_rate(f"{tps}/second")


def acquire_token(tenant: Tenant, operation: str, *, max_wait: float) -> None:
    """Take one token of the tenant's quota for ``operation``, waiting at most ``max_wait`` seconds.

    The quota is shared through Redis by every process, so N workers together stay within it.
    """
    rate = _per_second(rate_quota(tenant, operation))
    deadline = time.monotonic() + max_wait
    while True:
        decision = ratelimit.take(rate, "rekognition", tenant.public_id, operation)
        if decision is None:
            return
        metrics.THROTTLES.labels(operation, tenant.slug, "quota").inc()
        remaining = deadline - time.monotonic()
        if decision.retry_after > remaining:
            raise RateLimited(
                f"The quota of {decision.limit} {operation} calls per second is used up.",
                retry_after=decision.retry_after,
            )
        # A little jitter so that waiting workers do not all retry in the same millisecond.
        time.sleep(min(remaining, decision.retry_after * (1 + 0.2 * random.random())))  # noqa: S311 - not a secret


@dataclass
class _Failure:
    """What an engine exception means: the error to raise, and why it may be retried (if it may)."""

    error: DomainError
    retry_reason: str | None = None
    request_id: str | None = None


@dataclass
class _CallState:
    attempts: int = 0
    request_id: str | None = None
    cached: bool = False
    started: float = field(default_factory=time.monotonic)
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))


class Gateway:
    """Calls Rekognition for one tenant (its region, quotas, cache space and audit identity)."""

    def __init__(self, tenant: Tenant, *, max_wait: float | None = None, script: Script | None = None) -> None:
        """``max_wait`` bounds the wait for a rate-limit token (batch workers may wait longer than the web);
        ``script`` answers a test-mode tenant's calls without an engine (vision.testmode)."""
        self.tenant = tenant
        self.settings = GatewaySettings.from_django()
        self.max_wait = self.settings.rate_limit_wait if max_wait is None else max_wait
        self.script = script if not tenant.livemode else None  # never for live data

    @property
    def client(self) -> Any:
        if not self.tenant.livemode:  # test mode: the local endpoint, never AWS
            return test_engine_client(self.tenant.region)
        return aws_client("rekognition", self.tenant.region)

    def call(self, operation: str, /, **params: Any) -> dict[str, Any]:
        """Send one Rekognition operation with boto3's parameters; return boto3's answer."""
        client = self.client
        if operation not in client.meta.service_model.operation_names:
            raise ValueError(f"Rekognition has no operation {operation!r}.")
        state = _CallState()
        redacted: Mapping[str, Any] | None = None
        try:
            self._check_collection(params.get("CollectionId"))
            request = prepare_request(params, tenant=self.tenant)
            redacted = _redact(request)
            key = self._cache_key(operation, client, request, redacted)
            response = cache.cached_result(key) if key else None
            scripted = self.script.answer(operation, request) if self.script is not None else None
            if scripted is not None:
                response, key = scripted, None
            elif response is not None:
                state.cached = True
            else:
                response = self._send(operation, getattr(client, _method_name(operation)), request, state)
                if key:
                    ttl, owner = self.settings.cache_ttl, self.tenant.public_id
                    cache.store_result(key, response, ttl=ttl, tenant_key=owner, images=cache.image_digests(redacted))
        except Exception as exc:
            # Recorded whatever went wrong (a bad image, an engine error, Redis down), then re-raised.
            self._finish(operation, redacted if redacted is not None else _redact(params), state, error=exc)
            raise
        self._finish(operation, redacted, state, response=response)
        return response

    def _check_collection(self, collection_id: Any) -> None:
        """Refuse another tenant's collection before any engine call, as if it did not exist.

        The tenant's collections are named after its public id (``vision.models.collection_name``);
        those named under an earlier rule are the ones its FaceCollection rows record.
        """
        if collection_id is None:
            return
        if isinstance(collection_id, str) and collection_id.startswith(collection_prefix(self.tenant)):
            return
        require_scope(self.tenant)
        if FaceCollection.objects.filter(collection_id=collection_id).exists():
            return
        raise ResourceNotFound(f"Collection {collection_id} was not found.", code="collection_not_found")

    def _cache_key(
        self, operation: str, client: Any, request: Mapping[str, Any], redacted: Mapping[str, Any]
    ) -> str | None:
        if operation not in cache.CACHEABLE_OPERATIONS:
            return None
        if any("S3Object" in request[name] for name in IMAGE_PARAMETERS if name in request):
            return None
        return cache.cache_key(
            tenant_key=self.tenant.public_id,
            endpoint=client.meta.endpoint_url,
            operation=operation,
            canonical_params=redacted,
        )

    def _send(
        self, operation: str, method: Callable[..., dict[str, Any]], request: Mapping[str, Any], state: _CallState
    ) -> dict[str, Any]:
        budget_ends = state.started + self.settings.retry_budget
        while True:
            acquire_token(self.tenant, operation, max_wait=self.max_wait)
            state.attempts += 1
            try:
                response = method(**request)
            except (ClientError, BotoCoreError) as exc:
                failure = _classify(exc, operation, request)
                state.request_id = failure.request_id
                if failure.retry_reason == "throttled":
                    metrics.THROTTLES.labels(operation, self.tenant.slug, "engine").inc()
                delay = self._retry_delay(failure, state, budget_ends)
                if delay is None:
                    raise failure.error from exc
                metrics.RETRIES.labels(operation, self.tenant.slug, failure.retry_reason).inc()
                logger.info("Retrying %s after %s (attempt %d)", operation, type(exc).__name__, state.attempts)
                time.sleep(delay)
                continue
            state.request_id = response.get("ResponseMetadata", {}).get("RequestId")
            return response

    def _retry_delay(self, failure: _Failure, state: _CallState, budget_ends: float) -> float | None:
        """Full-jitter exponential backoff; None when the failure is final (or the budget would be overrun)."""
        if failure.retry_reason is None or state.attempts >= self.settings.max_attempts:
            return None
        ceiling = min(self.settings.retry_max_delay, self.settings.retry_base_delay * 2 ** (state.attempts - 1))
        delay = random.uniform(0, ceiling)  # noqa: S311 - jitter, not a secret
        return delay if time.monotonic() + delay < budget_ends else None

    def _finish(
        self,
        operation: str,
        request_parameters: Mapping[str, Any],
        state: _CallState,
        *,
        response: Mapping[str, Any] | None = None,
        error: Exception | None = None,
    ) -> None:
        elapsed = time.monotonic() - state.started
        if error is None:
            error_code = error_message = None
        elif isinstance(error, DomainError):
            error_code, error_message = error.code, error.detail
        else:
            error_code, error_message = "internal_error", type(error).__name__
        outcome = error_code or ("cached" if state.cached else "ok")
        metrics.CALL_SECONDS.labels(operation, self.tenant.slug).observe(elapsed)
        metrics.CALLS.labels(operation, self.tenant.slug, outcome).inc()
        record = CallRecord(
            tenant_id=self.tenant.pk,
            region=self.tenant.region,
            operation=operation,
            request_parameters=request_parameters,
            response_summary=_summarise(response) if response is not None else None,
            error_code=error_code,
            error_message=error_message,
            started_at=state.started_at,
            latency_ms=elapsed * 1000,
            attempts=state.attempts,
            request_id=state.request_id,
            cached=state.cached,
        )
        publish(record)


@functools.cache
def _method_name(operation: str) -> str:
    return xform_name(operation)


def _classify(exc: ClientError | BotoCoreError, operation: str, request: Mapping[str, Any]) -> _Failure:
    if isinstance(exc, _ANSWER_LOST_ERRORS) and operation in NOT_IDEMPOTENT_OPERATIONS:
        return _Failure(
            EngineOutcomeUnknown(f"The answer to {operation} was lost; it may have been applied and was not resent.")
        )
    if isinstance(exc, _NOT_SENT_ERRORS + _ANSWER_LOST_ERRORS):
        return _Failure(
            EngineUnavailable(f"The recognition engine could not be reached for {operation}."),
            retry_reason="connection",
        )
    if isinstance(exc, ParamValidationError):
        return _Failure(InvalidParameter(str(exc)))
    if isinstance(exc, NoCredentialsError):
        return _Failure(EngineAccessDenied("The platform has no credentials for the recognition engine."))
    if not isinstance(exc, ClientError):
        return _Failure(EngineError(f"{operation} failed: {exc}"))
    code = exc.response.get("Error", {}).get("Code", "")
    message = exc.response.get("Error", {}).get("Message", "") or code
    metadata = exc.response.get("ResponseMetadata", {})
    request_id = metadata.get("RequestId")
    if code in THROTTLING_CODES:
        error: DomainError = EngineThrottled(f"The recognition engine throttled {operation}; try again shortly.")
        return _Failure(error, retry_reason="throttled", request_id=request_id)
    if metadata.get("HTTPStatusCode", 0) >= 500 or code in ("InternalServerError", "ServiceUnavailable"):
        error = EngineUnavailable(f"The recognition engine failed to answer {operation}.")
        return _Failure(error, retry_reason="server_error", request_id=request_id)
    if code in _NOT_FOUND_CODES:
        not_found = "collection_not_found" if "CollectionId" in request else "resource_not_found"
        error = ResourceNotFound(message, code=not_found)
    elif code in _CONFLICT_CODES:
        error = ResourceConflict(message, code=_CONFLICT_CODES[code])
    elif code in _INPUT_ERRORS:
        error_class, error_code = _INPUT_ERRORS[code]
        error = error_class(message, code=error_code)
    elif code == "AccessDeniedException":
        error = EngineAccessDenied(f"The platform may not call {operation}: {message}")
    else:
        error = EngineError(f"{operation} failed ({code or 'unknown error'}).")
    return _Failure(error, request_id=request_id)


def _redact(value: Any) -> Any:
    """The parameters with each binary value replaced by its SHA-256 and size."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"sha256": hashlib.sha256(value).hexdigest(), "size": len(value)}
    if isinstance(value, Mapping):
        return {key: _redact(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redact(item) for item in value]
    return value


def _face_id(item: Any) -> str | None:
    if not isinstance(item, Mapping):
        return None
    face = item.get("Face")
    face_id = item.get("FaceId") or (face.get("FaceId") if isinstance(face, Mapping) else None)
    return face_id if isinstance(face_id, str) else None


def _summarise(response: Mapping[str, Any]) -> dict[str, Any]:
    """Scalars, lists of ids, and for lists of objects their count and the face ids they name.

    Nested objects (bounding boxes, landmarks, liveness reference images) are left out: they are
    biometric data or image bytes.
    """
    summary: dict[str, Any] = {}
    for key, value in response.items():
        ids_only = isinstance(value, list) and all(isinstance(item, str) for item in value)
        if isinstance(value, (str, int, float, bool)) or ids_only:
            summary[key] = value
        elif isinstance(value, list):
            entry: dict[str, Any] = {"count": len(value)}
            if face_ids := [face_id for item in value if (face_id := _face_id(item))]:
                entry["FaceIds"] = face_ids
            summary[key] = entry
    return summary
