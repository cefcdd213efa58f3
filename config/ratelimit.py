"""The one rate limiter, shared by every process through Redis (API keys, Rekognition quotas).

A sliding-window counter from the ``limits`` library: atomic in Redis, so N web and worker
processes together never exceed a quota.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

from django.conf import settings
from limits import RateLimitItem, parse, storage, strategies


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


def hit(rate: RateLimitItem, *identifiers: str) -> RateDecision:
    """Take one token for ``identifiers`` (tenant id first); say how long to wait if there is none."""
    limiter = _limiter()
    allowed = limiter.hit(rate, *identifiers)
    stats = limiter.get_window_stats(rate, *identifiers)
    retry_after = 0.0 if allowed else max(stats.reset_time - time.time(), 0.001)
    return RateDecision(allowed=allowed, limit=rate.amount, remaining=stats.remaining, retry_after=retry_after)
