"""Public identifiers: a type prefix and 24 random characters, never a database integer."""

import secrets
import string

_ALPHABET = string.ascii_lowercase + string.digits


def public_id(prefix: str) -> str:
    return f"{prefix}_" + "".join(secrets.choice(_ALPHABET) for _ in range(24))
