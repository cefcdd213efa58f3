"""Idempotent POSTs (``Idempotency-Key``): the claim, the stored response, its replay, and the purge.

A POST with a key first *claims* it: a row inserted in a short transaction of its own, so no
lock or transaction stays open while the request works (it may call AWS). The same key and body
later replays the stored response; a different body is a 409 ``idempotency_conflict``; the same
key while the first request still runs is a 409 ``idempotency_in_progress`` (as Stripe and the
IETF draft do: the client retries shortly). Only a success is stored; any other outcome releases
the claim, so a retry runs again. A claim left by a crashed process expires after
``CLAIM_TIMEOUT`` and records after ``VERITY_IDEMPOTENCY_TTL_HOURS``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request
from rest_framework.response import Response

from config.errors import Conflict, InvalidInput
from tenants.authentication import api_key_of
from tenants.models import IdempotencyRecord, Tenant
from tenants.scope import require_scope

IDEMPOTENCY_HEADER = "Idempotency-Key"
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
_REPLAYED_HEADERS = ("Content-Type", "Location")
# Longer than any request may run (gunicorn's timeout): a claim older than this was abandoned.
CLAIM_TIMEOUT = timedelta(minutes=5)

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    {"type": "string", "pattern": "^[!-~]+$", "minLength": 1, "maxLength": 255},  # as _IDEMPOTENCY_KEY
    OpenApiParameter.HEADER,
    description=(
        "Repeat a POST safely: the same key and body within 24 h return the stored response; "
        "409 idempotency_in_progress while the first request with the key still runs."
    ),
)


def idempotency_claim(*, tenant: Tenant, key: str, fingerprint: str) -> IdempotencyRecord | None:
    """Claim ``key`` for this request (None: go ahead), or return the finished request's record."""
    require_scope(tenant)
    now = timezone.now()
    with transaction.atomic():
        record = IdempotencyRecord.objects.select_for_update().filter(key=key).first()
        expired = record is not None and (
            record.created_at < now - timedelta(hours=settings.VERITY_IDEMPOTENCY_TTL_HOURS)
            or (record.response_status is None and record.created_at < now - CLAIM_TIMEOUT)
        )
        if record is None or expired:
            IdempotencyRecord.objects.filter(key=key).delete()
            try:
                with transaction.atomic():
                    IdempotencyRecord.objects.create(tenant=tenant, key=key, request_fingerprint=fingerprint)
                return None
            except IntegrityError:  # a concurrent request claimed it first
                pass
            record = IdempotencyRecord.objects.get(key=key)
    if record.request_fingerprint != fingerprint:
        raise Conflict("This Idempotency-Key was already used with a different request.", code="idempotency_conflict")
    if record.response_status is None:
        raise Conflict(
            "A request with this Idempotency-Key is still being processed; retry shortly.",
            code="idempotency_in_progress",
        )
    return record


def idempotency_store(*, tenant: Tenant, key: str, status: int, body: bytes, headers: dict[str, str]) -> None:
    """Keep the claimed request's successful response for replay."""
    require_scope(tenant)
    IdempotencyRecord.objects.filter(key=key, response_status__isnull=True).update(
        response_status=status, response_body=body, response_headers=headers
    )


def idempotency_release(*, tenant: Tenant, key: str) -> None:
    """Give up a claim whose request did not succeed, so that a retry runs again."""
    require_scope(tenant)
    IdempotencyRecord.objects.filter(key=key, response_status__isnull=True).delete()


def idempotency_records_purge(*, older_than: timedelta | None = None) -> int:
    """Delete every tenant's records (and abandoned claims) older than the TTL."""
    require_scope(platform=True)
    cutoff = timezone.now() - (older_than or timedelta(hours=settings.VERITY_IDEMPOTENCY_TTL_HOURS))
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


class _Replay(Exception):
    def __init__(self, response: HttpResponse) -> None:
        self.response = response


def _fingerprint(request: Request) -> str:
    body = request._request.body
    with contextlib.suppress(ValueError, UnicodeDecodeError):  # not JSON: the raw bytes are compared
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256((request.method or "").encode() + b" " + request.path.encode() + b"\n" + body).hexdigest()


class IdempotentPostMixin:
    """The API view's hooks: claim in ``initial``, replay in ``handle_exception``, store or release at the end."""

    _idempotency_key: str | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        self._idempotency_key = None
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if request.method != "POST" or key is None:
            return
        if not _IDEMPOTENCY_KEY.match(key):
            raise InvalidInput(
                "Idempotency-Key must be 1–255 printable ASCII characters.", code="invalid_idempotency_key"
            )
        record = idempotency_claim(tenant=api_key_of(request).tenant, key=key, fingerprint=_fingerprint(request))
        if record is not None:
            response = HttpResponse(bytes(record.response_body), status=record.response_status)
            for name, value in record.response_headers.items():
                response[name] = value
            response["Idempotent-Replayed"] = "true"
            raise _Replay(response)
        self._idempotency_key = key

    def handle_exception(self, exc: Exception) -> Any:
        if isinstance(exc, _Replay):
            return exc.response
        return super().handle_exception(exc)  # type: ignore[misc]

    def idempotency_finish(self, request: Request, response: Any) -> None:
        key = self._idempotency_key
        if key is None:
            return
        tenant = api_key_of(request).tenant
        if isinstance(response, Response) and 200 <= response.status_code < 300:
            response.render()
            headers = {h: response[h] for h in _REPLAYED_HEADERS if response.has_header(h)}
            idempotency_store(
                tenant=tenant, key=key, status=response.status_code, body=response.content, headers=headers
            )
        else:
            idempotency_release(tenant=tenant, key=key)
