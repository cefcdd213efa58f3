"""The free-form ``metadata`` object a tenant may attach to its resources: any JSON object, size-capped."""

from __future__ import annotations

import json
from typing import Any

from config.errors import InvalidInput

MAX_METADATA_BYTES = 4096


def validate_metadata(metadata: Any) -> dict[str, Any]:
    """``metadata`` itself when it is a JSON object of at most MAX_METADATA_BYTES; ``InvalidInput`` otherwise."""
    if not isinstance(metadata, dict):
        raise InvalidInput("metadata must be a JSON object.", code="invalid_metadata")
    size = len(json.dumps(metadata, separators=(",", ":")).encode())
    if size > MAX_METADATA_BYTES:
        raise InvalidInput(
            f"metadata is {size} bytes; at most {MAX_METADATA_BYTES} are allowed.", code="metadata_too_large"
        )
    return metadata
