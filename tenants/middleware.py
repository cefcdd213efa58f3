"""Resolves who is calling (API key or admin user) and runs the rest of the request in their scope."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from audit.recording import record_api_request
from config.api.throttling import anonymous_request_refusal
from tenants.keys import bearer_token
from tenants.scope import platform_scope, tenant_scope
from tenants.selectors import api_key_resolve, membership_for_user
from tenants.services import apikey_mark_used

API_PREFIX = "/v1/"


class TenantScopeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self._scoped(request)
        deferred = getattr(request, "audit_deferred", None)
        if deferred is not None:
            # The request's transaction has ended (rolled back): its failure event stands alone.
            record_api_request(request=request, commit_now=True, **deferred)
        return response

    def _scoped(self, request: HttpRequest) -> HttpResponse:
        request.api_key = None  # type: ignore[attr-defined]
        request.membership = None  # type: ignore[attr-defined]
        if request.path.startswith(API_PREFIX):
            token = bearer_token(request)
            api_key = api_key_resolve(token) if token else None
            if api_key is None:
                # The API view answers 401 (audited), until the address has sent too many.
                return anonymous_request_refusal(request) or self.get_response(request)
            request.api_key = api_key  # type: ignore[attr-defined]
            with tenant_scope(api_key.tenant):
                apikey_mark_used(api_key=api_key)
                return self.get_response(request)

        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            return self.get_response(request)
        if user.is_superuser:
            with platform_scope():
                return self.get_response(request)
        membership = membership_for_user(user.pk)
        if membership is None:
            return self.get_response(request)  # the admin refuses a staff user with no tenant
        request.membership = membership  # type: ignore[attr-defined]
        with tenant_scope(membership.tenant):
            return self.get_response(request)
