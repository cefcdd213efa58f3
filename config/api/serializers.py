"""Input serializers check shape only, and refuse fields they do not know; the schema says so."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timedelta
from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension, OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from config.errors import InvalidInput
from tenants.selectors import scope_livemode


# Refuses fields it does not define, and a string field given anything but a string: DRF's
# CharField would take 320 as "320"; the schema says string, so a number is a 400
# validation_error like any other value of the wrong type. (A comment, not a docstring: the
# schema would show a docstring on every input it derives from this class.)
class StrictInputSerializer(serializers.Serializer[Any]):
    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise InvalidInput(
                    f"Unknown field(s): {', '.join(unknown)}.", code="unknown_field", extra={"fields": unknown}
                )
            not_strings = {
                name: [ErrorDetail("Not a valid string.", code="invalid")]
                for name, field in self.fields.items()
                if isinstance(field, serializers.CharField) and not isinstance(data.get(name, ""), str | None)
            }
            if not_strings:
                raise serializers.ValidationError(not_strings)
        return super().to_internal_value(data)


class StrictInputSchema(OpenApiSerializerExtension):  # type: ignore[no-untyped-call]
    """Every strict input is documented as ``additionalProperties: false``, under a name of its own.

    Input serializers are nested classes named alike (``SubjectListView.Input``); their qualified
    name keeps two of them from sharing, and silently overwriting, one schema component.
    """

    target_class = StrictInputSerializer
    match_subclasses = True

    def get_name(self, auto_schema: Any, direction: str) -> str:
        return type(self.target).__qualname__.replace(".", "")

    def map_serializer(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        schema: dict[str, Any] = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        return {**schema, "additionalProperties": False}


class TrimmedCharFieldSchema(OpenApiSerializerFieldExtension):  # type: ignore[no-untyped-call]
    """A string input that is trimmed and may not be blank must hold a non-space character.

    DRF strips surrounding whitespace before checking ``allow_blank``, so ``" "`` is refused
    although ``minLength: 1`` alone would allow it.
    """

    target_class = serializers.CharField
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        schema: dict[str, Any] = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        field = self.target
        if direction == "request" and field.trim_whitespace and not field.allow_blank and "pattern" not in schema:
            schema["pattern"] = r"\S"
        return schema


@extend_schema_field(OpenApiTypes.BYTE)
class Base64Field(serializers.Field[bytes, str, str, Any]):
    """Bytes as standard base64 text, decoded on input.

    Not a ``CharField``: its validators walk a string character by character in Python (the
    surrogate check alone took most of a request carrying two photos), and strict base64
    decoding already refuses every character outside the base64 alphabet.
    """

    default_error_messages = {"invalid_base64": "Not valid base64.", "not_a_string": "Expected base64 text."}

    def to_internal_value(self, data: Any) -> bytes:
        if not isinstance(data, str):
            self.fail("not_a_string")
        try:
            return base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            self.fail("invalid_base64")

    def to_representation(self, value: bytes) -> str:
        return base64.b64encode(value).decode()


class S3ObjectInput(StrictInputSerializer):
    """An object in the tenant's own bucket, given by reference; validated into Rekognition's ``S3Object`` shape."""

    bucket = serializers.CharField(max_length=63, help_text="Your tenant's storage bucket.")
    name = serializers.CharField(max_length=1024, help_text="An object key under your tenant's storage prefix.")
    version = serializers.CharField(max_length=1024, required=False)

    def to_internal_value(self, data: Any) -> Any:
        checked = super().to_internal_value(data)
        engine = {"Bucket": checked["bucket"], "Name": checked["name"]}
        if checked.get("version"):
            engine["Version"] = checked["version"]
        return engine


DEFAULT_REPORT_PERIOD = timedelta(days=30)


class PeriodQuery(serializers.Serializer[Any]):
    """``?from=&to=`` of a report over a period (ISO 8601; from inclusive, to exclusive)."""

    def get_fields(self) -> dict[str, Any]:
        return {  # ``from`` is a Python keyword: the fields are named here
            "from": serializers.DateTimeField(
                required=False, help_text="ISO 8601, inclusive; default: 30 days before to."
            ),
            "to": serializers.DateTimeField(required=False, help_text="ISO 8601, exclusive; default: now."),
        }

    @staticmethod
    def period(query: dict[str, Any], now: datetime) -> tuple[datetime, datetime]:
        """(from, to) of a validated query: to defaults to now, from to 30 days before to."""
        end = query.get("to") or now
        return query.get("from") or end - DEFAULT_REPORT_PERIOD, end


class PeriodOutput(serializers.Serializer[Any]):
    """A report's period, ``from`` and ``to``; a report's output serializer extends it."""

    from_ = serializers.DateTimeField()
    to = serializers.DateTimeField()

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")  # ``from`` is a Python keyword
        return fields


class ResourceOutput(serializers.Serializer[Any]):
    """An API resource: every one says whether it is live or test-mode data (docs/test-mode.md)."""

    livemode = serializers.SerializerMethodField(
        help_text="true: live data (a vk_live_ key); false: test-mode data (a vk_test_ key). The two never mix."
    )

    def get_livemode(self, obj: Any) -> bool:
        return scope_livemode()  # every object a request or task serves belongs to its scope's tenant
