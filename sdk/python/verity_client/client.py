"""``Verity``: the generated client, sending an ``Idempotency-Key`` with every POST and retrying 429 and 503
answers (honouring ``Retry-After``, with the same key), plus iteration over cursor-paginated lists.

Both behaviours live in the HTTP transport under the generated client, so every generated operation
has them when given ``verity.api``; they apply to the synchronous functions (``sync``,
``sync_detailed``), not the generated ``asyncio`` ones.
"""

from __future__ import annotations

import email.utils
import random
import re
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, Self, TypeVar
from urllib.parse import urlsplit

import httpx

from verity_client.generated import AuthenticatedClient
from verity_client.generated.models import Problem

IDEMPOTENCY_HEADER = "Idempotency-Key"
# 429: the request was refused before it ran; 503: the server or its engine is busy or down for now.
RETRIED_STATUSES = frozenset({429, 503})
_DELAY_SECONDS = re.compile(r"[0-9]+")

T_co = TypeVar("T_co", covariant=True)


class ApiError(Exception):
    """An answer other than the success asked for: its HTTP status and, when the API sent one, its problem."""

    def __init__(self, status: int, problem: Problem | None = None) -> None:
        self.status = status
        self.problem = problem
        detail = f"{problem.code}: {problem.detail}" if problem is not None else "no problem document"
        super().__init__(f"HTTP {status} ({detail})")


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """A ``Retry-After`` value in seconds (RFC 9110: delay-seconds or an HTTP date); None if absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if _DELAY_SECONDS.fullmatch(value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000": UTC, as HTTP dates always are
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


@dataclass(frozen=True)
class Retries:
    """When a 429 or 503 answer is sent again, and after how long.

    ``max_attempts`` counts the first request (1: never retry). The wait is the answer's
    ``Retry-After`` when it has one; an answer asking for longer than ``max_wait`` seconds is
    returned to the caller rather than waited for. Without ``Retry-After`` the wait doubles from
    ``backoff`` seconds, with jitter, up to ``max_wait``.
    """

    max_attempts: int = 3
    max_wait: float = 30.0
    backoff: float = 0.5
    sleep: Callable[[float], None] = time.sleep

    def wait_before_next(self, response: httpx.Response, attempt: int) -> float | None:
        """Seconds to wait before sending again after ``response`` to attempt ``attempt``; None: return it."""
        if response.status_code not in RETRIED_STATUSES or attempt >= self.max_attempts:
            return None
        asked = retry_after_seconds(response.headers.get("Retry-After"))
        if asked is not None:
            return asked if asked <= self.max_wait else None
        return min(self.max_wait, self.backoff * 2 ** (attempt - 1) * random.uniform(0.5, 1.0))  # noqa: S311 (jitter)


class IdempotentRetryTransport(httpx.BaseTransport):
    """Gives each POST without one an ``Idempotency-Key``, and sends 429/503 answers again with the same key."""

    def __init__(self, wrapped: httpx.BaseTransport, retries: Retries) -> None:
        self._wrapped = wrapped
        self._retries = retries

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and IDEMPOTENCY_HEADER not in request.headers:
            request.headers[IDEMPOTENCY_HEADER] = str(uuid.uuid4())
        if self._retries.max_attempts > 1:
            request.read()  # a streamed body (a multipart upload) must be sendable again
        attempt = 1
        while True:
            response = self._wrapped.handle_request(request)
            wait = self._retries.wait_before_next(response, attempt)
            if wait is None:
                return response
            response.read()
            response.close()
            self._retries.sleep(wait)
            attempt += 1

    def close(self) -> None:
        self._wrapped.close()


class Page(Protocol[T_co]):
    """One page of a list: the shape every generated ``…Page`` model has."""

    @property
    def next_(self) -> str | None: ...

    @property
    def results(self) -> Sequence[T_co]: ...

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self: ...


P = TypeVar("P", bound=Page[Any])
T = TypeVar("T")


class Verity:
    """A client of one Verity deployment with one API key (``vk_live_…`` or ``vk_test_…``).

    Pass ``verity.api`` as ``client=`` to any generated operation, e.g.
    ``subjects_create.sync(client=verity.api, body=...)``. Close it when done (or use ``with``).
    ``transport`` replaces the underlying HTTP transport (``httpx.MockTransport`` in tests).
    """

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str,
        timeout: float = 30.0,
        retries: Retries | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.api = AuthenticatedClient(base_url=base_url, token=api_key, raise_on_unexpected_status=True)
        self.api.set_httpx_client(
            httpx.Client(
                base_url=base_url,
                headers={"Authorization": f"Bearer {api_key}"},
                timeout=timeout,
                transport=IdempotentRetryTransport(transport or httpx.HTTPTransport(), retries or Retries()),
            )
        )

    @property
    def http(self) -> httpx.Client:
        """The underlying HTTP client (authenticated, with the same idempotency keys and retries)."""
        return self.api.get_httpx_client()

    def pages(self, operation: Callable[..., P | Problem | None], /, **params: Any) -> Iterator[P]:
        """Each page of a list operation, given as its generated ``sync`` function and its parameters.

        Later pages follow each page's ``next``: its path and query, on this client's base URL (so the
        host a proxy made the server see does not matter). A failed page raises ``ApiError``.
        """
        page = _page(operation(client=self.api, **params))
        yield page
        while page.next_ is not None:
            link = urlsplit(page.next_)
            answer = self.http.get(f"{link.path}?{link.query}" if link.query else link.path)
            if answer.status_code != httpx.codes.OK:
                raise ApiError(answer.status_code, _problem(answer))
            page = type(page).from_dict(answer.json())
            yield page

    def paginate(self, operation: Callable[..., Page[T] | Problem | None], /, **params: Any) -> Iterator[T]:
        """Every item of a list operation, page after page (see ``pages``): ``paginate(subjects_list.sync)``."""
        for page in self.pages(operation, **params):
            yield from page.results

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _page(parsed: P | Problem | None) -> P:
    if isinstance(parsed, Problem):
        raise ApiError(parsed.status, parsed)
    if parsed is None:  # not reached: with raise_on_unexpected_status, an undocumented status raises first
        raise ApiError(0)
    return parsed


def _problem(response: httpx.Response) -> Problem | None:
    try:
        return Problem.from_dict(response.json())
    except (ValueError, KeyError, TypeError):
        return None
