"""One HTTP POST of a signed event to a checked destination: short timeout, capped read, no redirects.

The connection goes to ``Destination.address`` (the address the SSRF check approved); for https
the TLS handshake still names and verifies the URL's host (SNI and certificate), and the
``Host`` header is the URL's. A redirect is an answer like any other non-2xx: not followed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import urllib3
from urllib3.exceptions import HTTPError, NewConnectionError, TimeoutError

from webhooks.destinations import Destination

# Read at most this much of an answer; keep the start of it for the tenant to see.
READ_CAP_BYTES = 64 * 1024
KEPT_BYTES = 1024
USER_AGENT = "Verity-Webhooks/1"


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    error_code: str
    body: str
    latency_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def post(destination: Destination, body: bytes, headers: dict[str, str], *, timeout: float) -> Answer:
    """POST ``body``; an answer or the reason there was none, never an exception."""
    started = time.monotonic()
    deadline = started + timeout
    host_header = destination.host if ":" not in destination.host else f"[{destination.host}]"
    default_port = 443 if destination.scheme == "https" else 80
    if destination.port != default_port:
        host_header = f"{host_header}:{destination.port}"
    request_headers = {
        **headers,
        "Host": host_header,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Connection": "close",
    }
    pool: urllib3.HTTPConnectionPool
    if destination.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            destination.address,
            destination.port,
            server_hostname=destination.host,
            assert_hostname=destination.host,
            cert_reqs="CERT_REQUIRED",
            maxsize=1,
            retries=False,
        )
    else:
        pool = urllib3.HTTPConnectionPool(destination.address, destination.port, maxsize=1, retries=False)
    try:
        response = pool.urlopen(
            "POST",
            destination.path,
            body=body,
            headers=request_headers,
            redirect=False,
            retries=False,
            assert_same_host=False,
            timeout=urllib3.Timeout(connect=min(5.0, timeout), read=timeout),
            preload_content=False,
        )
        try:
            kept = _read_capped(response, deadline)
        finally:
            response.release_conn()
            response.close()
    except NewConnectionError:  # refused, unreachable (urllib3 files it under timeouts)
        return Answer(None, "connection_failed", "", _since(started))
    except TimeoutError:
        return Answer(None, "timeout", "", _since(started))
    except (HTTPError, OSError):
        return Answer(None, "connection_failed", "", _since(started))
    finally:
        pool.close()
    return Answer(response.status, "", kept.decode("utf-8", errors="replace"), _since(started))


def _read_capped(response: urllib3.BaseHTTPResponse, deadline: float) -> bytes:
    """The first KEPT_BYTES of the answer, reading no more than READ_CAP_BYTES and no longer than the deadline."""
    received = bytearray()
    read = 0
    while read < READ_CAP_BYTES and time.monotonic() < deadline:
        chunk = response.read1(min(8192, READ_CAP_BYTES - read))
        if not chunk:
            break
        read += len(chunk)
        if len(received) < KEPT_BYTES:
            received += chunk[: KEPT_BYTES - len(received)]
    return bytes(received)


def _since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
