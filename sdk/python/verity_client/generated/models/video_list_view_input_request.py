from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.s3_object_input_request import S3ObjectInputRequest
    from ..models.video_list_view_input_request_metadata import (
        VideoListViewInputRequestMetadata,
    )


T = TypeVar("T", bound="VideoListViewInputRequest")


@_attrs_define
class VideoListViewInputRequest:
    """
    Attributes:
        s3_object (S3ObjectInputRequest): An object in the tenant's own bucket, given by reference; validated into
            Rekognition's ``S3Object`` shape.
        external_ref (str | Unset):
        metadata (VideoListViewInputRequestMetadata | Unset): Any JSON object up to 4096 bytes.
    """

    s3_object: S3ObjectInputRequest
    external_ref: str | Unset = UNSET
    metadata: VideoListViewInputRequestMetadata | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        s3_object = self.s3_object.to_dict()

        external_ref = self.external_ref

        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "s3_object": s3_object,
            }
        )
        if external_ref is not UNSET:
            field_dict["external_ref"] = external_ref
        if metadata is not UNSET:
            field_dict["metadata"] = metadata

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.s3_object_input_request import S3ObjectInputRequest
        from ..models.video_list_view_input_request_metadata import (
            VideoListViewInputRequestMetadata,
        )

        d = dict(src_dict)
        s3_object = S3ObjectInputRequest.from_dict(d.pop("s3_object"))

        external_ref = d.pop("external_ref", UNSET)

        _metadata = d.pop("metadata", UNSET)
        metadata: VideoListViewInputRequestMetadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = VideoListViewInputRequestMetadata.from_dict(_metadata)

        video_list_view_input_request = cls(
            s3_object=s3_object,
            external_ref=external_ref,
            metadata=metadata,
        )

        return video_list_view_input_request
