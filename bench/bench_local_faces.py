"""Time the local endpoint's DetectFaces and one face embedding on a photo resized to --size px.

Run from the project root: .venv/bin/python -m bench.bench_local_faces
"""

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import cv2

from vision.local import faces
from vision.local.imaging import decode_image

DEFAULT_PHOTO = Path(__file__).resolve().parent.parent / "tests/fixtures/faces/person_b_1.jpg"


def median_ms(call: Callable[[], object], runs: int) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--photo", type=Path, default=DEFAULT_PHOTO)
    parser.add_argument("--size", type=int, default=640, help="longer side in pixels")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    photo = decode_image(args.photo.read_bytes())
    scale = args.size / max(photo.shape[:2])
    image = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)

    load_start = time.perf_counter()
    faces.load_models()
    load_ms = (time.perf_counter() - load_start) * 1000
    found = faces.detect_faces(image)  # warm-up: first inference allocates buffers
    if not found:
        raise SystemExit(f"no face found in {args.photo}")
    faces.embed(image, found[0])

    detect = median_ms(lambda: faces.detect_faces(image), args.runs)
    embed = median_ms(lambda: faces.embed(image, found[0]), args.runs)
    height, width = image.shape[:2]
    print(f"photo: {args.photo.name} at {width}x{height}, {len(found)} face(s), {args.runs} runs")
    print(f"model load:  {load_ms:7.1f} ms (once per process)")
    print(f"DetectFaces: {detect:7.1f} ms median")
    print(f"embedding:   {embed:7.1f} ms median")


if __name__ == "__main__":
    main()
