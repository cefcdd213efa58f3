"""The local endpoint decodes, detects and embeds each image once per caller and a few seconds."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from vision.local import memo
from vision.local.operations.common import decode
from vision.local.protocol import Account

PHOTOS = Path(__file__).resolve().parents[2] / "fixtures" / "faces"
ALICE, BOB = Account("AKIAALICE", "us-east-1"), Account("AKIABOB", "us-east-1")


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch, settings: Any) -> Counter[str]:
    """How often pixels were decoded, faces detected and embeddings computed."""
    settings.VERITY_LOCAL_REKOGNITION_MEMO_SECONDS = 30.0
    settings.VERITY_LOCAL_REKOGNITION_MEMO_BYTES = 256 * 1024**2
    memo.forget_all()
    counts: Counter[str] = Counter()

    def counting(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any) -> Any:
            counts[name] += 1
            return function(*args)

        return wrapper

    monkeypatch.setattr(memo, "detect_faces", counting("detect", memo.detect_faces))
    monkeypatch.setattr(memo, "embed", counting("embed", memo.embed))
    counts["decode"] = 0
    yield counts
    memo.forget_all()


def _decoder(counts: Counter[str]) -> Callable[[bytes], np.ndarray]:
    def run(data: bytes) -> np.ndarray:
        counts["decode"] += 1
        return decode(data)

    return run


def _use(image: memo.AnalysedImage) -> None:
    face = image.faces()[0]
    image.embedding(face)


def test_the_same_image_from_the_same_caller_is_analysed_once(counted: Counter[str]) -> None:
    data = (PHOTOS / "person_a_1.jpg").read_bytes()
    for _ in range(4):  # DetectFaces, CompareFaces, SearchFacesByImage, IndexFaces
        _use(memo.analysed(data, ALICE, _decoder(counted)))
    assert counted == Counter(decode=1, detect=1, embed=1)


def test_another_callers_request_never_uses_what_one_caller_sent(counted: Counter[str]) -> None:
    data = (PHOTOS / "person_a_1.jpg").read_bytes()
    first = memo.analysed(data, ALICE, _decoder(counted))
    second = memo.analysed(data, BOB, _decoder(counted))
    assert first is not second
    _use(first)
    _use(second)
    assert counted == Counter(decode=2, detect=2, embed=2)


def test_entries_expire_after_their_seconds(counted: Counter[str], settings: Any) -> None:
    settings.VERITY_LOCAL_REKOGNITION_MEMO_SECONDS = 0.05
    data = (PHOTOS / "person_b_1.jpg").read_bytes()
    first = memo.analysed(data, ALICE, _decoder(counted))
    time.sleep(0.1)
    assert memo.analysed(data, ALICE, _decoder(counted)) is not first
    assert counted["decode"] == 2


def test_no_seconds_means_no_memo(counted: Counter[str], settings: Any) -> None:
    settings.VERITY_LOCAL_REKOGNITION_MEMO_SECONDS = 0
    data = (PHOTOS / "person_b_1.jpg").read_bytes()
    assert memo.analysed(data, ALICE, _decoder(counted)) is not memo.analysed(data, ALICE, _decoder(counted))


def test_the_memo_keeps_at_most_its_budget_of_pixels(counted: Counter[str], settings: Any) -> None:
    first, second = ((PHOTOS / f"{name}.jpg").read_bytes() for name in ("person_a_1", "person_b_1"))
    one = memo.analysed(first, ALICE, _decoder(counted))
    settings.VERITY_LOCAL_REKOGNITION_MEMO_BYTES = one.pixels.nbytes + 1  # room for one image, not two
    memo.analysed(second, ALICE, _decoder(counted))

    assert memo.analysed(first, ALICE, _decoder(counted)) is not one  # evicted, least recently used
    assert counted["decode"] == 3


def test_concurrent_requests_for_one_image_share_one_analysis(counted: Counter[str]) -> None:
    """A search fanned out over 16 shards sends the same probe 16 times at once: it is analysed once."""
    data = (PHOTOS / "person_a_2.jpg").read_bytes()
    decoder = _decoder(counted)

    def slow_decode(raw: bytes) -> np.ndarray:
        time.sleep(0.05)  # every caller arrives while the first is still decoding
        return decoder(raw)

    with ThreadPoolExecutor(max_workers=16) as pool:
        images = list(pool.map(lambda _: memo.analysed(data, ALICE, slow_decode), range(16)))
        list(pool.map(_use, images))

    assert len({id(image) for image in images}) == 1
    assert counted == Counter(decode=1, detect=1, embed=1)


def test_an_undecodable_image_fails_every_request_and_is_not_remembered_as_pixels(counted: Counter[str]) -> None:
    data = b"\xff\xd8\xff" + b"not a jpeg" * 10
    for _ in range(2):
        with pytest.raises(Exception, match="image"):
            memo.analysed(data, ALICE, _decoder(counted))
    assert counted["decode"] == 2  # tried again, never answered from a broken entry
