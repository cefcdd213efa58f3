"""Resolves who is calling (API key or admin user) and runs the rest of the request in their scope."""

from __future__ import annotations

import copy
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from config.api.problems import problem_response
from config.api.throttling import anonymous_request_refusal
from tenants.keys import bearer_token
from tenants.models import ApiKey, ApiKeyMode, Tenant
from tenants.provisioning import test_tenant_ensure
from tenants.scope import platform_scope, tenant_scope
from tenants.selectors import api_key_resolve, api_key_tenant, membership_for_user, test_tenant_of
from tenants.services import apikey_mark_used
from vision.services import collections_ensure
from vision.testmode import TestModeUnavailable

API_PREFIX = "/v1/"


class TenantScopeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.api_key = None  # type: ignore[attr-defined]
        request.membership = None  # type: ignore[attr-defined]
        if request.path.startswith(API_PREFIX):
            token = bearer_token(request)
            tenant_id = api_key_tenant(token) if token else None
            if token and tenant_id is not None:
                with tenant_scope(tenant_id):
                    api_key = api_key_resolve(token)
                    if api_key is not None:
                        request.api_key = api_key  # type: ignore[attr-defined]
                        apikey_mark_used(api_key=api_key)
                        if api_key.mode == ApiKeyMode.TEST:
                            return self._in_test_mode(request, api_key)
                        return self.get_response(request)
            # The API view answers 401 (audited), until the address has sent too many.
            return anonymous_request_refusal(request) or self.get_response(request)

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

    def _in_test_mode(self, request: HttpRequest, api_key: ApiKey) -> HttpResponse:
        """A vk_test_ key acts for its tenant's test twin: the request runs in the twin's scope."""
        try:
            twin = test_tenant_for(api_key.tenant)
        except TestModeUnavailable as exc:
            return problem_response(request, exc.status, exc.code, exc.detail)
        acting = copy.copy(api_key)  # never saved: the key stays its live tenant's
        acting.tenant = twin
        request.api_key = acting  # type: ignore[attr-defined]
        with tenant_scope(twin):
            return self.get_response(request)


# Test twins whose collections this process has seen made.
_twins_ready: set[int] = set()


def test_tenant_for(live: Tenant) -> Tenant:
    """The live tenant's test twin, made (row, then collections on the local engine) on first use."""
    twin = test_tenant_of(live)
    if twin is None:
        with platform_scope():
            twin = test_tenant_ensure(tenant=live)
    if twin.pk not in _twins_ready:
        with tenant_scope(twin):
            collections_ensure(tenant=twin)
        _twins_ready.add(twin.pk)
    return twin
