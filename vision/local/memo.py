"""Each image's work done once: decoded pixels, detected faces and embeddings, memoised by SHA-256.

One registration sends the same selfie to DetectFaces, CompareFaces, SearchFacesByImage (once
per shard) and IndexFaces; without this the endpoint decodes, detects and embeds it every time.
Entries are per process, bounded (by the bytes of their pixels) and short-lived (seconds), and
keyed by the caller's access key as well as the image's SHA-256: what one set of credentials
sent never answers, or speeds up, a request signed with another. Real Rekognition is untouched.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings

from vision.local.faces import Face, detect_faces, embed
from vision.local.protocol import Account


@dataclass
class AnalysedImage:
    """An image's pixels, with its faces and their embeddings computed on first use, once."""

    pixels: np.ndarray
    _faces: list[Face] | None = None
    _embeddings: dict[int, np.ndarray] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def faces(self) -> list[Face]:
        """Faces largest first, as ``detect_faces`` finds them."""
        with self._lock:
            if self._faces is None:
                self._faces = detect_faces(self.pixels)
            return self._faces

    def embedding(self, face: Face) -> np.ndarray:
        """The embedding of one of ``faces()``."""
        index = next(i for i, found in enumerate(self.faces()) if found is face)
        with self._lock:
            if index not in self._embeddings:
                self._embeddings[index] = embed(self.pixels, face)
            return self._embeddings[index]


class _Memo:
    def __init__(self) -> None:
        self._entries: OrderedDict[tuple[str, str], tuple[float, AnalysedImage]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str], now: float) -> AnalysedImage | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] < now:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: tuple[str, str], image: AnalysedImage, expires: float, budget: int) -> None:
        with self._lock:
            self._entries[key] = (expires, image)
            self._entries.move_to_end(key)
            while self._entries and sum(entry.pixels.nbytes for _, entry in self._entries.values()) > budget:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_memo = _Memo()


def analysed(data: bytes, account: Account, decode: Callable[[bytes], np.ndarray]) -> AnalysedImage:
    """The memoised analysis of ``data`` for ``account``; ``decode`` turns bytes into pixels on a miss."""
    seconds = settings.VERITY_LOCAL_REKOGNITION_MEMO_SECONDS
    if seconds <= 0:
        return AnalysedImage(decode(data))
    key = (account.access_key_id, hashlib.sha256(data).hexdigest())
    now = time.monotonic()
    found = _memo.get(key, now)
    if found is None:
        found = AnalysedImage(decode(data))
        _memo.put(key, found, now + seconds, settings.VERITY_LOCAL_REKOGNITION_MEMO_BYTES)
    return found


def forget_all() -> None:
    _memo.clear()
