"""Result cache for stateless engine operations, in Django's cache (Redis), per tenant.

Only operations whose answer depends on nothing but their input are cached; collection
operations never are. The key covers the tenant, the engine's endpoint (so answers from the
local endpoint and from AWS never mix), the operation, and the SHA-256 of the canonical JSON of
the parameters in which every image is already replaced by its SHA-256 and size. Images given as
S3 objects are not cached: the object may change under the same name.

Cached answers are face and text analyses, i.e. personal data. Each answer is also listed under
every image it was computed from (a Redis set per tenant and image SHA-256, living as long as the
answers it lists), so that erasing a person deletes the cached answers about their images at once
(``forget_images``); the TTL bounds the rest.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.cache import cache
from django_redis import get_redis_connection

from vision.validation import IMAGE_PARAMETERS

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


def image_digests(redacted: Mapping[str, Any]) -> list[str]:
    """The SHA-256 of each image sent as bytes in a request's redacted parameters."""
    found = (redacted.get(name, {}).get("Bytes") for name in IMAGE_PARAMETERS)
    return [image["sha256"] for image in found if isinstance(image, Mapping)]


def _image_index(tenant_key: str, image_sha256: str) -> str:
    return cache.make_key(f"vision:images:v{_KEY_VERSION}:{tenant_key}:{image_sha256}")


def store_result(
    key: str, response: Mapping[str, Any], *, ttl: int, tenant_key: str = "", images: Iterable[str] = ()
) -> None:
    """Keep the answer without its ResponseMetadata, which belongs to the one request that made it,
    listed under each of ``images`` (SHA-256 digests) of ``tenant_key``."""
    cache.set(key, {name: value for name, value in response.items() if name != "ResponseMetadata"}, ttl)
    digests = set(images)
    if not digests:
        return
    with get_redis_connection("default").pipeline() as pipe:
        for digest in digests:
            index = _image_index(tenant_key, digest)
            pipe.sadd(index, cache.make_key(key))
            pipe.expire(index, ttl)  # every answer has the same TTL: the set outlives what it lists
        pipe.execute()


def forget_images(*, tenant_key: str, images: Iterable[str]) -> int:
    """Delete every cached answer computed from any of ``images``; the number of answers deleted."""
    client = get_redis_connection("default")
    deleted = 0
    for digest in set(images):
        index = _image_index(tenant_key, digest)
        members = client.smembers(index)
        if members:
            deleted += int(client.delete(*members))
        client.delete(index)
    return deleted
