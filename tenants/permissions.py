"""Authorises each API request against the key's IAM-shaped policy."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from config.api.network import client_ip
from config.errors import PermissionDenied
from tenants.authentication import api_key_of
from tenants.policy import RequestContext, is_allowed


class PolicyPermission(BasePermission):
    """The view names its action per HTTP method in ``policy_actions``; the key's policy decides."""

    def has_permission(self, request: Request, view: Any) -> bool:
        action = view.policy_actions.get(request.method)
        if action is None:
            return True  # the method is not served; DRF answers 405
        context = RequestContext(source_ip=client_ip(request._request), current_time=timezone.now())
        if not is_allowed(api_key_of(request).policy, action, context):
            raise PermissionDenied(f"This API key is not allowed to perform {action}.", extra={"action": action})
        return True
