"""Rekognition's JSON 1.1 wire protocol: who is calling, what they asked for, and how errors look.

Requests are ``POST /`` with ``X-Amz-Target: RekognitionService.<Operation>`` and a JSON body;
errors are ``{"__type": "<Exception>", "message": ...}`` with the HTTP status Rekognition uses,
so botocore raises its modeled exception classes (``client.exceptions.ResourceNotFoundException``)
and its retry handlers recognise throttling. Request bodies are checked against botocore's own
service model (required members, types, lengths, ranges, enums, patterns), which is the same
contract AWS enforces.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

import botocore.session
from botocore.model import ListShape, MapShape, OperationModel, ServiceModel, Shape, StringShape, StructureShape

SERVICE_PREFIX = "RekognitionService."
LOCAL_PREFIX = "VerityLocal."


class RekognitionError(Exception):
    """An error answered to the caller as ``{"__type": code, "message": ...}``."""

    code = "InternalServerError"
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidParameterError(RekognitionError):
    code, status = "InvalidParameterException", 400


class ResourceNotFoundError(RekognitionError):
    code, status = "ResourceNotFoundException", 400


class ResourceAlreadyExistsError(RekognitionError):
    code, status = "ResourceAlreadyExistsException", 400


class InvalidImageFormatError(RekognitionError):
    code, status = "InvalidImageFormatException", 400


class ImageTooLargeError(RekognitionError):
    code, status = "ImageTooLargeException", 400


# AWS's own wording, whatever went wrong with the object.
_S3_MESSAGE = "Unable to get object metadata from S3. Check object key, region and/or access permissions."


class InvalidS3ObjectError(RekognitionError):
    code, status = "InvalidS3ObjectException", 400

    def __init__(self, message: str = _S3_MESSAGE) -> None:
        super().__init__(message)


class InvalidPaginationTokenError(RekognitionError):
    code, status = "InvalidPaginationTokenException", 400

    def __init__(self, message: str = "Invalid pagination token.") -> None:
        super().__init__(message)


class SessionNotFoundError(RekognitionError):
    code, status = "SessionNotFoundException", 400


class IdempotentParameterMismatchError(RekognitionError):
    code, status = "IdempotentParameterMismatchException", 400


class VideoTooLargeError(RekognitionError):
    code, status = "VideoTooLargeException", 400


class ProvisionedThroughputExceededError(RekognitionError):
    code, status = "ProvisionedThroughputExceededException", 400


class ThrottlingError(RekognitionError):
    # A server fault in the service model, answered with 500 like AWS.
    code, status = "ThrottlingException", 500


class InternalServerError(RekognitionError):
    code, status = "InternalServerError", 500


class UnknownOperationError(RekognitionError):
    """The target is not a Rekognition operation at all (AWS answers the same)."""

    code, status = "UnknownOperationException", 400


class UnsupportedOperationError(RekognitionError):
    """A real Rekognition operation or option that this endpoint does not implement.

    Not a modeled exception, so botocore raises a plain ClientError with this code; 400 so
    that no retry policy mistakes it for a transient fault.
    """

    code, status = "UnsupportedOperationException", 400


class MissingAuthenticationTokenError(RekognitionError):
    code, status = "MissingAuthenticationTokenException", 403


class IncompleteSignatureError(RekognitionError):
    code, status = "IncompleteSignatureException", 400


class InvalidSignatureError(RekognitionError):
    code, status = "InvalidSignatureException", 400


class UnrecognizedClientError(RekognitionError):
    """An unknown access key id (AWS's JSON services answer 400)."""

    code, status = "UnrecognizedClientException", 400


class AccessDeniedError(RekognitionError):
    code, status = "AccessDeniedException", 400


class SerializationError(RekognitionError):
    code, status = "SerializationException", 400


THROTTLING_ERRORS: dict[str, type[RekognitionError]] = {
    ProvisionedThroughputExceededError.code: ProvisionedThroughputExceededError,
    ThrottlingError.code: ThrottlingError,
}


@dataclass(frozen=True)
class Account:
    """The caller, as AWS would see it: an access key id and the region it signed for."""

    access_key_id: str
    region: str

    @property
    def number(self) -> str:
        """A stable 12-digit account number for ARNs (the key id is not one)."""
        digest = hashlib.sha256(self.access_key_id.encode()).digest()
        return f"{int.from_bytes(digest[:8], 'big') % 10**12:012d}"

    def arn(self, resource: str) -> str:
        return f"arn:aws:rekognition:{self.region}:{self.number}:{resource}"


@dataclass
class Call:
    """One request as an operation handler sees it."""

    account: Account
    params: dict[str, Any]
    # Plain-language caveats, returned in the X-Verity-Local-Notice header (botocore keeps
    # headers in ResponseMetadata but drops unmodeled body members).
    notices: list[str] = field(default_factory=list)


@functools.cache
def service_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model("rekognition")


def operation_model(name: str) -> OperationModel:
    if name not in service_model().operation_names:
        raise UnknownOperationError(f"{name} is not an Amazon Rekognition operation.")
    return service_model().operation_model(name)


def validate_input(operation: OperationModel, params: Any) -> dict[str, Any]:
    """The request checked against the operation's input shape, with blobs decoded to bytes."""
    if operation.input_shape is None:
        return {}
    validated = _validate(operation.input_shape, params, "")
    assert isinstance(validated, dict)
    return validated


def _fail(path: str, value: Any, constraint: str) -> InvalidParameterError:
    shown = value if isinstance(value, str | int | float) else type(value).__name__
    return InvalidParameterError(
        f"1 validation error detected: Value '{shown}' at '{path or 'request'}' "
        f"failed to satisfy constraint: {constraint}"
    )


def _validate(shape: Shape, value: Any, path: str) -> Any:
    kind = shape.type_name
    metadata = shape.metadata
    if kind == "structure":
        assert isinstance(shape, StructureShape)
        return _validate_structure(shape, value, path)
    if kind == "list":
        assert isinstance(shape, ListShape)
        if not isinstance(value, list):
            raise _fail(path, value, "Member must be a list")
        _check_length(len(value), metadata, path, value)
        return [_validate(shape.member, item, f"{path}.{index + 1}") for index, item in enumerate(value)]
    if kind == "map":
        assert isinstance(shape, MapShape)
        if not isinstance(value, dict):
            raise _fail(path, value, "Member must be a map")
        _check_length(len(value), metadata, path, value)
        return {_validate(shape.key, key, path): _validate(shape.value, item, path) for key, item in value.items()}
    if kind == "string":
        assert isinstance(shape, StringShape)
        if not isinstance(value, str):
            raise _fail(path, value, "Member must be a string")
        _check_length(len(value), metadata, path, value)
        if shape.enum and value not in shape.enum:
            raise _fail(path, value, f"Member must satisfy enum value set: [{', '.join(shape.enum)}]")
        pattern = metadata.get("pattern")
        if pattern and (compiled := _compile(pattern)) is not None and compiled.fullmatch(value) is None:
            raise _fail(path, value, f"Member must satisfy regular expression pattern: {pattern}")
        return value
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(path, value, "Member must be an integer")
        _check_range(value, metadata, path)
        return value
    if kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _fail(path, value, "Member must be a number")
        _check_range(value, metadata, path)
        return float(value)
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _fail(path, value, "Member must be a boolean")
        return value
    if kind == "blob":
        # Size limits on blobs are images' limits, answered as ImageTooLargeException by the
        # image loader rather than as a parameter error.
        if not isinstance(value, str):
            raise _fail(path, value, "Member must be base64-encoded bytes")
        try:
            return base64.b64decode(value, validate=True)
        except binascii.Error as exc:
            raise _fail(path, "<blob>", "Member must be base64-encoded bytes") from exc
    return value


def _validate_structure(shape: StructureShape, value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(path, value, "Member must be a structure")
    for name in shape.required_members:
        if value.get(name) is None:
            raise _fail(_join(path, name), "null", "Member must not be null")
    unknown = sorted(set(value) - set(shape.members))
    if unknown:
        raise InvalidParameterError(f"Unknown parameter(s) at '{path or 'request'}': {', '.join(unknown)}")
    return {
        name: _validate(shape.members[name], item, _join(path, name))
        for name, item in value.items()
        if item is not None
    }


def _join(path: str, member: str) -> str:
    # AWS reports paths in lowerCamelCase: "image.s3Object.name".
    name = member[:1].lower() + member[1:]
    return f"{path}.{name}" if path else name


def _check_length(length: int, metadata: dict[str, Any], path: str, value: Any) -> None:
    if "min" in metadata and length < metadata["min"]:
        raise _fail(path, value, f"Member must have length greater than or equal to {metadata['min']}")
    if "max" in metadata and length > metadata["max"]:
        raise _fail(path, value, f"Member must have length less than or equal to {metadata['max']}")


def _check_range(value: float, metadata: dict[str, Any], path: str) -> None:
    if "min" in metadata and value < metadata["min"]:
        raise _fail(path, value, f"Member must have value greater than or equal to {metadata['min']}")
    if "max" in metadata and value > metadata["max"]:
        raise _fail(path, value, f"Member must have value less than or equal to {metadata['max']}")


@functools.cache
def _compile(pattern: str) -> re.Pattern[str] | None:
    """A service-model pattern as a Python regex, or None for the odd Java-only construct."""
    try:
        return re.compile(pattern)
    except re.error:
        return None
