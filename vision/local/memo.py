"""Each image's work done once: decoded pixels, detected faces and embeddings, memoised by SHA-256.

One registration sends the same selfie to DetectFaces, CompareFaces, SearchFacesByImage (once
per shard) and IndexFaces; without this the endpoint decodes, detects and embeds it every time.
Entries are per process, bounded (by the bytes of their pixels) and short-lived (seconds), and
keyed by the caller's access key as well as the image's SHA-256: what one set of credentials
sent never answers, or speeds up, a request signed with another. Real Rekognition is untouched.

Concurrent requests for the same image (a search fanned out over every shard) share one entry:
the first decodes, detects and embeds while the others wait for its result, instead of each
doing the same work at once.
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

    _data: bytes
    _decode: Callable[[bytes], np.ndarray]
    _pixels: np.ndarray | None = None
    _faces: list[Face] | None = None
    _embeddings: dict[int, np.ndarray] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)

    @property
    def pixels(self) -> np.ndarray:
        """The decoded pixels; a decoding error is raised to every caller and not remembered."""
        with self._lock:
            if self._pixels is None:
                self._pixels = self._decode(self._data)
            return self._pixels

    @property
    def nbytes(self) -> int:
        """What the entry holds: its pixels once decoded, its encoded bytes until then."""
        return self._pixels.nbytes if self._pixels is not None else len(self._data)

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

    def get_or_add(self, key: tuple[str, str], now: float, new: AnalysedImage, expires: float) -> AnalysedImage:
        """The live entry for ``key``, or ``new`` added as it: of concurrent callers, one entry wins."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] >= now:
                self._entries.move_to_end(key)
                return entry[1]
            self._entries[key] = (expires, new)
            self._entries.move_to_end(key)
            return new

    def trim(self, budget: int) -> None:
        """Drop the least recently used entries until what they hold fits the budget."""
        with self._lock:
            while self._entries and sum(entry.nbytes for _, entry in self._entries.values()) > budget:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_memo = _Memo()


def analysed(data: bytes, account: Account, decode: Callable[[bytes], np.ndarray]) -> AnalysedImage:
    """The memoised analysis of ``data`` for ``account``; ``decode`` turns bytes into pixels on a miss."""
    seconds = settings.VERITY_LOCAL_REKOGNITION_MEMO_SECONDS
    if seconds <= 0:
        image = AnalysedImage(data, decode)
    else:
        key = (account.access_key_id, hashlib.sha256(data).hexdigest())
        now = time.monotonic()
        image = _memo.get_or_add(key, now, AnalysedImage(data, decode), now + seconds)
    image.pixels  # noqa: B018 - decoded now (once, by the first caller), so a bad image fails here
    _memo.trim(settings.VERITY_LOCAL_REKOGNITION_MEMO_BYTES)
    return image


def forget_all() -> None:
    _memo.clear()
