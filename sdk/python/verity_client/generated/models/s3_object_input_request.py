from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="S3ObjectInputRequest")


@_attrs_define
class S3ObjectInputRequest:
    """An object in the tenant's own bucket, given by reference; validated into Rekognition's ``S3Object`` shape.

    Attributes:
        bucket (str): Your tenant's storage bucket.
        name (str): An object key under your tenant's storage prefix.
        version (str | Unset):
    """

    bucket: str
    name: str
    version: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        bucket = self.bucket

        name = self.name

        version = self.version

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "bucket": bucket,
                "name": name,
            }
        )
        if version is not UNSET:
            field_dict["version"] = version

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        bucket = d.pop("bucket")

        name = d.pop("name")

        version = d.pop("version", UNSET)

        s3_object_input_request = cls(
            bucket=bucket,
            name=name,
            version=version,
        )

        return s3_object_input_request
