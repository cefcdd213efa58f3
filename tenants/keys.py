"""API key tokens: their alphabet and shape, the public prefix, the stored hash, the bearer header."""

from __future__ import annotations

import hashlib
import secrets
import string

from django.http import HttpRequest

from tenants.models import ApiKeyMode

KEY_ALPHABET = string.ascii_letters + string.digits
KEY_ID_LENGTH = 12
KEY_SECRET_LENGTH = 40  # 40 base62 characters ≈ 238 bits of entropy.


def random_key_string(length: int) -> str:
    return "".join(secrets.choice(KEY_ALPHABET) for _ in range(length))


def hash_key_secret(token: str) -> str:
    # The token carries ~238 random bits, so a fast hash is enough; a slow KDF would only add latency.
    return hashlib.sha256(token.encode()).hexdigest()


def key_prefix_of(token: str) -> str | None:
    """The public part of a token (``vk_live_`` + 12 characters), or None if it is malformed."""
    for mode in ApiKeyMode.values:
        marker = f"vk_{mode}_"
        if token.startswith(marker) and len(token) == len(marker) + KEY_ID_LENGTH + KEY_SECRET_LENGTH:
            body = token[len(marker) :]
            if all(ch in KEY_ALPHABET for ch in body):
                return token[: len(marker) + KEY_ID_LENGTH]
    return None


def bearer_token(request: HttpRequest) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None
