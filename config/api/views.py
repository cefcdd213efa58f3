"""The base of every API view: policy actions, idempotent POSTs, and no hand-written tenant filtering.

Views never override ``get_queryset`` or ``get_object``: reads go through selectors, whose
scoped managers answer 404 alike for "missing" and "another tenant's".
"""

from __future__ import annotations

import contextlib
from typing import Any, ClassVar

from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.recording import record_api_request
from config.api.idempotency import IdempotentPostMixin
from config.api.pagination import CursorPagination
from tenants.permissions import policy_action


class ApiView(IdempotentPostMixin, APIView):
    policy_actions: ClassVar[dict[str, str]] = {}
    # No OPTIONS: it would answer outside the policy; 405 says the same to every caller.
    http_method_names: ClassVar[list[str]] = ["get", "post", "put", "patch", "delete", "head"]  # type: ignore[misc]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for forbidden in ("get_queryset", "get_object"):
            if forbidden in cls.__dict__:
                raise TypeError(f"{cls.__name__} may not define {forbidden}: read through a selector instead.")

    def validated_query(self, filters: type[serializers.Serializer[Any]], request: Request) -> dict[str, Any]:
        """The query string checked by ``filters`` (400 ``validation_error`` otherwise).

        A parameter given with no value (``?start_time=``) is refused, as the schema says, rather
        than read as "no filter": the caller asked for something and would silently get everything.
        """
        checked = filters(data=request.query_params)
        query = request.query_params
        empty = [name for name in query if name in checked.fields and "" in query.getlist(name)]
        if empty:
            raise serializers.ValidationError(
                {name: ["This parameter may not be empty."] for name in empty}, code="blank"
            )
        checked.is_valid(raise_exception=True)
        return dict(checked.validated_data)

    def paginated(
        self,
        queryset: QuerySet[Any],
        output: type[serializers.Serializer[Any]],
        request: Request,
        paginator: CursorPagination | None = None,
    ) -> Response:
        """One cursor page of ``queryset`` rendered with ``output``."""
        paginator = paginator or CursorPagination()
        page = paginator.paginate_queryset(queryset, request)
        return paginator.get_paginated_response(output(page, many=True).data)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        self._audit(request, response)
        self.idempotency_finish(request, response)
        return response

    def _audit(self, request: Request, response: Any) -> None:
        """Record the request; a failure's event commits on its own, whatever its caller's transaction does."""
        action = policy_action(self, request.method) or f"api:{(request.method or '').title()}NotAllowed"
        body = getattr(response, "data", None) if isinstance(response, Response) else None
        parameters = {**self.kwargs, **request.query_params.dict()}
        with contextlib.suppress(Exception):  # an unparseable body was already answered with a 400
            if isinstance(request.data, dict):
                parameters |= request.data
        event = {
            "action": action,
            "status_code": response.status_code,
            "request_parameters": parameters,
            "response_elements": body if isinstance(body, dict) and response.status_code < 400 else None,
            "error_code": body.get("code") if isinstance(body, dict) and response.status_code >= 400 else None,
            "error_message": body.get("detail") if isinstance(body, dict) and response.status_code >= 400 else None,
        }
        record_api_request(request=request._request, commit_now=response.status_code >= 400, **event)
