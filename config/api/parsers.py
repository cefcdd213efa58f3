"""JSON parsing for the API: like DRF's, but refusing strings nothing downstream can store.

JSON lets a string carry NUL (``\\u0000``), which PostgreSQL refuses in text, and unpaired UTF-16
surrogates (``\\ud800``), which are not Unicode text at all and cannot be encoded as UTF-8. Both
are refused here, once, as a 400 problem, so no later layer (database, audit log) meets them.
"""

from __future__ import annotations

import re
from typing import Any

from rest_framework.parsers import JSONParser

from config.errors import InvalidInput

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _unstorable(value: Any) -> str | None:
    """The first unstorable character in any string (key or value) of ``value``, if any."""
    if isinstance(value, str):
        if value.isascii():  # constant time: no surrogate can be there, and a NUL is a fast memchr
            return "\x00" if "\x00" in value else None
        found = _UNSTORABLE.search(value)
        return found.group() if found else None
    if isinstance(value, dict):
        items: list[Any] = [part for pair in value.items() for part in pair]
    elif isinstance(value, list):
        items = value
    else:
        return None
    for item in items:
        found_in_item = _unstorable(item)
        if found_in_item is not None:
            return found_in_item
    return None


class StrictJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        found = _unstorable(data)
        if found == "\x00":
            raise InvalidInput("Strings may not contain NUL (\\u0000) characters.", code="null_character")
        if found is not None:
            raise InvalidInput(
                "Strings may not contain unpaired UTF-16 surrogates (\\ud800–\\udfff): they are not Unicode text.",
                code="invalid_unicode",
            )
        return data
