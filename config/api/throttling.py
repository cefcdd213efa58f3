"""Per-API-key rate limiting for the REST API (429 ``rate_limited`` with Retry-After).

A key is counted against its own rate and its tenant's API quota (``ApiKey.rate_limits``), so
no key goes faster than its tenant's quota, whatever was stored on it.
"""

from __future__ import annotations

import math
from typing import Any

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
        for rate in api_key.rate_limits():
            self.decision = ratelimit.hit(rate, "api", str(api_key.tenant_id), api_key.prefix)
            if not self.decision.allowed:
                break
        request._request.rate_limit_decision = self.decision  # type: ignore[attr-defined]
        return self.decision is None or self.decision.allowed

    def wait(self) -> float | None:
        return math.ceil(self.decision.retry_after) if self.decision else None
