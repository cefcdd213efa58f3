"""DRF authentication by API key; the key was already resolved once by TenantScopeMiddleware."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from tenants.models import ApiKey


def api_key_of(request: Request) -> ApiKey:
    """The authenticated key of an API request (views run only after authentication succeeded)."""
    api_key = request.auth
    assert isinstance(api_key, ApiKey)
    return api_key


class ApiKeyAuthentication(BaseAuthentication):
    """Every failure (missing, malformed, unknown, revoked, expired) is the same 401."""

    def authenticate(self, request: Request) -> tuple[ApiKey, ApiKey]:
        api_key = getattr(request._request, "api_key", None)
        if api_key is None:
            raise AuthenticationFailed()
        return api_key, api_key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="verity"'


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "tenants.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "An API key: vk_live_… or vk_test_…"}
