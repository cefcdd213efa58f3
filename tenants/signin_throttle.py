"""Failed admin sign-ins are limited per username and address, and per address.

Each failed attempt takes a token from both limits (``user_login_failed``). Once either is
exhausted, further attempts are refused with 429 before any password is checked: nothing is
authenticated, no ``ConsoleLogin`` event is written per attempt, and the refusals are counted
into one summary event per address and window (``config.ratelimit.count_refused``). Usernames
are hashed in limiter keys: people type passwords into that field.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from config import ratelimit
from config.api.network import client_ip
from config.api.throttling import UNKNOWN_SOURCE
from config.ratelimit import RateLimitItem, parse_rate

FLOOD_SIGNIN = "signin"


def _limits(request: HttpRequest, username: str) -> tuple[str, list[tuple[RateLimitItem, tuple[str, ...]]]]:
    source = client_ip(request) or UNKNOWN_SOURCE
    name = hashlib.sha256(username.casefold().encode("utf-8", "replace")).hexdigest()[:32]
    return source, [
        (parse_rate(settings.VERITY_SIGNIN_FAILURE_RATE), ("signin", name, source)),
        (parse_rate(settings.VERITY_SIGNIN_FAILURE_IP_RATE), ("signin-ip", source)),
    ]


def _username(credentials: Mapping[str, Any]) -> str:
    return str(credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username") or "")


def on_login_failed(sender: Any, credentials: Mapping[str, Any], request: HttpRequest | None, **kwargs: Any) -> None:
    if request is None:
        return  # not a sign-in over HTTP (e.g. a test client's login())
    _, limits = _limits(request, _username(credentials))
    for rate, identifiers in limits:
        ratelimit.take(rate, *identifiers)


class SignInThrottleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path == reverse("admin:login"):
            refusal = self._refusal(request)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        source, limits = _limits(request, _username(request.POST))
        for rate, identifiers in limits:
            decision = ratelimit.peek(rate, *identifiers)
            if not decision.allowed:
                ratelimit.count_refused(FLOOD_SIGNIN, source)
                wait = max(math.ceil(decision.retry_after), 1)
                response = HttpResponse(
                    f"Too many failed sign-ins. Try again in {wait} seconds.\n",
                    status=429,
                    content_type="text/plain; charset=utf-8",
                )
                response["Retry-After"] = str(wait)
                return response
        return None
