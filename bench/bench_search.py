"""Time SearchFacesByImage against a collection of 100,000 faces on the local Rekognition endpoint.

Two collections of one bench account: "small" holds one real face (person_a_1), "large" holds
the same face plus --faces - 1 random unit vectors inserted straight into the endpoint's table.
The endpoint is served from a thread of this process and called through boto3, alternating
between the two with the same probe photo (person_a_2). Both calls decode, detect and embed the
same image, so the difference of their medians is what searching the large collection costs on
top of the embedding. The first search of the large collection, which loads its vectors from
PostgreSQL into memory (once per process), is reported separately, and so is the in-memory
search alone. Both collections are deleted at the end.

Run from the project root against a migrated database:
    .venv/bin/python -m bench.bench_search [--faces 100000] [--runs 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("VERITY_ENV", "development")  # a benchmark, not a deployment
django.setup()

import boto3  # noqa: E402 - Django must be set up before the endpoint's models are imported
import numpy as np  # noqa: E402
from botocore.config import Config  # noqa: E402

from vision.local.models import Collection, Face  # noqa: E402
from vision.local.operations.vector_index import embedding_bytes, vector_index  # noqa: E402
from vision.local.server import LocalRekognition, serve_in_background  # noqa: E402

PHOTOS = Path(__file__).resolve().parent.parent / "tests/fixtures/faces"
ACCESS_KEY = "AKIABENCHSEARCH"
SECRET = "bench-secret"  # noqa: S105 - the in-process endpoint accepts only this pair
REGION = "us-east-1"
BATCH = 5000


def timed_ms(call: Callable[..., Any], **params: Any) -> float:
    start = time.perf_counter()
    call(**params)
    return (time.perf_counter() - start) * 1000


def insert_random_faces(collection: Collection, count: int, seed: int) -> None:
    """Random unit vectors: like real embeddings in cost, unlike them in distribution."""
    rng = np.random.default_rng(seed)
    box = {"Width": 0.3, "Height": 0.4, "Left": 0.35, "Top": 0.2}
    image_id = uuid.uuid4()
    for start in range(0, count, BATCH):
        vectors = rng.standard_normal((min(BATCH, count - start), 128)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        Face.objects.bulk_create(
            Face(
                collection=collection,
                image_id=image_id,
                external_image_id=f"random-{start + index}",
                bounding_box=box,
                confidence=99.0,
                embedding=embedding_bytes(vector),
            )
            for index, vector in enumerate(vectors)
        )


def p95(values: list[float]) -> float:
    return float(np.percentile(values, 95))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--faces", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    server = serve_in_background(LocalRekognition(secret_for={ACCESS_KEY: SECRET}.get))
    client = boto3.client(
        "rekognition",
        endpoint_url=server.url,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET,
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )
    names = ("bench-small", "bench-large")
    for name in names:
        if name in client.list_collections()["CollectionIds"]:
            client.delete_collection(CollectionId=name)
        client.create_collection(CollectionId=name)
    try:
        known = {"Bytes": (PHOTOS / "person_a_1.jpg").read_bytes()}
        probe = {"Bytes": (PHOTOS / "person_a_2.jpg").read_bytes()}
        known_face = {}
        for name in names:
            indexed = client.index_faces(CollectionId=name, Image=known, ExternalImageId="person_a_1")
            known_face[name] = indexed["FaceRecords"][0]["Face"]["FaceId"]
        large = Collection.objects.get(account=ACCESS_KEY, region=REGION, collection_id="bench-large")
        insert_ms = timed_ms(insert_random_faces, collection=large, count=args.faces - 1, seed=args.seed)
        face_count = client.describe_collection(CollectionId="bench-large")["FaceCount"]

        client.search_faces_by_image(CollectionId="bench-small", Image=probe)  # warm the models
        first_ms = timed_ms(client.search_faces_by_image, CollectionId="bench-large", Image=probe)

        by_image: dict[str, list[float]] = {name: [] for name in names}
        by_face_id: dict[str, list[float]] = {name: [] for name in names}
        for _ in range(args.runs):
            for name in names:
                by_image[name].append(timed_ms(client.search_faces_by_image, CollectionId=name, Image=probe))
                by_face_id[name].append(timed_ms(client.search_faces, CollectionId=name, FaceId=known_face[name]))
        found = client.search_faces_by_image(CollectionId="bench-large", Image=probe)["FaceMatches"]

        query = np.random.default_rng(args.seed + 1).standard_normal(128).astype(np.float32)
        query /= np.linalg.norm(query)
        in_memory = [
            timed_ms(vector_index.search, collection_pk=large.pk, query=query, limit=4096) for _ in range(args.runs)
        ]

        small, big = statistics.median(by_image["bench-small"]), statistics.median(by_image["bench-large"])
        print(f"collection: {face_count} faces ({args.faces - 1} random unit vectors + person_a_1), {args.runs} runs")
        print(f"bulk insert:                         {insert_ms / 1000:8.1f} s")
        print(f"first search (loads vectors):        {first_ms:8.1f} ms (once per process)")
        for label, runs in (("1 face", by_image["bench-small"]), (f"{face_count} faces", by_image["bench-large"])):
            print(f"SearchFacesByImage, {label:>13}: {statistics.median(runs):8.1f} ms median, p95 {p95(runs):.1f}")
        print(f"  difference of medians:             {big - small:8.1f} ms (noisy: detection and embedding dominate)")
        for label, runs in (("1 face", by_face_id["bench-small"]), (f"{face_count} faces", by_face_id["bench-large"])):
            print(f"SearchFaces (no image), {label:>9}: {statistics.median(runs):8.1f} ms median, p95 {p95(runs):.1f}")
        worst = statistics.median(in_memory)
        print(f"in-memory search, worst case:        {worst:8.1f} ms median (threshold 0, top 4096)")
        if found:
            best = found[0]
            name, similarity = best["Face"].get("ExternalImageId"), best["Similarity"]
            print(f"top match: {name} at similarity {similarity:.1f}; {len(found)} face(s) above 80")
        else:
            print("no match: the known face was not found")
    finally:
        for name in names:
            client.delete_collection(CollectionId=name)
        server.close()


if __name__ == "__main__":
    main()
