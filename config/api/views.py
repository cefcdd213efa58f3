"""The base of every API view: policy actions, idempotent POSTs, and no hand-written tenant filtering.

Views never override ``get_queryset`` or ``get_object``: reads go through selectors, whose
scoped managers answer 404 alike for "missing" and "another tenant's".
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from typing import Any, ClassVar

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.recording import record_api_request
from config.api.pagination import CursorPagination
from config.errors import InvalidInput
from tenants.authentication import api_key_of
from tenants.permissions import policy_action
from tenants.services import idempotency_claim, idempotency_store

IDEMPOTENCY_HEADER = "Idempotency-Key"
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
_REPLAYED_HEADERS = ("Content-Type", "Location")

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    {"type": "string", "pattern": "^[!-~]+$", "minLength": 1, "maxLength": 255},  # as _IDEMPOTENCY_KEY
    OpenApiParameter.HEADER,
    description="Repeat a POST safely: the same key and body within 24 h return the stored response.",
)


class _Replay(Exception):
    def __init__(self, response: HttpResponse) -> None:
        self.response = response


def _fingerprint(request: Request) -> str:
    body = request._request.body
    with contextlib.suppress(ValueError, UnicodeDecodeError):  # not JSON: the raw bytes are compared
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256((request.method or "").encode() + b" " + request.path.encode() + b"\n" + body).hexdigest()


class ApiView(APIView):
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

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        self._idempotency: tuple[str, str] | None = None
        super().initial(request, *args, **kwargs)
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if request.method != "POST" or key is None:
            return
        if not _IDEMPOTENCY_KEY.match(key):
            raise InvalidInput(
                "Idempotency-Key must be 1–255 printable ASCII characters.", code="invalid_idempotency_key"
            )
        fingerprint = _fingerprint(request)
        record = idempotency_claim(tenant=api_key_of(request).tenant, key=key, fingerprint=fingerprint)
        if record is not None:
            response = HttpResponse(bytes(record.response_body), status=record.response_status)
            for name, value in record.response_headers.items():
                response[name] = value
            response["Idempotent-Replayed"] = "true"
            raise _Replay(response)
        self._idempotency = (key, fingerprint)

    def handle_exception(self, exc: Exception) -> Any:
        if isinstance(exc, _Replay):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        self._audit(request, response)
        if getattr(self, "_idempotency", None) and isinstance(response, Response) and 200 <= response.status_code < 300:
            key, fingerprint = self._idempotency  # type: ignore[misc]
            response.render()
            idempotency_store(
                tenant=api_key_of(request).tenant,
                key=key,
                fingerprint=fingerprint,
                status=response.status_code,
                body=response.content,
                headers={h: response[h] for h in _REPLAYED_HEADERS if response.has_header(h)},
            )
        return response

    def _audit(self, request: Request, response: Any) -> None:
        """Record the request: a success in the request's own transaction, a failure after it ends.

        An error rolls the request's transaction back (nothing it did happened), so its event is
        handed to TenantScopeMiddleware, which writes it once the transaction is over.
        """
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
        if response.status_code < 400:
            record_api_request(request=request._request, **event)
        else:
            request._request.audit_deferred = event  # type: ignore[attr-defined]
