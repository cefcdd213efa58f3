"""Rate limiting for the REST API (429 ``rate_limited`` with Retry-After): per key, and per address without one.

A key is counted against its own rate and its tenant's API quota (``ApiKey.rate_limits``), so
no key goes faster than its tenant's quota, whatever was stored on it.
"""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from config import ratelimit
from config.api.network import client_ip
from config.api.problems import problem_response
from config.ratelimit import parse_rate
from tenants.authentication import api_key_of

__all__ = ["FLOOD_API", "UNKNOWN_SOURCE", "ApiKeyRateThrottle", "anonymous_request_refusal", "parse_rate"]

FLOOD_API = "api"
# Callers whose address cannot be established share one budget: unknown is not a free pass.
UNKNOWN_SOURCE = "unknown"


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


def anonymous_request_refusal(request: HttpRequest) -> HttpResponse | None:
    """429 once a source address has sent too many ``/v1/`` requests without a valid key, else None.

    Requests under the limit are answered (401) and audited as usual; refused ones are only
    counted, and recorded as one summary event per address and window (``count_refused``).
    """
    source = client_ip(request) or UNKNOWN_SOURCE
    rate = parse_rate(settings.VERITY_ANONYMOUS_API_RATE)
    decision = ratelimit.hit(rate, "anonymous", source)
    if decision.allowed:
        return None
    ratelimit.count_refused(FLOOD_API, source)
    wait = max(math.ceil(decision.retry_after), 1)
    response = problem_response(
        request, 429, "rate_limited", f"Too many requests without a valid API key; retry in {wait} s."
    )
    response["Retry-After"] = str(wait)
    response["RateLimit-Limit"] = str(decision.limit)
    response["RateLimit-Remaining"] = "0"
    response["RateLimit-Reset"] = str(wait)
    return response
