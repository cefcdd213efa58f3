"""Time the vision gateway's own overhead per call: validation, rate limiter, cache, metrics, audit hook.

The engine is excluded with botocore's Stubber, which answers inside the client right after the
request is serialised. The same stubbed call made directly on the client is the baseline, so
"overhead" is gateway time minus bare client time. Needs Redis (limiter and cache), as in production.

Run from the project root: .venv/bin/python -m bench.bench_gateway
"""

import argparse
import io
import os
import secrets
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("VERITY_ENV", "development")  # a benchmark, not a deployment
os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
django.setup()

from botocore import xform_name  # noqa: E402 - after django.setup()
from botocore.stub import Stubber  # noqa: E402
from PIL import Image  # noqa: E402

from config.aws import aws_client  # noqa: E402
from config.ids import public_id  # noqa: E402
from tenants.models import Tenant, TenantStatus  # noqa: E402
from tenants.scope import tenant_scope  # noqa: E402
from vision.calls import CallRecord, register_call_recorder  # noqa: E402
from vision.gateway import Gateway  # noqa: E402
from vision.models import collection_name  # noqa: E402

DEFAULT_PHOTO = Path(__file__).resolve().parent.parent / "tests/fixtures/faces/person_b_1.jpg"
ANSWERS = {
    "DetectModerationLabels": {"ModerationLabels": []},
    "DetectFaces": {"FaceDetails": [{"Confidence": 99.9}]},
    "ListFaces": {"Faces": []},
}


def photo_at(path: Path, size: int) -> bytes:
    with Image.open(path) as image:
        image.thumbnail((size, size))
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def timings_ms(calls: list[Callable[[], object]]) -> list[float]:
    timings = []
    for call in calls:
        start = time.perf_counter()
        call()
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def scenario(
    stubber: Stubber,
    client: Any,
    gateway: Gateway,
    operation: str,
    params: Callable[[int], dict[str, Any]],
    runs: int,
    *,
    cached: bool = False,
) -> tuple[float, float]:
    """(median ms of the bare client call, median ms of the gateway call).

    ``cached``: the gateway's answers come from the result cache, primed by one first call.
    """
    method = getattr(client, xform_name(operation))
    for _ in range(runs + (1 if cached else runs)):
        stubber.add_response(xform_name(operation), ANSWERS[operation])
    bare = timings_ms([lambda i=i: method(**params(i)) for i in range(runs)])
    if cached:
        gateway.call(operation, **params(0))
    through = timings_ms([lambda i=i: gateway.call(operation, **params(i)) for i in range(runs)])
    stubber.assert_no_pending_responses()
    return statistics.median(bare), statistics.median(through)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--photo", type=Path, default=DEFAULT_PHOTO)
    parser.add_argument("--size", type=int, default=640, help="longer side of the photo in pixels")
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()

    image = photo_at(args.photo, args.size)
    # A real tenant, so the audit recorder (registered by the audit app) writes real events:
    # the measured overhead includes the audit insert. The tenant is left behind as "bench-…".
    suffix = public_id("ten")[-8:]
    tenant = Tenant.objects.create(
        slug=f"bench-{suffix}",
        name="Gateway benchmark",
        account_id=f"{secrets.randbelow(10**12):012d}",
        region="us-east-1",
        storage_bucket="verity-bench",
        rate_quotas=dict.fromkeys(ANSWERS, 10_000),
        # It has no AWS resources: suspended, so tenant_reconcile (make run) and beat's jobs skip it.
        status=TenantStatus.SUSPENDED,
    )
    recorded: list[CallRecord] = []
    register_call_recorder(recorded.extend)
    gateway = Gateway(tenant)
    client = aws_client("rekognition", tenant.region)
    image_param = {"Bytes": image}
    collection = {"CollectionId": collection_name(tenant=tenant, shard=0)}  # the gateway serves only its own

    # Calls run inside a tenant scope (one transaction), as they do in a request or a task.
    with Stubber(client) as stubber, tenant_scope(tenant):
        # Warm-up: Redis connections, Lua script loading, Pillow plugins.
        scenario(stubber, client, gateway, "ListFaces", lambda i: collection, 20)
        results = {
            "image call, cache miss (DetectModerationLabels)": scenario(
                stubber,
                client,
                gateway,
                "DetectModerationLabels",
                # A new MinConfidence each time: every call misses the cache and stores its answer.
                lambda i: {"Image": image_param, "MinConfidence": 50 + i / 1000},
                args.runs,
            ),
            "image call, cache hit (DetectFaces)": scenario(
                stubber, client, gateway, "DetectFaces", lambda i: {"Image": image_param}, args.runs, cached=True
            ),
            "no image (ListFaces)": scenario(stubber, client, gateway, "ListFaces", lambda i: collection, args.runs),
        }

    width, height = Image.open(io.BytesIO(image)).size
    print(f"photo: {args.photo.name} at {width}x{height} ({len(image) // 1024} KiB), {args.runs} runs per scenario")
    print(f"{'scenario':50} {'client':>9} {'gateway':>9} {'overhead':>9}  (medians, ms)")
    for name, (bare, through) in results.items():
        print(f"{name:50} {bare:9.2f} {through:9.2f} {through - bare:9.2f}")
    print(f"audit records received: {len(recorded)}")


if __name__ == "__main__":
    main()
