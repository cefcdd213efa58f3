"""Authorises each API request against the key's IAM-shaped policy.

Every method a view serves is authorised as a policy action: HEAD as the GET action it runs
(Django answers HEAD with the GET handler), anything else only through the view's own
``policy_actions``. A served method with no action is denied, never allowed; a method the view
does not serve is 405 for every caller alike.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework.exceptions import MethodNotAllowed
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from config.api.network import client_ip
from config.errors import PermissionDenied
from tenants.authentication import api_key_of
from tenants.policy import RequestContext, has_source_ip_condition, is_allowed


def policy_action(view: Any, method: str | None) -> str | None:
    """The policy action ``method`` performs on ``view``; HEAD is the GET action unless mapped itself."""
    actions: dict[str, str] = getattr(view, "policy_actions", {})
    method = (method or "").upper()
    if method == "HEAD" and "HEAD" not in actions:
        method = "GET"
    return actions.get(method)


def _serves(view: Any, method: str) -> bool:
    return method.lower() in view.http_method_names and hasattr(view, method.lower())


class PolicyPermission(BasePermission):
    """The view names its action per HTTP method in ``policy_actions``; the key's policy decides."""

    def has_permission(self, request: Request, view: Any) -> bool:
        method = request.method or ""
        if not _serves(view, method):
            raise MethodNotAllowed(method)
        action = policy_action(view, method)
        if action is None:
            raise PermissionDenied(f"{method} has no policy action on this resource.", extra={"action": None})
        policy = api_key_of(request).policy
        source_ip = client_ip(request._request)
        if source_ip is None and has_source_ip_condition(policy):
            # Fail closed: a key restricted by address is never used from an unknown one.
            raise PermissionDenied(
                "The caller's address could not be established, and this API key's policy depends on it.",
                extra={"action": action},
            )
        context = RequestContext(source_ip=source_ip, current_time=timezone.now())
        if not is_allowed(policy, action, context):
            raise PermissionDenied(f"This API key is not allowed to perform {action}.", extra={"action": action})
        return True
