from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.s3_object_input_request import S3ObjectInputRequest


T = TypeVar("T", bound="ImageJsonInputRequest")


@_attrs_define
class ImageJsonInputRequest:
    """
    Attributes:
        bytes_ (str | Unset): The JPEG or PNG image, base64-encoded.
        s3_object (S3ObjectInputRequest | Unset): An object in the tenant's own bucket, given by reference; validated
            into Rekognition's ``S3Object`` shape.
    """

    bytes_: str | Unset = UNSET
    s3_object: S3ObjectInputRequest | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        bytes_ = self.bytes_

        s3_object: dict[str, Any] | Unset = UNSET
        if not isinstance(self.s3_object, Unset):
            s3_object = self.s3_object.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if bytes_ is not UNSET:
            field_dict["bytes"] = bytes_
        if s3_object is not UNSET:
            field_dict["s3_object"] = s3_object

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.s3_object_input_request import S3ObjectInputRequest

        d = dict(src_dict)
        bytes_ = d.pop("bytes", UNSET)

        _s3_object = d.pop("s3_object", UNSET)
        s3_object: S3ObjectInputRequest | Unset
        if isinstance(_s3_object, Unset):
            s3_object = UNSET
        else:
            s3_object = S3ObjectInputRequest.from_dict(_s3_object)

        image_json_input_request = cls(
            bytes_=bytes_,
            s3_object=s3_object,
        )

        return image_json_input_request
