from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.image_list_view_input_request_metadata import (
        ImageListViewInputRequestMetadata,
    )
    from ..models.s3_object_input_request import S3ObjectInputRequest


T = TypeVar("T", bound="ImageListViewInputRequest")


@_attrs_define
class ImageListViewInputRequest:
    """
    Attributes:
        image (str | Unset): The JPEG or PNG, base64-encoded (at most 5242880 bytes decoded).
        s3_object (S3ObjectInputRequest | Unset): An object in the tenant's own bucket, given by reference; validated
            into Rekognition's ``S3Object`` shape.
        external_ref (str | Unset): Your own reference.
        metadata (ImageListViewInputRequestMetadata | Unset): Any JSON object up to 4096 bytes.
    """

    image: str | Unset = UNSET
    s3_object: S3ObjectInputRequest | Unset = UNSET
    external_ref: str | Unset = UNSET
    metadata: ImageListViewInputRequestMetadata | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        image = self.image

        s3_object: dict[str, Any] | Unset = UNSET
        if not isinstance(self.s3_object, Unset):
            s3_object = self.s3_object.to_dict()

        external_ref = self.external_ref

        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if image is not UNSET:
            field_dict["image"] = image
        if s3_object is not UNSET:
            field_dict["s3_object"] = s3_object
        if external_ref is not UNSET:
            field_dict["external_ref"] = external_ref
        if metadata is not UNSET:
            field_dict["metadata"] = metadata

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.image_list_view_input_request_metadata import (
            ImageListViewInputRequestMetadata,
        )
        from ..models.s3_object_input_request import S3ObjectInputRequest

        d = dict(src_dict)
        image = d.pop("image", UNSET)

        _s3_object = d.pop("s3_object", UNSET)
        s3_object: S3ObjectInputRequest | Unset
        if isinstance(_s3_object, Unset):
            s3_object = UNSET
        else:
            s3_object = S3ObjectInputRequest.from_dict(_s3_object)

        external_ref = d.pop("external_ref", UNSET)

        _metadata = d.pop("metadata", UNSET)
        metadata: ImageListViewInputRequestMetadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = ImageListViewInputRequestMetadata.from_dict(_metadata)

        image_list_view_input_request = cls(
            image=image,
            s3_object=s3_object,
            external_ref=external_ref,
            metadata=metadata,
        )

        return image_list_view_input_request
