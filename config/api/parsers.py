"""JSON parsing for the API: like DRF's, but refusing NUL characters, which PostgreSQL cannot store."""

from __future__ import annotations

from typing import Any

from rest_framework.parsers import JSONParser

from config.errors import InvalidInput


def _contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(k) or _contains_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_contains_nul(item) for item in value)
    return False


class StrictJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        if _contains_nul(data):
            raise InvalidInput("Strings may not contain NUL (\\u0000) characters.", code="null_character")
        return data
