"""The local Rekognition-compatible endpoint as a WSGI application, with fault injection.

``LocalRekognition`` is the application: it verifies the request's SigV4 signature against the
configured key pairs (``vision.local.signing``), takes the caller's account from it, routes
``X-Amz-Target`` to an operation, validates the body against botocore's service model, and
answers in Rekognition's JSON protocol. ``manage.py
rekognition_local`` serves it with gunicorn; ``serve_in_background`` serves it from a thread of
the current process, for tests and benchmarks.

Fault injection: every Rekognition operation first waits the configured latency and then, with
the configured probability, answers a throttling error instead. Defaults come from the
environment at start (``VERITY_LOCAL_LATENCY_MS``, ``VERITY_LOCAL_THROTTLE_RATE``,
``VERITY_LOCAL_THROTTLE_ERROR``); ``VerityLocal.SetFaults`` replaces them for the calling
access key only, so concurrent test runs with different keys do not disturb each other.
"""

from __future__ import annotations

import base64
import datetime
import json
import logging
import math
import os
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import numpy as np
from django.core.exceptions import ImproperlyConfigured
from django.db import close_old_connections, connections

from vision.local.operations import LOCAL_OPERATIONS, OPERATIONS
from vision.local.protocol import (
    LOCAL_PREFIX,
    SERVICE_PREFIX,
    THROTTLING_ERRORS,
    Account,
    Call,
    ImageTooLargeError,
    InternalServerError,
    InvalidParameterError,
    RekognitionError,
    SerializationError,
    UnknownOperationError,
    UnsupportedOperationError,
    operation_model,
    validate_input,
)
from vision.local.signing import SecretLookup, authenticate, configured_secret

logger = logging.getLogger(__name__)

# Two 5 MB images, base64-encoded (CompareFaces), plus the JSON around them.
MAX_REQUEST_BYTES = 16 * 1024 * 1024
CONTENT_TYPE = "application/x-amz-json-1.1"
NOTICE_HEADER = "X-Verity-Local-Notice"
# Injected latency holds a worker thread: long enough for timeout tests, too short to tie them all up.
MAX_LATENCY_MS = 10_000

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


@dataclass(frozen=True)
class Faults:
    latency_ms: float = 0.0
    throttle_rate: float = 0.0
    throttle_error: str = "ProvisionedThroughputExceededException"
    operations: frozenset[str] = field(default_factory=frozenset)  # empty: every operation

    @classmethod
    def from_env(cls) -> Faults:
        """The faults every caller gets unless it sets its own; a bad value stops the start."""
        try:
            return cls.from_params(
                {
                    "LatencyMs": float(os.environ.get("VERITY_LOCAL_LATENCY_MS", "0")),
                    "ThrottleRate": float(os.environ.get("VERITY_LOCAL_THROTTLE_RATE", "0")),
                    "ThrottleError": os.environ.get("VERITY_LOCAL_THROTTLE_ERROR", cls.throttle_error),
                }
            )
        except (ValueError, InvalidParameterError) as exc:
            raise ImproperlyConfigured(f"VERITY_LOCAL_LATENCY_MS / _THROTTLE_RATE / _THROTTLE_ERROR: {exc}") from exc

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> Faults:
        """Faults from SetFaults' members; an absent member means no such fault."""
        latency = params.get("LatencyMs", 0.0)
        rate = params.get("ThrottleRate", 0.0)
        error = params.get("ThrottleError", cls.throttle_error)
        operations = params.get("Operations", [])
        if not _number_within(latency, 0, MAX_LATENCY_MS):
            raise InvalidParameterError(f"LatencyMs must be a number of milliseconds from 0 to {MAX_LATENCY_MS}.")
        if not _number_within(rate, 0, 1):
            raise InvalidParameterError("ThrottleRate must be a fraction from 0 to 1.")
        if not isinstance(error, str) or error not in THROTTLING_ERRORS:
            raise InvalidParameterError(f"ThrottleError must be one of {', '.join(THROTTLING_ERRORS)}.")
        if not isinstance(operations, list) or not all(
            isinstance(name, str) and name in OPERATIONS for name in operations
        ):
            raise InvalidParameterError("Operations must list operations this endpoint implements.")
        return cls(float(latency), float(rate), error, frozenset(operations))

    def as_response(self) -> dict[str, Any]:
        return {
            "LatencyMs": self.latency_ms,
            "ThrottleRate": self.throttle_rate,
            "ThrottleError": self.throttle_error,
            "Operations": sorted(self.operations),
        }


def _number_within(value: Any, low: float, high: float) -> bool:
    """A JSON number (not a boolean, NaN or infinity) from ``low`` to ``high``."""
    return (
        isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and low <= value <= high
    )


class FaultInjector:
    def __init__(self, default: Faults) -> None:
        self._default = default
        self._by_key: dict[str, Faults] = {}
        self._lock = threading.Lock()

    def set(self, account: Account, faults: Faults) -> None:
        with self._lock:
            self._by_key[account.access_key_id] = faults

    def get(self, account: Account) -> Faults:
        with self._lock:
            return self._by_key.get(account.access_key_id, self._default)

    def apply(self, account: Account, operation: str) -> None:
        faults = self.get(account)
        if faults.operations and operation not in faults.operations:
            return
        if faults.latency_ms:
            time.sleep(faults.latency_ms / 1000)
        # Not a security use: a fraction of requests is throttled at random.
        if faults.throttle_rate and random.random() < faults.throttle_rate:  # noqa: S311
            raise THROTTLING_ERRORS[faults.throttle_error]("Rate exceeded (fault injected by the local endpoint).")


@dataclass
class _Response:
    status: int
    body: dict[str, Any]
    notices: list[str] = field(default_factory=list)


class LocalRekognition:
    """The WSGI application. One instance per process: faults live here, vectors in vector_index."""

    def __init__(self, faults: Faults | None = None, *, secret_for: SecretLookup = configured_secret) -> None:
        """``secret_for`` gives the secret of an access key id (default: the configured key pairs)."""
        self.faults = FaultInjector(faults if faults is not None else Faults.from_env())
        self.secret_for = secret_for

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request_id = str(uuid.uuid4())
        started = time.perf_counter()
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        close_old_connections()
        try:
            response = self._handle(environ, target)
        except RekognitionError as error:
            response = _Response(error.status, {"__type": error.code, "message": error.message})
        except Exception:
            logger.exception("Unhandled error in %s (request %s)", target, request_id)
            failure = InternalServerError("Internal server error.")
            response = _Response(failure.status, {"__type": failure.code, "message": failure.message})
        finally:
            close_old_connections()
        body = json.dumps(response.body, default=_json_default).encode()
        headers = [
            ("Content-Type", CONTENT_TYPE),
            ("Content-Length", str(len(body))),
            ("x-amzn-RequestId", request_id),
        ]
        if "__type" in response.body:
            headers.append(("x-amzn-ErrorType", response.body["__type"]))
        if response.notices:
            headers.append((NOTICE_HEADER, " | ".join(response.notices)))
        start_response(f"{response.status} {HTTPStatus(response.status).phrase}", headers)
        logger.info(
            "%s %s -> %s in %.1f ms", target or "-", request_id, response.status, (time.perf_counter() - started) * 1000
        )
        return [body]

    def _handle(self, environ: dict[str, Any], target: str) -> _Response:
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO", "/") not in ("", "/"):
            raise UnknownOperationError("Only POST / with an X-Amz-Target header is served.")
        body = _read_body(environ)
        account = authenticate(environ, body, self.secret_for)
        params = _parse_json(body)
        if target.startswith(SERVICE_PREFIX):
            name = target.removeprefix(SERVICE_PREFIX)
            model = operation_model(name)
            handler = OPERATIONS.get(name)
            if handler is None:
                raise UnsupportedOperationError(f"{name} is not implemented by the Verity local Rekognition endpoint.")
            self.faults.apply(account, name)
            call = Call(account=account, params=validate_input(model, params))
            return _Response(200, handler(call), call.notices)
        if target.startswith(LOCAL_PREFIX):
            name = target.removeprefix(LOCAL_PREFIX)
            if name == "SetFaults":
                faults = Faults.from_params(params)
                self.faults.set(account, faults)
                return _Response(200, faults.as_response())
            local_handler = LOCAL_OPERATIONS.get(name)
            if local_handler is not None:
                call = Call(account=account, params=params)
                return _Response(200, local_handler(call), call.notices)
        raise UnknownOperationError(f"Unknown operation {target or '(no X-Amz-Target header)'}.")


def _read_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise SerializationError("Invalid Content-Length.") from None
    if length > MAX_REQUEST_BYTES:
        raise ImageTooLargeError(f"The request is {length} bytes; the limit is {MAX_REQUEST_BYTES}.")
    return environ["wsgi.input"].read(length) if length > 0 else b""


def _parse_json(raw: bytes) -> dict[str, Any]:
    try:
        params = json.loads(raw or b"{}")
    except ValueError:
        raise SerializationError("The request body is not valid JSON.") from None
    if not isinstance(params, dict):
        raise SerializationError("The request body must be a JSON object.")
    return params


def _json_default(value: Any) -> Any:
    """JSON 1.1 encodings: timestamps as epoch seconds, blobs as base64; numpy scalars as numbers."""
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Requests are logged by the application, with their operation and request id."""


class _ThreadedServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    block_on_close = True

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            connections.close_all()  # one thread per connection: its DB connection goes with it


@dataclass
class BackgroundServer:
    """The endpoint served from a thread of this process, on a stdlib threaded WSGI server."""

    server: _ThreadedServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def serve_in_background(
    application: LocalRekognition | None = None, *, host: str = "127.0.0.1", port: int = 0
) -> BackgroundServer:
    """For tests and benchmarks (port 0 picks a free port); ``rekognition_local`` uses gunicorn."""
    server = make_server(
        host,
        port,
        application or LocalRekognition(),
        server_class=_ThreadedServer,
        handler_class=_QuietHandler,
    )
    thread = threading.Thread(target=server.serve_forever, name="rekognition-local", daemon=True)
    thread.start()
    return BackgroundServer(server, thread)
