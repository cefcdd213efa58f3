"""Input serializers check shape only, and refuse fields they do not know."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from config.errors import InvalidInput


class StrictInputSerializer(serializers.Serializer[Any]):
    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise InvalidInput(
                    f"Unknown field(s): {', '.join(unknown)}.", code="unknown_field", extra={"fields": unknown}
                )
        return super().to_internal_value(data)
