"""Result cache for stateless engine operations, in Django's cache (Redis), per tenant.

Only operations whose answer depends on nothing but their input are cached; collection
operations never are. The key covers the tenant, the engine's endpoint (so answers from the
local endpoint and from AWS never mix), the operation, and the SHA-256 of the canonical JSON of
the parameters in which every image is already replaced by its SHA-256 and size. Images given as
S3 objects are not cached: the object may change under the same name.

Cached answers are face and text analyses, i.e. personal data: the TTL bounds how long they
outlive an erasure request.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from django.core.cache import cache

CACHEABLE_OPERATIONS = frozenset({"DetectFaces", "DetectText", "DetectModerationLabels", "CompareFaces"})
_KEY_VERSION = 1


def cache_key(*, tenant_key: str, endpoint: str, operation: str, canonical_params: Mapping[str, Any]) -> str:
    document = json.dumps(
        {"endpoint": endpoint, "params": canonical_params}, sort_keys=True, separators=(",", ":"), default=str
    )
    digest = hashlib.sha256(document.encode()).hexdigest()
    return f"vision:result:v{_KEY_VERSION}:{tenant_key}:{operation}:{digest}"


def cached_result(key: str) -> dict[str, Any] | None:
    result: dict[str, Any] | None = cache.get(key)
    return result


def store_result(key: str, response: Mapping[str, Any], *, ttl: int) -> None:
    """Keep the answer without its ResponseMetadata, which belongs to the one request that made it."""
    cache.set(key, {name: value for name, value in response.items() if name != "ResponseMetadata"}, ttl)
