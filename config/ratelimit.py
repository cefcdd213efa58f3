"""The one rate limiter, shared by every process through Redis (API keys, Rekognition quotas, floods).

A sliding-window counter from the ``limits`` library: atomic in Redis, so N web and worker
processes together never exceed a quota.

Requests refused by a *flood* limit (callers without credentials, failed sign-ins) are not
audited one by one: ``count_refused`` counts them per kind, source and fixed window in Redis,
and ``closed_floods`` hands each ended window's count over once, to be recorded as one event.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

import redis
from django.conf import settings
from limits import RateLimitItem, parse, storage, strategies

__all__ = [
    "Flood",
    "RateDecision",
    "RateLimitItem",
    "closed_floods",
    "count_refused",
    "hit",
    "parse_rate",
    "peek",
    "take",
]

# A window's count outlives the window by this much, so a late sweep still finds it.
_FLOOD_COUNT_TTL = 24 * 3600


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    retry_after: float


def parse_rate(rate: str) -> RateLimitItem:
    """``"50/second"``, ``"600/minute"``…; raises ValueError for anything else."""
    try:
        return parse(rate)
    except ValueError as exc:
        raise ValueError(f"{rate!r} is not a rate such as 50/second.") from exc


@functools.cache
def _limiter() -> strategies.SlidingWindowCounterRateLimiter:
    # Under the cache's key prefix, so deployments (and test runs) sharing a Redis database
    # never share a counter.
    prefix = f"{settings.CACHES['default']['KEY_PREFIX']}:limits"
    return strategies.SlidingWindowCounterRateLimiter(
        storage.storage_from_string(settings.REDIS_URL, key_prefix=prefix)
    )


def _decision(rate: RateLimitItem, identifiers: tuple[str, ...], allowed: bool) -> RateDecision:
    stats = _limiter().get_window_stats(rate, *identifiers)
    retry_after = 0.0 if allowed else max(stats.reset_time - time.time(), 0.001)
    return RateDecision(allowed=allowed, limit=rate.amount, remaining=stats.remaining, retry_after=retry_after)


def hit(rate: RateLimitItem, *identifiers: str) -> RateDecision:
    """Take one token for ``identifiers`` (tenant id first); say how long to wait if there is none."""
    return _decision(rate, identifiers, _limiter().hit(rate, *identifiers))


def take(rate: RateLimitItem, *identifiers: str) -> RateDecision | None:
    """Take one token for ``identifiers``: None when one was taken, else the refusal (how long to wait).

    One round trip to Redis when a token is left, where ``hit`` makes two (it also reads the
    window's remaining count): for callers that need no more than yes or no, such as the gateway's
    quota, taken once per engine call and sixteen times at once in a search over every shard.
    """
    if _limiter().hit(rate, *identifiers):
        return None
    return _decision(rate, identifiers, False)


def peek(rate: RateLimitItem, *identifiers: str) -> RateDecision:
    """Whether a token is left for ``identifiers``, without taking it (e.g. before a sign-in attempt)."""
    return _decision(rate, identifiers, _limiter().test(rate, *identifiers))


@dataclass(frozen=True)
class Flood:
    """How many requests of one kind from one source a flood limit refused in one window."""

    kind: str
    source: str
    window_start: int
    window_end: int
    refused: int


@functools.cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, decode_responses=True)


def _flood_key(name: str) -> str:
    return f"{settings.CACHES['default'].get('KEY_PREFIX', 'verity')}:flood:{name}"


def count_refused(kind: str, source: str) -> int:
    """Count one refused request of ``kind`` from ``source`` in the current window; the window's count so far."""
    length = settings.VERITY_FLOOD_WINDOW_SECONDS
    start = int(time.time()) // length * length
    member = f"{kind}|{start}|{start + length}|{source}"
    pipe = _redis().pipeline()
    pipe.incr(_flood_key(f"count:{member}"))
    pipe.expire(_flood_key(f"count:{member}"), length + _FLOOD_COUNT_TTL)
    pipe.zadd(_flood_key("pending"), {member: start + length})
    count = pipe.execute()[0]
    return int(count)


def closed_floods(*, now: float | None = None) -> list[Flood]:
    """The counts of every window that has ended; each is handed over once, to one caller."""
    client = _redis()
    pending = _flood_key("pending")
    floods = []
    for raw in client.zrangebyscore(pending, "-inf", time.time() if now is None else now):
        member = str(raw)
        if not client.zrem(pending, member):
            continue  # another sweep took it
        count = client.getdel(_flood_key(f"count:{member}"))
        if count is None:
            continue
        kind, start, end, source = member.split("|", 3)
        floods.append(Flood(kind=kind, source=source, window_start=int(start), window_end=int(end), refused=int(count)))
    return floods
