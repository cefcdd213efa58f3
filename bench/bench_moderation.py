"""Time moderation through the local endpoint: an image over HTTP, a cache hit, a 60 s video end to end.

1. **image**: POST /v1/moderation/images (base64 JSON, synchronous) to the WSGI app served from a
   pool of threads of this process, each image new (one pixel changed, so neither Verity's
   per-tenant SHA-256 cache nor the endpoint's memo knows it): DetectModerationLabels with the
   open-NSFW model, the decision under the policy, the result recorded.
2. **cache hit**: the same request again for an image already moderated under the same policy
   version: no engine call, a result record of its own.
3. **video**: a 60 s video (a portrait, moving, 10 frames per second, made here with OpenCV) put
   in the tenant's bucket, POST /v1/moderation/videos, then the worker's collection task run
   every half second (the polling path; SNS → SQS is tested in tests/moderation) until the
   result is final: StartContentModeration, one frame a second moderated by the endpoint, every
   GetContentModeration page read, the worst segment deciding.

The local endpoint runs as its own process (``manage.py rekognition_local``) and moto_server
serves S3, as ``make run`` runs them. The tenant ("bench-…", suspended at the end) is left behind.

Run from the project root against a migrated database, with Redis and PostgreSQL:
    .venv/bin/python -m bench.bench_moderation [--runs 30] [--video-seconds 60]
"""

from __future__ import annotations

import argparse
import base64
import tempfile
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from django.conf import settings

from bench.bench_registration import (
    PHOTOS,
    bench_tenants,
    describe,
    local_aws,
    post_json,
    serve_app,
    variant,
)
from config.aws import aws_client
from moderation.models import ModerationResult
from moderation.tasks import collect_video
from tenants.models import Tenant
from tenants.scope import tenant_scope
from tenants.services import apikey_create

BUCKET = "verity-bench-moderation"  # within the local endpoint's allowed buckets (verity-*)
FINAL = {"succeeded", "failed"}


def make_video(seconds: int) -> bytes:
    """A portrait drifting across a grey frame for ``seconds`` at 10 frames per second (MPEG-4)."""
    face = cv2.resize(cv2.imread(str(PHOTOS / "person_b_1.jpg")), (160, 200))
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "clip.mp4"
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), 10.0, (480, 320))
        for frame_number in range(seconds * 10):
            frame = np.full((320, 480, 3), 128, np.uint8)
            left = (frame_number * 3) % 320
            frame[60:260, left : left + 160] = face
            writer.write(frame)
        writer.release()
        return path.read_bytes()


def timed_post(url: str, token: str, image: bytes) -> tuple[float, dict[str, Any]]:
    start = time.perf_counter()
    answer = post_json(url, token, "/moderation/images", {"image": base64.b64encode(image).decode()})
    return (time.perf_counter() - start) * 1000, answer


def moderate_video(tenant: Tenant, url: str, token: str, seconds: int) -> tuple[float, dict[str, Any]]:
    key = f"{tenant.storage_prefix}uploads/bench-{time.time_ns()}.mp4"
    aws_client("s3", tenant.region).put_object(Bucket=BUCKET, Key=key, Body=make_video(seconds))
    start = time.perf_counter()
    created = post_json(url, token, "/moderation/videos", {"s3_object": {"bucket": BUCKET, "name": key}})
    with tenant_scope(tenant):
        result_pk = ModerationResult.objects.get(public_id=created["id"]).pk
    status = created["status"]
    while status not in FINAL:
        time.sleep(0.5)
        status = collect_video.apply(args=[tenant.pk, result_pk]).get() or status
    elapsed = (time.perf_counter() - start) * 1000
    with tenant_scope(tenant):
        result = ModerationResult.objects.get(pk=result_pk)
    return elapsed, {"status": result.status, "decision": result.decision, "segments": len(result.segments)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--video-seconds", type=int, default=60)
    args = parser.parse_args()

    # The polling path, on a moto_server of the benchmark's own: a completion channel configured for
    # `make run` names a topic that moto_server does not have.
    for name in (
        "VERITY_MODERATION_SNS_TOPIC_ARN",
        "VERITY_MODERATION_SNS_ROLE_ARN",
        "VERITY_MODERATION_SQS_QUEUE_URL",
    ):
        setattr(settings, name, "")
    with local_aws(), bench_tenants(BUCKET) as tenants:
        tenant = tenants(1)
        with tenant_scope(tenant):
            token = apikey_create(tenant=tenant, name="bench-moderation").token
        server, url = serve_app()
        timed_post(url, token, variant("person_a_1", -1))  # warm-up: models, connections
        misses, hits, decisions = [], [], set()
        for run in range(args.runs):
            image = variant("person_a_1", run)
            elapsed, answer = timed_post(url, token, image)
            misses.append(elapsed)
            decisions.add(answer["decision"])
            elapsed, answer = timed_post(url, token, image)
            assert answer["cached"], answer
            hits.append(elapsed)
        video_ms, video = moderate_video(tenant, url, token, args.video_seconds)
        server.shutdown()

    print(f"{args.runs} runs; local endpoint and moto_server in their own processes; decisions {sorted(decisions)}")
    print(f"image over HTTP (engine call)          {describe(misses)}")
    print(f"identical image again (cache hit)      {describe(hits)}")
    print(
        f"{args.video_seconds} s video end to end               {video_ms / 1000:7.1f} s   "
        f"({video['status']}, {video['decision']}, {video['segments']} segments)"
    )


if __name__ == "__main__":
    main()
