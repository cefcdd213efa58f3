"""Per-API-key rate limiting for the REST API (429 ``rate_limited`` with Retry-After)."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from config import ratelimit
from config.ratelimit import parse_rate
from tenants.authentication import api_key_of

__all__ = ["ApiKeyRateThrottle", "parse_rate"]


class ApiKeyRateThrottle(BaseThrottle):
    def __init__(self) -> None:
        self.decision: ratelimit.RateDecision | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        if request.auth is None:
            return True
        api_key = api_key_of(request)
        rate = parse_rate(api_key.rate_limit or settings.VERITY_DEFAULT_API_KEY_RATE)
        self.decision = ratelimit.hit(rate, "api", str(api_key.tenant_id), api_key.prefix)
        request._request.rate_limit_decision = self.decision  # type: ignore[attr-defined]
        return self.decision.allowed

    def wait(self) -> float | None:
        return math.ceil(self.decision.retry_after) if self.decision else None
